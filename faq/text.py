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
_STOPWORD_TEXT = """
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it itself
just me more most my myself no nor not now of off on once only or other our ours ourselves
out over own same she should so some such than that the their theirs them themselves then
there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours yourself yourselves ok please hi hey
right get got really also like im its much many well actually basically tell know want
wanted wondering wonder question quick anyone somebody someone thing things going go
exactly just still even maybe probably though anything something everything every lot bit
little kind sort literally honestly thank thanks hello okay yes yeah yep sure gonna let
super quite pretty extremely totally absolutely definitely seriously
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())

_NON_WORD = re.compile(r"[^a-z0-9']+")
_SEGMENT_BREAK = re.compile(r"(?:[.!?;\n]+|\s+-\s+)")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})


def fold(text: str) -> str:
    """Lowercase, unify apostrophes, strip accents and turn meaningful emoji into words."""
    for emoji, word in EMOJI_WORDS.items():
        text = text.replace(emoji, word)
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


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
        tokens.extend(SHORTHAND.get(word, word).split())
    return tokens


def segments(text: str) -> list[str]:
    """The sentences of a message, for finding the question inside a long story."""
    return [part for part in (p.strip() for p in _SEGMENT_BREAK.split(text)) if part]


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
