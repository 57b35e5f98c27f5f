"""Normalisation: from what clients type to plain lowercase word tokens."""

from __future__ import annotations

import pytest

from faq.text import STOPWORDS, fold, segments, stem, tokenize


@pytest.mark.parametrize(
    ("typed", "tokens"),
    [
        ("HOW LONG Does It Take", ["how", "long", "does", "it", "take"]),
        ("Café crème, naïve", ["cafe", "creme", "naive"]),
        ("ＨＯＷ ＬＯＮＧ", ["how", "long"]),
        ("what\u2019s it", ["what", "is", "it"]),
        ("don\u2018t", ["do", "not"]),
        ("don`t", ["do", "not"]),
        ("it's ok", ["it", "is", "ok"]),
        ("can't won't isn't", ["can", "not", "will", "not", "is", "not"]),
        (
            "you're i'm we'll i've i'd",
            ["you", "are", "i", "am", "we", "will", "i", "have", "i", "would"],
        ),
        ("the clinic's hours", ["the", "clinic", "hours"]),
        ("u", ["you"]),
        ("wat r ur hours", ["what", "are", "your", "hours"]),
        ("dont", ["do", "not"]),
        ("whats", ["what", "is"]),
        ("cant", ["can", "not"]),
        ("30 mins", ["30", "minutes"]),
        ("4 wks", ["4", "weeks"]),
        ("next appt", ["next", "appointment"]),
        ("pls thx", ["please", "thanks"]),
        ("who shouldnt get it", ["who", "should", "not", "get", "it"]),
        ("seein results", ["seeing", "results"]),
        ("thin cousin skin", ["thin", "cousin", "skin"]),
        ("open sat or tmr?", ["open", "saturday", "or", "tomorrow"]),
        ("wen shud i come", ["when", "should", "i", "come"]),
    ],
    ids=[
        "upper-case",
        "accents",
        "full-width",
        "curly-apostrophe",
        "left-curly-apostrophe",
        "backtick-apostrophe",
        "its",
        "negations",
        "contractions",
        "possessive",
        "u",
        "wat-r-ur",
        "dont",
        "whats",
        "cant",
        "mins",
        "wks",
        "appt",
        "pls-thx",
        "shouldnt",
        "dropped-g",
        "not-dropped-g",
        "days",
        "wen-shud",
    ],
)
def test_tokenize(typed: str, tokens: list[str]) -> None:
    assert tokenize(typed) == tokens


@pytest.mark.parametrize(
    "typed",
    ["does it hurt", "Does it hurt?", "DOES IT HURT???", "does... it, hurt!!", "does it hurt 😅🙈"],
    ids=["plain", "question-mark", "shouting", "punctuation", "emoji"],
)
def test_punctuation_case_and_emoji_do_not_change_the_words(typed: str) -> None:
    assert tokenize(typed) == ["does", "it", "hurt"]


def test_meaningful_emoji_become_words() -> None:
    assert tokenize("👋") == ["hello"]
    assert tokenize("👋 hi there") == ["hello", "hi", "there"]
    assert tokenize("🙏") == ["thanks"]
    assert tokenize("👍") == ["ok"]


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "?!...", "???", "😅😅🔥", "-- // **", "\n\t"],
    ids=["empty", "spaces", "punctuation", "question-marks", "emoji", "symbols", "whitespace"],
)
def test_nothing_to_read_gives_no_tokens(typed: str) -> None:
    assert tokenize(typed) == []


def test_shorthand_is_whole_words_only() -> None:
    # "u" means "you" alone, but is left inside other words.
    assert tokenize("umm u") == ["umm", "you"]
    assert "you" not in tokenize("sun under")


def test_fold_lowercases_and_strips_accents_and_curly_quotes() -> None:
    assert fold("Ça VA\u2019") == "ca va'"
    assert fold("👋") == " hello "


def test_segments_split_a_long_message_into_sentences() -> None:
    message = (
        "Hi there! I had my baby two years ago. My tummy is covered in stretch marks - "
        "will microneedling help?\nThanks"
    )
    assert segments(message) == [
        "Hi there I had my baby two years ago",  # a fragment joins the next sentence
        "My tummy is covered in stretch marks",
        "will microneedling help Thanks",  # ... or, at the end, the one before
    ]


def test_an_emoji_can_end_a_sentence() -> None:
    assert segments("my dad says not to do it 🙄 is it actually surgery") == [
        "my dad says not to do it",
        "is it actually surgery",
    ]


def test_fragments_do_not_split_a_short_question() -> None:
    assert segments("does... it, hurt") == ["does it, hurt"]
    assert segments("Hi. Does it hurt?") == ["Hi Does it hurt"]


def test_segments_of_a_short_question_is_the_question() -> None:
    assert segments("how long does it take?") == ["how long does it take"]
    assert segments("...") == []
    assert segments("micro-needling price") == ["micro-needling price"], "a hyphen is no break"


@pytest.mark.parametrize(
    "words",
    [
        ("sessions", "session"),
        ("hurting", "hurts", "hurt"),
        ("needles", "needling", "needle"),
        ("creams", "cream"),
        ("works", "working", "worked", "work"),
        ("scars", "scarring", "scar"),
        ("weeks", "week"),
        ("studies", "study"),
        ("stretches", "stretch"),
    ],
    ids=lambda words: "/".join(words),
)
def test_stemmer_brings_word_forms_together(words: tuple[str, ...]) -> None:
    assert len({stem(word) for word in words}) == 1, {word: stem(word) for word in words}


@pytest.mark.parametrize(
    "word", ["is", "this", "glass", "stress", "us", "4", "b4"], ids=lambda w: w
)
def test_stemmer_leaves_short_and_special_words_alone(word: str) -> None:
    assert stem(word) == word


@pytest.mark.parametrize(
    ("one", "other"),
    [("pain", "paint"), ("scar", "scary"), ("session", "sensation"), ("week", "weak")],
    ids=["pain-paint", "scar-scary", "session-sensation", "week-weak"],
)
def test_stemmer_keeps_different_words_apart(one: str, other: str) -> None:
    assert stem(one) != stem(other)


def test_stopwords_are_function_words_not_topics() -> None:
    assert {"what", "is", "it", "can", "the", "a", "how"} <= STOPWORDS
    topics = {"melasma", "numbing", "weeks", "pain", "session", "price", "stretch", "book"}
    assert not topics & STOPWORDS


def test_a_decimal_point_does_not_end_a_sentence() -> None:
    assert segments("i have a fever of 39.2 and chills. is that bad?") == [
        "i have a fever of 39.2 and chills",
        "is that bad",
    ]
