"""Problems after treatment: recognising them, and the reply that takes them seriously.

``assess(text)`` reads one client message and says whether it reports a problem after
treatment (``Concern.PROBLEM``: contact the clinic now), urgent signs
(``Concern.URGENT``: get urgent medical help first), or neither (None: an ordinary
message, answered as usual). ``concern_reply`` builds the reply from the knowledge
file's ``messages: problem / urgent`` texts, so staff word them; the recognition is the
engine's and knows nothing of any one clinic's entries.

The rules, on normalised and lightly stemmed words (typos in the sign words fixed):

* **urgent**: trouble breathing, throat / tongue / lip swelling, fainting, chest pain,
  a fever together with redness that spreads or is hot, a high fever, swelling that is
  fast or severe, hives all over, dizziness with swelling or hives, a change in vision,
  confusion, red streaks, bleeding that will not stop. Always urgent, even asked
  ahead ("what if I can't breathe"): the advice to get help first does no harm.
* **always a problem**: pus, blisters, a rash or hives, fever, weeping or oozing skin,
  an allergic reaction, skin that is or looks infected.
* **a problem with time or worsening**: redness, swelling, pain, heat, itching,
  peeling, bruising, bumps, crusts, bleeding, and dark patches, when the message says
  they last ("still", "3 days", "a week", "since") or grow ("worse", "spreading", "not
  going down"). Dark patches also need the treatment mentioned ("after", "since the
  session"): dark patches on their own are what clients come to have treated.
* **asked in advance** ("is some redness normal?", "will I be swollen?", "how long does
  redness last?", "can it cause blisters?") stays ordinary, unless the message also
  reports something happening now ("I have", "my face is", "still", "days ago").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from faq.knowledge import Knowledge
from faq.replies import Reply, ReplyKind
from faq.text import english_words, segments, stem, tokenize


class Concern(StrEnum):
    """What a message about the skin after treatment calls for."""

    PROBLEM = "problem"
    """Contact the clinic now."""
    URGENT = "urgent"
    """Get urgent medical help first, then tell the clinic."""


# -- the words ------------------------------------------------------------------------
# Written as people type them; each word is stemmed once, as the messages are.

_ALWAYS_PROBLEM = """
pus puss pussy oozing ooze oozes oozed weeping weep weeps discharge blister blisters
blistered blistering rash rashes hives hive welts fever feverish temperature chills
shivery shivering infected infection infections infecting abscess boil
"""
"""Signs that are a problem whenever someone reports them."""

_LASTING_SIGNS = """
red redness reddness redder reddish flushed blotchy swollen swelling swell swelled
swells puffy puffiness puffed inflamed inflammation pain painful hurts hurting hurt
sore soreness tender throbbing throbs aching ache aches stinging stings burning burns
burn hot heat warm itch itchy itching itches itchiness peeling peel peels flaking flaky
flakes bruise bruised bruising bruises bumps bumpy lumps lumpy spots breakout breakouts
pimples crust crusts crusty crusting scab scabs scabbing bleeding bleeds bled raw
irritated irritation dark darker darkened darkening patches patchy brown pigmentation
hyperpigmentation discoloured discolored discolouration marks blotches
"""
"""Signs expected for a day or so: a problem when they last or get worse."""

_SLOW_SIGNS = "peeling peel peels flaking flaky flakes dry dryness"
"""Among the lasting signs, the ones expected for days rather than hours: a problem when
they last beyond a week or get worse."""

_DARK = """
dark darker darkened darkening patches patchy brown pigmentation hyperpigmentation
discoloured discolored discolouration marks blotches spots
"""
"""Among the lasting signs, the ones that are also the conditions clients come with."""

_STINGING = "stinging stings sting burning burns burn"
_PRODUCTS = """
serum serums cream creams moisturiser moisturizer moisturisers lotion lotions oil oils toner
sunscreen spf makeup product products skincare
"""
_WORSENING = """
worse worsening worsen worsened spreading spread spreads spreaded growing grows bigger
larger increasing increased rising unbearable severe excruciating agony agonising
"""
_LASTING = "still ongoing persisting persistent constant constantly keeps since ago"
_AFTER = "after afterwards post since later ago treated done yesterday"
"""Words that place the message after a treatment ("3 days after", "since", "done")."""
_TREATMENT = """
treatment treatments session sessions procedure microneedling needling appointment pen
needle needles needled
"""
"""The treatment named: after one only with a past ("I had the session", "did it today"),
as a prospective client names it too ("can I do microneedling for this?")."""
_HAD = "had did went last today"
_FUTURE = """
will would expect expected expecting if risk risks chance chances possible
possibly prevent avoid usually typically normally should side
"""
_REPORT = """
still ago since now currently today tonight yesterday morning been having noticed
started starting woke keeps keep got getting became become turned went looks feels
seems appeared appearing developed
"""
"""Words that say something is happening to the writer now (not asked in advance)."""
_HELP_SEEKING = "help treat treating fix improve reduce remove rid cure fade suitable work"

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "couple": 2, "few": 3, "several": 3,
    "many": 3, "some": 2, "fourteen": 14,
}  # fmt: skip
_DURATION = re.compile(
    r"(?<!\bin )(?<!\bwithin )(?<!\bnext )"
    r"\b(\d+|[a-z]+)\s*(?:of\s+)?(day|days|week|weeks|wk|wks|month|months|hour|hours|hr|hrs)\b"
    r"(?! (?:later|from now|away|time|before))"
)
"""A span the writer has lived through: "3 days", "a week"; not a date ahead ("a wedding in
10 days", "2 days later")."""
_DAY_NUMBER = re.compile(r"\bday\s*(\d+|two|three|four|five|six|seven)\b")
_PLURAL_SPAN = re.compile(r"\b(days|weeks|months)\b")
_LONG_PLURAL_SPAN = re.compile(r"\b(weeks|months)\b")
_NOT_IMPROVING = re.compile(
    r"\b(not|never|no)\s+(going|gone|getting|get|settling|settled|calming|calmed|"
    r"improving|improved|better|easing|eased|fading|faded|healing|healed|subsiding|"
    r"going down|gone down|go down|go away|going away)\b"
)


_SUPPOSING = re.compile(r"\b(what if|what happens if|in case|suppose|supposing)\b")
"""Asked as a supposition even when it says "I have": "what if I still have some spots"."""
_ALWAYS_PROBLEM_PHRASES = re.compile(r"\b(cold sores?|herpes)\b")
"""A cold sore after treatment: the needling can wake the virus; the clinic must know."""

_WORDS_TYPED: set[str] = set()


def _stems(words: str) -> frozenset[str]:
    _WORDS_TYPED.update(words.split())
    return frozenset(stem(w) for w in words.split())


ALWAYS_PROBLEM = _stems(_ALWAYS_PROBLEM)
LASTING_SIGNS = _stems(_LASTING_SIGNS)
DARK_SIGNS = _stems(_DARK)
SLOW_SIGNS = _stems(_SLOW_SIGNS)
WORSENING = _stems(_WORSENING)
STINGING = _stems(_STINGING)
PRODUCTS = _stems(_PRODUCTS)
LASTING = _stems(_LASTING)
AFTER = _stems(_AFTER)
TREATMENT = _stems(_TREATMENT)
HAD = _stems(_HAD)
FUTURE = _stems(_FUTURE)
REPORT = _stems(_REPORT)
HELP_SEEKING = _stems(_HELP_SEEKING)


@dataclass(frozen=True, slots=True)
class _Near:
    """Two kinds of word within ``window`` words of each other make an urgent sign."""

    first: frozenset[str]
    second: frozenset[str]
    window: int = 4


BREATHING = _stems("breathe breath breathing breathless breathes breathed")
BREATHING_TROUBLE = _stems(
    "not trouble hard difficult difficulty struggle struggling short shortness problem "
    "problems hardly barely laboured labored tight tightness cannot cant stopped issue"
)
SWELLING = _stems(
    "swollen swelling swell swelled swells puffy puffed closing tight tightness blocked"
)
SIZE = _stems("huge massive enormous doubled big bigger thick heavy")
SWALLOWING = _stems("swallow swallowing swallowed")
SWALLOWING_TROUBLE = _stems(
    "hard harder difficult difficulty trouble cannot cant not hurts painful blocked struggling"
)
VOICE = _stems("voice")
VOICE_TROUBLE = _stems("funny strange weird hoarse changed different croaky gone")
AIRWAY = _stems("throat tongue lip lips mouth airway airways")
CHEST = _stems("chest heart")
CHEST_TROUBLE = _stems("pain pains painful tight tightness pressure hurts hurting racing pounding")
FEVER = _stems("fever feverish temperature chills shivering shivery")
SPREADING_RED = _stems("red redness reddness hot heat warm streak streaks lines")
RED_OR_HOT = _stems("red redness reddness hot heat warm")

FAST = _stems(
    "fast quickly quick rapidly rapid suddenly sudden huge massive shut balloon enormous doubled"
)
ALL_OVER = _stems("everywhere whole body arms legs over covered")
HIVES = _stems("hives hive welts bumps lumps rash blotches")
DIZZY = _stems("dizzy dizziness lightheaded faintish woozy vomiting vomit vomited puking")
ALLERGY_SIGNS = _stems("swollen swelling swell puffy hives rash itchy itching welts")
VISION = _stems("vision sight eyesight")
VISION_TROUBLE = _stems(
    "blurry blurred blur double lost losing dark cannot cant not spots foggy cloudy"
)
BLEEDING = _stems("bleeding bleed bleeds bled blood")
STREAKS = _stems("streak streaks streaking")

URGENT_NEAR = (
    _Near(BREATHING, BREATHING_TROUBLE),
    _Near(SWELLING, AIRWAY, 5),
    _Near(SWALLOWING, SWALLOWING_TROUBLE, 4),
    _Near(CHEST, CHEST_TROUBLE, 3),
)
REPORTED_URGENT_NEAR = (
    # Swelling that is fast or severe, hives all over the body, and dizziness with
    # swelling or hives: an allergic reaction that may become anaphylaxis.
    _Near(SWELLING, FAST, 4),
    _Near(AIRWAY, FAST, 3),
    _Near(AIRWAY, SIZE, 3),
    _Near(VOICE, VOICE_TROUBLE, 3),
    _Near(HIVES, ALL_OVER, 4),
    _Near(DIZZY, ALLERGY_SIGNS, 8),
    _Near(VISION, VISION_TROUBLE, 3),
    # Red streaks from the treated skin: an infection spreading (lymphangitis).
    _Near(SPREADING_RED, STREAKS, 2),
)
"""Urgent when the writer reports them; asked in advance ("how fast does the swelling go
down?") they are ordinary questions."""
URGENT_WORDS = _stems(
    "faint fainted fainting fainty collapsed collapse anaphylaxis anaphylactic "
    "epipen wheezing wheeze wheezy unconscious seizure slurred slurring"
)
URGENT_PHRASES = (
    re.compile(r"\b(passed|blacked|pass|black|passing|blacking) out\b"),
    re.compile(r"\b(can not|could not|hard to|trouble|difficult to|difficulty) swallow"),
    re.compile(r"\bburning up\b"),
    re.compile(
        r"\b(bleeding|bleed|blood)\b(?! (thinner|thinners|test|tests|pressure|sugar))"
        r".{0,60}\b(will not|wont|can not|cant|not|does not|doesnt|never) (stop|stopping|stopped)\b"
    ),
)
REPORTED_URGENT_PHRASES = (
    re.compile(
        r"\b(bleeding|bleed|bleeds|blood)\b.*\b(keeps|keep|soaked|soaking|pouring|gushing|"
        r"dripping)\b|\b(keeps|keep) (bleeding|dripping)\b"
    ),
    re.compile(r"\b(face|lips?|tongue|eyes?|mouth)\b.{0,20}\b(blew|blown|puffed|swelled) up\b"),
    re.compile(r"\bwords (are )?coming out (wrong|funny|weird)\b"),
    re.compile(r"\b(high|very high|really high) (fever|temperature)\b"),
    re.compile(r"\b(fever|temperature|temp)\b( of)? (39|40|41|102|103|104)\b"),
    re.compile(r"\b(39|40|41|102|103|104)( \d)?( degrees| see| c| f)? (fever|temperature|temp)\b"),
)
_VISION_PHRASE = re.compile(
    r"\b(can not|cant|could not|hardly|barely) see (properly|clearly|straight|out of)\b|"
    r"\bseeing (double|spots|stars)\b|\bsee double\b"
)
_CONFUSED = re.compile(r"\b(confused|confusion|disoriented|not making sense)\b")
"""Confusion after a treatment (not "I get confused by these chat things")."""
_NEARLY = re.compile(
    r"\b(nearly|almost|practically|basically) (faint|fainted|passed out|collapsed)"
)
"""A near-faint told as a story ("I nearly fainted at a blood test") is no emergency now."""


def _vocabulary() -> list[str]:
    """Every cue word as typed: the targets for typo fixes (a cue word is never "fixed"
    into another: "shortness" stays, it does not become "soreness")."""
    words: set[str] = set(_WORDS_TYPED)
    for text in (_ALWAYS_PROBLEM, _LASTING_SIGNS, _WORSENING, _LASTING, _TREATMENT, _AFTER):
        words.update(text.split())
    return sorted(w for w in words if w.isalpha())


VOCABULARY = _vocabulary()
_VOCABULARY_SET = frozenset(VOCABULARY)


@lru_cache(maxsize=8192)
def _fix_typo(word: str) -> str:
    """A sign word typed with a slip ("swolen", "blistres", "feaver"); else the word."""
    if len(word) < 4 or word in _VOCABULARY_SET or word in english_words() or not word.isalpha():
        return word
    edits = 2 if len(word) >= 8 else 1
    match = process.extractOne(word, VOCABULARY, scorer=OSA.distance, score_cutoff=edits)
    return match[0] if match is not None and match[0][0] == word[0] else word


def _words(text: str) -> list[str]:
    """The message's words, sign words' typos fixed ("rednes" -> "redness")."""
    return [_fix_typo(w) for w in tokenize(text)]


@dataclass(frozen=True, slots=True)
class _Reading:
    """One message, read for the cues above."""

    plain: str
    """The words joined by single spaces (for the phrase patterns)."""
    stems: tuple[str, ...]

    def has(self, words: frozenset[str]) -> bool:
        return any(s in words for s in self.stems)

    def near(self, rule: _Near) -> bool:
        places = [i for i, s in enumerate(self.stems) if s in rule.first]
        others = [i for i, s in enumerate(self.stems) if s in rule.second]
        return any(abs(i - j) <= rule.window for i in places for j in others)


_EAGER = re.compile(r"\b(itching|burning|dying) to\b")
""""Itching to get the next one done" is eagerness, not itchy skin."""
_ONE_AREA = re.compile(
    r"\ball over (?:my |the |her |his |your )?(?:forehead|face|cheeks?|chin|nose|jaw|jawline|"
    r"neck|scalp|upper lip|temples?)\b"
)
"""Bumps "all over my forehead" are on one treated area, not all over the body."""


def _read(text: str) -> list[_Reading]:
    """Each sentence of the message, read separately (cues in one sentence go together)."""
    readings = []
    for sentence in segments(text) or [text]:
        plain = _EAGER.sub("eager to", " ".join(_words(sentence)))
        words = _ONE_AREA.sub(lambda m: m.group(0).replace("all over", "on"), plain).split()
        readings.append(_Reading(" ".join(words), tuple(stem(w) for w in words)))
    return readings


def _spans(reading: _Reading) -> list[tuple[int, str]]:
    """The spans the message names: (amount, the unit's first letter: h, d, w or m)."""
    spans = []
    for amount, unit in _DURATION.findall(reading.plain):
        number = int(amount) if amount.isdigit() else _NUMBER_WORDS.get(amount)
        if number is not None:
            spans.append((number, unit[0]))
    return spans


@lru_cache(maxsize=64)
def _lasts(reading: _Reading) -> bool:
    """The message says a sign lasts beyond a day: "3 days", "a week", "still", "since"."""
    if reading.has(LASTING) or _DAY_NUMBER.search(reading.plain):
        return True
    for number, unit in _spans(reading):
        if unit == "h":
            if number >= 24:
                return True
        elif unit in "wm" or number >= 2:
            return True
    return bool(_PLURAL_SPAN.search(reading.plain))


@lru_cache(maxsize=64)
def _lasts_a_week(reading: _Reading) -> bool:
    """The message names a span of a week or more: "10 days", "2 weeks", "a month"."""
    if any(unit in "wm" or (unit == "d" and number >= 7) for number, unit in _spans(reading)):
        return True
    found = _DAY_NUMBER.search(reading.plain)
    day = found.group(1) if found else ""
    return (day.isdigit() and int(day) >= 7) or bool(_LONG_PLURAL_SPAN.search(reading.plain))


@lru_cache(maxsize=64)
def _worsens(reading: _Reading) -> bool:
    """The message says a sign gets worse, spreads, or will not settle."""
    stems = reading.stems
    worse = any(
        s in WORSENING and not _NEGATIONS.intersection(stems[max(0, i - 2) : i])
        for i, s in enumerate(stems)
    )  # "red but not spreading" does not get worse
    return worse or bool(_NOT_IMPROVING.search(reading.plain))


_EXPECTATION = re.compile(
    r"\b(thought|told|said|expected|supposed|assumed|read|hoped)\b[^,.?!]{0,40}?\b(would|will|should)\b"
)
"""A past expectation, "I thought the swelling would be gone": a report, not a question
asked ahead."""
_MODALS = frozenset({"will", "would", "could", "might", "may", "can", "gonna", "should"})


def _after_modal(stems: tuple[str, ...], index: int, window: int) -> bool:
    """Whether a modal ("will", "can") comes within ``window`` words before ``index``:
    "will it get infected", "can I still have it done" look ahead."""
    return bool(_MODALS.intersection(stems[max(0, index - window) : index]))


def _unexpected(plain: str) -> str:
    """``plain`` without its past expectations ("i thought it would ...")."""
    return _EXPECTATION.sub(" ", plain)


_REPORTED_SIGNS = LASTING_SIGNS | ALWAYS_PROBLEM | _stems("reaction react reacted")


@lru_cache(maxsize=64)
def _reports(reading: _Reading) -> bool:
    """Something is happening to the writer now, not asked about in advance."""
    plain = _unexpected(f" {reading.plain} ")
    if re.search(r"\bi (woke|noticed|feel|can not)\b", plain):
        return True
    # "I have a rash", "I've got swelling"; not "I have a wedding in 10 days".
    for found in re.finditer(r"\bi (have|ve|got|am|had|did)\b((?: \w+){1,5})", plain):
        if any(stem(w) in _REPORTED_SIGNS for w in found.group(2).split()):
            return True
    if re.search(
        r"\b(my|the) \w+( \w+)? (is|are|has|have|was|were|looks|feels|went|got|blew|"
        r"swelled|turned|became|started)\b",
        plain,
    ):
        return not re.search(r"\b(will|would|going to|if|should)\b", plain)
    if re.search(r"\b(it is|its|it has|they are|skin is|face is) (been|still|getting|gone)", plain):
        return True
    stems = reading.stems
    # "will it get infected", "how many days will I look red": asked ahead, not reported.
    reported = any(
        s in REPORT and s not in {"still", "keep"} and not _after_modal(stems, i, 2)
        for i, s in enumerate(stems)
    )
    return reported or ("still" in stems and not re.search(r"\b(will|would|going to|if)\b", plain))


@lru_cache(maxsize=64)
def _in_advance(reading: _Reading) -> bool:
    """Asked ahead of (or without) a treatment: "will I", "is some redness normal"."""
    plain = _unexpected(f" {reading.plain} ")
    unchanged = plain == f" {reading.plain} "
    stems = reading.stems if unchanged else tuple(stem(w) for w in plain.split())
    # "it will not stop" reports something happening; "will it" asks ahead.
    future = any(
        s in FUTURE and not (s == "will" and stems[i + 1 : i + 2] == ("not",))
        for i, s in enumerate(stems)
    )
    if future or " going to " in plain:
        return True
    return bool(
        re.search(
            r"\b(is (it|some|a bit of|a little)\b.*\bnormal|normal to|"
            r"how (long|fast|quickly|soon) (does|do|will|is|until)|"
            r"(do not|would not|rather not) want to (be|look|get)|"
            r"can (it|microneedling|this|the treatment) (cause|give|make|leave)|"
            r"does (it|microneedling) (cause|give|make|leave)|what (happens|do i do|should i do)"
            r" if|do (people|clients|you) (get|usually)|side effects?|what are the risks?)\b",
            plain,
        )
    )


def _urgent(reading: _Reading, whole: Sequence[_Reading]) -> bool:
    if any(reading.near(rule) for rule in URGENT_NEAR):
        return True
    if not _in_advance(reading) or any(_reports(r) for r in whole):
        if any(reading.near(rule) for rule in REPORTED_URGENT_NEAR):
            return True
        if any(p.search(reading.plain) for p in REPORTED_URGENT_PHRASES):
            return True
        if _VISION_PHRASE.search(reading.plain):
            return True
        if _CONFUSED.search(reading.plain) and _after_treatment(whole):
            return True
        if reading.has(_stems("lines")) and reading.has(RED_OR_HOT) and _worsens(reading):
            return True
    if reading.has(URGENT_WORDS) and not _NEARLY.search(reading.plain):
        # "I fainted at my last blood test, is it going to be sore?" is a story told by
        # someone considering the treatment, not a faint now.
        story = not _after_treatment(whole) and any(_considering(r) for r in whole)
        if not story or _in_advance(reading):
            return True
    if any(p.search(reading.plain) for p in URGENT_PHRASES):
        return True
    # A fever with hot or spreading redness, wherever in the message each is said.
    return any(_fever(r) for r in whole) and reading.has(SPREADING_RED) and _worsens(reading)


_NEGATIONS = frozenset({"no", "not", "without", "never", "nor"})


@lru_cache(maxsize=64)
def _fever(reading: _Reading) -> bool:
    """A fever the writer has: not "no fever yet", "not a temperature"."""
    stems = reading.stems
    return any(
        s in FEVER and not _NEGATIONS.intersection(stems[max(0, i - 3) : i])
        for i, s in enumerate(stems)
    )


def _problem(reading: _Reading, whole: Sequence[_Reading]) -> bool:
    """A problem sign in this sentence, with its cues anywhere in the message."""
    # "I have a wedding in 3 days" reports nothing about the skin.
    reported = _reports(reading) or any(
        _reports(r) and (_has_sign(r) or _lasts(r) or _worsens(r)) for r in whole
    )
    advance = (_in_advance(reading) and not reported) or bool(_SUPPOSING.search(reading.plain))
    after_treatment = _after_treatment(whole)
    # "I get cold sores, is that a problem?", "skin infection atm, can I still come in?"
    # ask about having the treatment.
    considering = not after_treatment and any(_considering(r) for r in whole)
    if reading.has(ALWAYS_PROBLEM):
        return not (advance or considering)
    if _ALWAYS_PROBLEM_PHRASES.search(reading.plain):
        return after_treatment and not advance
    signs = {s for s in reading.stems if s in LASTING_SIGNS}
    if ("reaction" in reading.stems or "react" in reading.stems) and not _HABIT.search(
        reading.plain
    ):
        signs.add("reaction")
    if not signs or advance:
        return False
    lasting = any(_lasts(r) for r in whole)
    worsening = any(_worsens(r) for r in whole)
    if signs <= DARK_SIGNS:  # dark patches: the condition itself unless after a treatment
        return _treated_before(whole) and (lasting or worsening or _new_after(reading))
    if "reaction" in signs and reported and not considering:
        return True
    # "my serum burns when I put it on now": skin that reacts to its usual products.
    if signs & STINGING and reading.has(PRODUCTS) and (reported or after_treatment):
        return True
    if signs <= SLOW_SIGNS:  # peeling and flaking: days are expected, a week is not
        lasting = any(_lasts_a_week(r) for r in whole)
    if not (lasting or worsening):
        return False
    # "my stretch marks have been red for years, can microneedling help?" is a client's
    # question about a condition, not a problem after a treatment.
    asks_help = considering or any(r.has(HELP_SEEKING) for r in whole)
    return after_treatment or worsening or not asks_help


_HABIT = re.compile(
    r"\b(reacts?|react badly|reacts badly) (badly )?(to|with) (everything|most|anything|all|many|"
    r"lots|loads|nearly|almost|every)\b"
)
"""Skin that "reacts to everything" describes a skin type, not a reaction to treatment."""


@lru_cache(maxsize=64)
def _has_sign(reading: _Reading) -> bool:
    return reading.has(LASTING_SIGNS) or reading.has(ALWAYS_PROBLEM)


_HAD_TREATMENT = _Near(HAD, TREATMENT, 3)
_PAST_TREATMENT = _Near(AFTER | HAD, TREATMENT, 3)


def _treated_before(whole: Sequence[_Reading]) -> bool:
    """Stricter than ``_after_treatment``, for dark patches (the condition clients come
    with): the treatment itself is placed in the past, "since the session", "3 weeks
    after", "I had microneedling"; "since my pregnancy" is not."""
    return any(
        r.near(_PAST_TREATMENT)
        or re.search(r"\b(days?|weeks?|hours?|months?) (after|later)\b", r.plain)
        for r in whole
    )


def _after_treatment(whole: Sequence[_Reading]) -> bool:
    """The message places itself after a treatment: "3 days after", "since the session",
    "I had it done", "my session yesterday"; naming the treatment alone does not."""
    for r in whole:
        if any(s in AFTER and not _after_modal(r.stems, i, 5) for i, s in enumerate(r.stems)):
            return True
    # "I had my session", "did the treatment today"; not "I've had dark patches for
    # months, can I do microneedling?"
    return any(r.near(_HAD_TREATMENT) for r in whole)


_CONSIDERING = re.compile(
    r"\b(can|could|should|may|am|would) i (still |even |safely )?(do|have|get|book|try|start|go "
    r"ahead|be treated)\b|\b(can|should) i still come\b|"
    r"\bis (it|this|microneedling|the treatment|this treatment|that|the procedure) (still )?"
    r"(ok|okay|safe|suitable|possible|fine|right|good|an issue|a problem)\b|"
    r"\b(if|before|when) i (start|have|do|get|book|try)\b|\b(possible|safe|ok|okay) (for me )?to "
    r"(do|have|get|try)\b|\bcan you (still )?(do|treat)\b|\b(want|wanting|like) to (try|have|get|"
    r"do|book)\b|\bwould (microneedling|it|this|the treatment) (be|stop|work)\b|\b(does|would) "
    r"(that|this|it) (matter|stop me)\b|\bgoing to be (really |very |so )?(sore|painful|agony|"
    r"bearable)\b|\b(does|will) it hurt\b"
)
"""A prospective client asking about having the treatment ("can I still do it")."""


@lru_cache(maxsize=64)
def _considering(reading: _Reading) -> bool:
    return bool(_CONSIDERING.search(reading.plain))


def _new_after(reading: _Reading) -> bool:
    """ "new dark patches", "went darker", "got darker": a change since treatment."""
    return bool(re.search(r"\b(new|darker|darkened|darkening|appeared|came up)\b", reading.plain))


def assess(text: str) -> Concern | None:
    """What a client's message calls for: URGENT, PROBLEM, or None for an ordinary one."""
    readings = _read(text[:2000])
    with _one_message():
        if any(_urgent(r, readings) for r in readings):
            return Concern.URGENT
        if any(_problem(r, readings) for r in readings):
            return Concern.PROBLEM
        return None


_READING_FACTS = (
    _lasts, _lasts_a_week, _worsens, _reports, _in_advance, _considering, _has_sign, _fever
)  # fmt: skip
"""Facts about one sentence, asked many times while one message is read; cached only
for that message (the cache holds the client's words, so it is emptied after each)."""


@contextmanager
def _one_message() -> Iterator[None]:
    """Reading one message: its facts are cached meanwhile, and forgotten after."""
    try:
        yield
    finally:
        for fact in _READING_FACTS:
            fact.cache_clear()


def adds_to_concern(text: str) -> bool:
    """Whether a follow-up could complete a concern the message before began: it names a
    sign, a span ("it's been a week") or a change ("now it's worse"). "And after giving
    birth?" adds none, so it is never read as a problem with the message before."""
    with _one_message():
        return any(_has_sign(r) or _lasts(r) or _worsens(r) for r in _read(text[:2000]))


def concern_reply(knowledge: Knowledge, concern: Concern) -> Reply:
    """The reply for a reported problem or urgent signs, from the knowledge's messages,
    with the clinic's phone added if the text does not hold it; offers the hand-off."""
    text = knowledge.messages[concern.value]
    contact = contact_line(knowledge, text)
    if contact:
        text = f"{text}\n{contact}"
    kind = ReplyKind.URGENT if concern is Concern.URGENT else ReplyKind.PROBLEM
    return Reply(kind, text, offer_handoff=True)


def contact_line(knowledge: Knowledge, text: str = "") -> str:
    """The clinic's phone (and email) as one line, unless ``text`` already holds them."""
    clinic = knowledge.clinic
    parts: Iterable[str] = (
        f"{label}: {value}"
        for label, value in (("Phone", clinic.phone), ("Email", clinic.email))
        if value and value not in text
    )
    return "  ".join(parts)


__all__ = ["Concern", "adds_to_concern", "assess", "concern_reply", "contact_line"]
