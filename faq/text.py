"""Text normalisation: from what people type to plain lowercase word tokens.

This part knows nothing of the knowledge: it folds case, accents and curly quotes, turns
a few emoji into words, expands contractions and chat shorthand ("u", "wat", "dont"),
drops punctuation and other emoji, and offers a light stemmer so "sessions", "session"
and "sessioned" meet. Vocabulary-aware steps (typo correction, synonyms) live in
``faq.analysis``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

# Emoji that carry meaning in a chat; every other emoji is dropped like punctuation.
EMOJI_WORDS: dict[str, str] = {
    "👋": " hello ",
    "🙏": " thanks ",
    "👍": " ok ",
    "👌": " ok ",
    # A currency sign on its own ("£££?", "$?") asks what it costs.
    "£": " price ",
    "$": " price ",
    "€": " price ",
    "💰": " price ",
    "💸": " price ",
}

# Chat shorthand and apostrophe-less contractions, as clients type them.
SHORTHAND: dict[str, str] = {
    "u": "you",
    "ya": "you",
    "yu": "you",
    "ur": "your",
    "r": "are",
    "y": "why",
    "wat": "what",
    "wot": "what",
    "wht": "what",
    "whats": "what is",
    "hw": "how",
    "hows": "how is",
    "wheres": "where is",
    "whens": "when is",
    "whos": "who is",
    "abt": "about",
    "bout": "about",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "thnx": "thanks",
    "thanx": "thanks",
    "ty": "thanks",
    "tysm": "thanks",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "dont": "do not",
    "shouldnt": "should not",
    "wouldnt": "would not",
    "couldnt": "could not",
    "wasnt": "was not",
    "werent": "were not",
    "hasnt": "has not",
    "havent": "have not",
    "hadnt": "had not",
    "aint": "is not",
    "youre": "you are",
    "theyre": "they are",
    "youve": "you have",
    "weve": "we have",
    "theyve": "they have",
    "youll": "you will",
    "theyll": "they will",
    "thats": "that is",
    "theres": "there is",
    "heres": "here is",
    "doesnt": "does not",
    "didnt": "did not",
    "cant": "can not",
    "cannot": "can not",
    "wont": "will not",
    "isnt": "is not",
    "arent": "are not",
    "im": "i am",
    "ive": "i have",
    "its": "it is",
    "hv": "have",
    "k": "ok",
    "kk": "ok",
    "okay": "ok",
    "okk": "ok",
    "rn": "right now",
    "b4": "before",
    "w": "with",
    "approx": "approximately",
    "min": "minutes",
    "mins": "minutes",
    "hr": "hours",
    "hrs": "hours",
    "wk": "weeks",
    "wks": "weeks",
    "appt": "appointment",
    "sesh": "session",
    "ppl": "people",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "thru": "through",
    "wen": "when",
    "shud": "should",
    "shld": "should",
    "wud": "would",
    "cud": "could",
    "dose": "does",
    "tk": "take",
    "cya": "see you",
    "ttyl": "talk to you later",
    "gn": "good night",
    "gm": "good morning",
    "idk": "i do not know",
    "dunno": "do not know",
    "2moro": "tomorrow",
    "2day": "today",
    "tonite": "tonight",
    "tue": "tuesday",
    "tues": "tuesday",
    "weds": "wednesday",
    "thu": "thursday",
    "thur": "thursday",
    "thurs": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "pic": "photo",
    "n": "and",
    "c": "see",
    "atm": "at the moment",
    "alot": "a lot",
    "tho": "though",
    "cuz": "because",
    "coz": "because",
    "bc": "because",
    "rly": "really",
    "prob": "probably",
    "info": "information",
    "lol": "",
    "lmao": "",
    "haha": "",
    "omg": "",
    "tbh": "",
    "btw": "",
}

CONTRACTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\bcan't\b", "can not"),
        (r"\bwon't\b", "will not"),
        (r"n't\b", " not"),
        (r"'re\b", " are"),
        (r"'m\b", " am"),
        (r"'ll\b", " will"),
        (r"'ve\b", " have"),
        (r"'d\b", " would"),
        (r"\b(it|what|that|there|where|who|how|when|he|she)'s\b", r"\1 is"),
        (r"'s\b", ""),
    )
)

# Function words: they carry little meaning on their own, so the matcher weighs them less.
#
# _ENGLISH_STOPWORD_TEXT is the English list of NLTK's stopwords corpus (nltk_data,
# packages/corpora/stopwords.zip, file "english"), which NLTK took from the Snowball
# project's English stop word list (snowballstem.org; the copy in PostgreSQL's
# src/backend/snowball/stopwords/english.stop), plus "could" and "would". Left out are
# NLTK's contraction pieces ("don", "don't", "s", "ll"...): tokenize() expands "don't" to
# "do not" before anything reads this list. Licence: Snowball is released under the
# 3-clause BSD licence (copyright Martin Porter and Richard Boulton); NLTK's maintainers
# say its stopword lists carry no licence of their own (nltk/nltk_data#149).
_ENGLISH_STOPWORD_TEXT = """
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its
itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves
"""
# This project's own additions: the filler words of chat messages ("hi, quick question,
# im wondering..."), which say nothing about the subject either.
_CHAT_STOPWORD_TEXT = """
ok please hi hey right get got really also like im much many well actually basically tell
know want wanted wondering wonder question quick anyone somebody someone thing things going
go exactly still even maybe probably though anything something everything every lot bit
little kind sort literally honestly thank thanks hello okay yes yeah yep sure gonna let
super quite pretty extremely totally absolutely definitely seriously
"""
STOPWORDS: frozenset[str] = frozenset(_ENGLISH_STOPWORD_TEXT.split() + _CHAT_STOPWORD_TEXT.split())

# Everyday words that say nothing about a subject: discourse words, common verbs,
# adjectives and adverbs, time words and number words. A word the knowledge never uses
# usually counts against a match ("does botox hurt"), but not one of these: "kindly
# advise how many sessions are necessary" is still a question about sessions.
_EVERYDAY_TEXT = """
able about above absolutely according across actually add added after afterwards again
ago ahead almost alone along already alright also although always amazing amount another
answer anybody anyhow anymore anyone anything anyway anyways anywhere appreciate
approximately around arrange ask asked asking assume available aware away awful awesome
back bad badly based basic basically become becomes before began begin beginning behind
believe best better big bit bother bothered brief bring busy buy call came cannot care
careful case certain certainly chance change changed check clear clearly come comes
coming common completely concerned concerning consider considering could couple course
currently curious day days dear decide decided definitely despite did different
difficult do does doing done double during each early easy either else end enough
entire especially even evening eventually ever every everybody everyone everything
exact exactly example except excited expect fairly far fast feel feeling felt few
fine finally find first follow following for forward found four free friend friends
from full fully future general generally get gets getting give given glad go goes
going gone good got great guess guys half happen happened happens happy hard hate
have heard hello help helpful helps here hey hi high hold honest honestly hope
hopefully how however hundred idea important inform information initial instead
interested interesting just keen keep kind kinda kindly knew know known last late
later least leave left less let like likely little long look looked looking lot lots
love made main make makes making many matter maybe mean means meant mention might
mind minimum maximum mine minute moment more morning most mostly much must myself
near nearly necessary need needed needs never new next nice night nine nobody none
normal normally nothing now number obviously of off often oh ok okay old once one
ones only open or order other others otherwise out over overall own part particular
particularly people perfect perhaps personally place plan planning please pleased
plenty point possible possibly pretty probably proceed properly quick quickly quite
rather ready real really reason recently regarding regards related remember require
required right said same say saying says second see seem seems seen self sent seriously
seven several shall short should show simple simply since six small so some somebody
someone something sometime sometimes somewhere soon sorry sort start started starting
still stop stuff such suggest suppose sure take taken taking talk tell ten than thank
thanks that the then there these thing things think thinking third this those though
thought three through time times tiny today together told tomorrow tonight too took
totally tried true truly try trying twice two type under understand unless unsure
until up upon us use used useful usual usually very want wanted wanting was way ways
week well went were what whatever when whenever where whether which while who whole
why will willing wish with within without wonder wondering worried worry would wow
yeah year years yes yesterday yet you young your
mom mum mother dad father sister brother husband wife partner boyfriend girlfriend kid
kids child children son daughter family baby grandma grandmother granddaughter life
holiday holidays vacation wedding birthday party summer winter spring autumn month
months weekend monday tuesday wednesday thursday friday saturday sunday
"""
EVERYDAY_WORDS: frozenset[str] = frozenset(_EVERYDAY_TEXT.split())

_NON_WORD = re.compile(r"[^a-z0-9']+")
_SEGMENT_BREAK = re.compile(r"(?:(?<!\d)\.|\.(?!\d)|[!?;\n]+|\s+-\s+)+")
"""A sentence ends at . ! ? ; a new line or a dash between spaces; not at the point of a
decimal number ("a fever of 39.2")."""
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})


@lru_cache(maxsize=1)
def english_rank() -> dict[str, int]:
    """Common English words (``faq/data/english_words.txt``), each with its frequency rank
    (0 = the most frequent)."""
    text = resources.files("faq").joinpath("data/english_words.txt").read_text(encoding="utf-8")
    lines = (raw.strip() for raw in text.splitlines())
    words = (line for line in lines if line and not line.startswith("#"))
    return {word: rank for rank, word in enumerate(words)}


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Common English words: a real word is not a typo."""
    return frozenset(english_rank())


def restore_dropped_g(word: str) -> str:
    """ "lookin" -> "looking", "seein" -> "seeing"; "cousin" and "thin" stay."""
    if len(word) < 5 or not word.endswith("in"):
        return word
    rank = english_rank()
    full = rank.get(word + "g")
    if full is not None and full < rank.get(word, len(rank)):
        return word + "g"
    return word


def fold(text: str) -> str:
    """Lowercase, unify apostrophes, strip accents and turn meaningful emoji into words."""
    for emoji, word in EMOJI_WORDS.items():
        text = text.replace(emoji, word)
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


COURTESY_WORDS: dict[str, str] = {
    **dict.fromkeys(
        """hola salam salaam salam alaikum assalamualaikum asalamualaikum bonjour bonsoir hallo
        ciao czesc merhaba namaste namaskar buna ahoj hej salut oi ola konnichiwa""".split(),
        "hello",
    ),
    **dict.fromkeys(
        """gracias merci danke grazie obrigado obrigada dziekuje dzieki shukran shukriya
        dhanyavad dhanyavaad dhanyawad salamat tesekkurler tesekkur multumesc spasibo arigato
        mersi hvala""".split(),
        "thanks",
    ),
}
"""Greetings and thanks in other languages, read as "hello" and "thanks": a client who
writes "salam" or "gracias!" is greeted or thanked back, not told they were not understood."""


def tokenize(text: str) -> list[str]:
    """Split text into lowercase word tokens, with contractions and shorthand expanded."""
    text = fold(text)
    for pattern, replacement in CONTRACTIONS:
        text = pattern.sub(replacement, text)
    tokens: list[str] = []
    for raw in _NON_WORD.sub(" ", text).split():
        word = raw.strip("'").replace("'", "")
        if not word:
            continue
        word = COURTESY_WORDS.get(word, word)
        tokens.extend(SHORTHAND.get(word, restore_dropped_g(word)).split())
    return tokens


MIN_SEGMENT_WORDS = 3


_SENTENCE_END = re.compile(r"[.!?;\n]+")


def join_topic(topic: str, text: str) -> str:
    """A message and the topic of the conversation before it as one sentence, so neither
    is judged on its own ("can it help stretch marks" + "and for melasma?")."""
    return _SENTENCE_END.sub(" ", f"{topic} {text}").strip()


def segments(text: str) -> list[str]:
    """The sentences of a message, for finding the question inside a long story.

    A fragment of fewer than three words ("Hi.", "So...") is joined to the next sentence,
    or to the one before at the end, so "does... it, hurt" stays one question.
    """
    # In chat an emoji often ends a sentence: "...not to do it 🙄 is it surgery?"
    text = "".join("\n" if unicodedata.category(ch) == "So" else ch for ch in text)
    parts = [part for part in (p.strip() for p in _SEGMENT_BREAK.split(text)) if part]
    joined: list[str] = []
    pending = ""
    for part in parts:
        part = f"{pending} {part}".strip()
        if len(part.split()) < MIN_SEGMENT_WORDS:
            pending = part
            continue
        joined.append(part)
        pending = ""
    if pending:
        if joined:
            joined[-1] = f"{joined[-1]} {pending}"
        else:
            joined.append(pending)
    return joined


_VOWEL = re.compile(r"[aeiouy]")
_SHORT_SYLLABLE = re.compile(r"^[^aeiouy]*[aeiouy][^aeiouywx]$")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English stemmer: plurals, -ing, -ed, -ly and a final -e.

    It only needs to be consistent (the same rule runs on stored questions and on
    messages), not linguistically exact: "sessions"/"session", "hurting"/"hurts"/"hurt",
    "needles"/"needling"/"needle" all meet.
    """
    if len(word) <= 3 or not word.isalpha() or word in STOPWORDS:
        return word  # function words stay whole: "really" must not become "real"
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ingly", "edly", "ing", "ed", "ly"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3 and _VOWEL.search(base):
            word = base
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            elif _SHORT_SYLLABLE.search(word):
                word += "e"  # "scared" -> "scare", not "scar"; "hoped" -> "hope"
            break
    if word.endswith("e") and len(word) > 4 and not _SHORT_SYLLABLE.search(word[:-1]):
        word = word[:-1]
    return word
