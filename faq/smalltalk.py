"""What a message is, before it is matched: an acknowledgement, a lone "why", a request
for a person, or a question about a subject the knowledge does not cover.

These are properties of how people write in a chat, not of one clinic's knowledge: the
word lists here are small closed classes of English (interjections, question words,
words for a person, ways of getting in touch). The knowledge's own ``not_covered`` list
names the subjects. Nothing here looks at entries or their questions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

from faq.text import stem, tokenize

# Words that acknowledge or react without asking anything ("ok", "really?", "hmm").
ACKNOWLEDGEMENT_WORDS = frozenset(
    """
    ok okay k kk alright allright right sure fine cool great nice good lovely brilliant
    perfect wow oh ah aha ooh yes yeah yea yep yup ya no nope nah really seriously true
    interesting noted understood gotcha see got it i makes sense fair enough then so
    """.split()
)
# Interjections typed with any number of letters ("hmm", "hmmmm", "ahh", "ohhh", "mhm").
_INTERJECTION = re.compile(r"(?:h+m+|m+h*m+|a+h+|o+h+|u+m+|e+r+m*|o+k+|y+a+s+|w+o+w+)\Z")
# Words that thank: a message with one of them is for the matcher's thanks small talk.
THANKS_WORDS = frozenset("thanks thank thankyou ty cheers ta appreciate appreciated".split())
# Words that go with thanks without asking anything: "thank you so much for the info x".
_THANKS_FILLER = frozenset(
    "you so much very a lot lots again for that the this info information help all x xx xxx "
    "babe hun love dear".split()
)
MAX_THANKS_WORDS = 8

QUESTION_WORDS = frozenset("why how what when where who which whats".split())
# Words that may stand beside a lone question word without asking anything more.
_FILLER_WORDS = frozenset("and but so then or is that so huh eh though exactly".split())

# Asking for a person: a word for a person, a way of getting in touch, and a request.
PERSON_WORDS = frozenset(
    """
    person human someone somebody anyone anybody staff team receptionist people agent
    operator manager practitioner nurse doctor colleague member
    """.split()
)
# Words that name a person on their own strongly enough: "i want a human".
_STRONG_PERSON_WORDS = frozenset("person human staff receptionist agent operator".split())
CONTACT_WORDS = frozenset(
    "talk speak chat message contact call phone ring reach email text dm write".split()
)
REQUEST_WORDS = frozenset("can could may want like need let put please prefer rather".split())
# "i dont want to chat to a bot" refuses the bot: as clear a request as "can I".
_REFUSAL = re.compile(r"\b(?:not|no|rather not)\b(?: \w+){0,3} (?:bot|robot|ai|machine)\b")


# A client closing without asking: "hmm ok let me think", "i'll think about it", "ok i
# understand", "no worries", "sounds good".
_CLOSING = re.compile(
    r"(?:(?:ok|okay|hmm+|alright|right|ah|oh|yes|yeah|sure|cool|great) )*"
    r"(?:(?:let me|i will|i ll|ill|i am going to|im going to|gonna|i need to|i ll have to) "
    r"(?:have a )?think(?: about it| it over| on it)?(?: first)?|i (?:understand|see)|understood|"
    r"no worries|sounds good|will do|makes sense|fair enough|got it)"
    r"(?: (?:ok|okay|then|now|thanks|x))?"
)


class MessageKind(StrEnum):
    """What a message is, as far as the words alone tell."""

    QUESTION = "question"
    """Anything the matcher should read (the usual case)."""
    THANKS = "thanks"
    """"cool ty", "thank you so much x", "gracias!": thanks and nothing else."""
    ACKNOWLEDGEMENT = "acknowledgement"
    """"ok", "cool", "really?", "hmm", "yes", "no": no question in it."""
    LONE_QUESTION_WORD = "lone_question_word"
    """"why?", "how so?": asks something, but not what."""


def _words(text: str) -> list[str]:
    return tokenize(text)


def _thanks(words: list[str]) -> bool:
    return any(word in THANKS_WORDS for word in words)


def says_thanks(text: str) -> bool:
    """Whether ``text`` thanks, in any words ("ok i understand, thank you very much")."""
    return _thanks(_words(text))


def message_kind(text: str) -> MessageKind:
    """Whether ``text`` is thanks, an acknowledgement, a lone question word, or a question."""
    words = _words(text)
    if not words:
        return MessageKind.QUESTION
    if _thanks(words):
        if len(words) <= MAX_THANKS_WORDS and all(
            word in THANKS_WORDS
            or word in ACKNOWLEDGEMENT_WORDS
            or word in _THANKS_FILLER
            or _INTERJECTION.match(word)
            for word in words
        ):
            return MessageKind.THANKS
        return MessageKind.QUESTION
    if _CLOSING.fullmatch(" ".join(words)):
        return MessageKind.ACKNOWLEDGEMENT
    if len(words) > 4:
        return MessageKind.QUESTION
    if all(word in ACKNOWLEDGEMENT_WORDS or _INTERJECTION.match(word) for word in words):
        return MessageKind.ACKNOWLEDGEMENT
    if any(word in QUESTION_WORDS for word in words) and all(
        word in QUESTION_WORDS or word in _FILLER_WORDS or word in ACKNOWLEDGEMENT_WORDS
        for word in words
    ):
        return MessageKind.LONE_QUESTION_WORD
    return MessageKind.QUESTION


def asks_for_person(text: str) -> bool:
    """Whether ``text`` asks to reach a person at the clinic rather than the bot.

    "can I message someone at the clinic", "I want a human", "i dont want to chat to a
    bot": a word for a person together with a request, and a way of getting in touch
    (unless the person word is strong enough alone). "are you a real person" and "am I
    chatting to someone at the clinic" ask what the bot is, not for a person.
    """
    words = _words(text)
    joined = " ".join(words)
    has_person = any(word in PERSON_WORDS for word in words)
    if not has_person:
        return False
    refuses_bot = _REFUSAL.search(joined) is not None
    requests = refuses_bot or any(word in REQUEST_WORDS for word in words)
    if not requests:
        return False
    return any(word in CONTACT_WORDS for word in words) or any(
        word in _STRONG_PERSON_WORDS for word in words
    )


def _phrase_stems(text: str) -> tuple[str, ...]:
    return tuple(stem(word) for word in tokenize(text))


def not_covered_subject(text: str, subjects: Sequence[str]) -> str | None:
    """The longest subject from the knowledge's ``not_covered`` list that ``text`` names
    ("does botox hurt" -> "botox"), as staff wrote it; None if it names none."""
    words = _phrase_stems(text)
    found: str | None = None
    found_length = 0
    for subject in subjects:
        key = _phrase_stems(subject)
        size = len(key)
        if not size or size <= found_length:
            continue
        if any(words[i : i + size] == key for i in range(len(words) - size + 1)):
            found, found_length = subject, size
    return found
