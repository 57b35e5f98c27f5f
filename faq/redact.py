"""Masking of personal details in client messages before anything is stored.

Staff learn from *what* clients asked, never *who* asked, so contact and identity
details are replaced by a placeholder: e-mail addresses, @usernames, phone numbers,
names the client introduces ("I'm Sarah Jones", "my name is ..."), dates of birth and
other dates, street addresses, UK postcodes, NHS numbers, card numbers and IBANs.

The patterns are chosen to leave ordinary client text alone: "I'm 35", "I'm pregnant",
"3-6 weeks" and "2 sessions" stay as typed.
"""

from __future__ import annotations

import re

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_STREET_TYPES = (
    r"(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|way|place|pl|court|ct"
    r"|crescent|terrace|gardens|grove|square|sq|hill|mews|row|parade|walk)"
)
# Words that follow "I'm / this is" in ordinary questions and are not names.
_NOT_NAMES = frozenset(
    """a an the so very really just not also still quite too pregnant worried scared
    afraid nervous anxious interested thinking wondering looking asking trying going
    considering planning hoping new back here there fine ok okay good sure unsure
    breastfeeding nursing diabetic allergic sensitive male female over under about
    from in on at with after before having getting doing taking using sorry happy
    glad keen concerned curious confused booked booking due age aged it this that
    for to of my your""".split()
)
_NAME = r"[A-Za-zÀ-ÖØ-öø-ÿ'’-]+"

_NAME_INTRO = re.compile(
    rf"\b(?P<intro>(?:i\s*['’]?\s*a?m|im|my\s+name\s+is|my\s+name['’]s|this\s+is|name\s*:)\s+)"
    rf"(?P<name>{_NAME}(?:\s+{_NAME})?)",
    re.IGNORECASE,
)

_GREETING = re.compile(r"(?i)\b(?:hi|hello|hey|hiya|morning|evening)[\s,!.]*$")

_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"(?<!\w)@\w{3,}"), "[username]"),
    # IBAN: two letters, two check digits, 11-30 more letters/digits (spaces allowed).
    (re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b"), "[iban]"),
    # Card numbers: 13-19 digits, optionally grouped by spaces or dashes.
    (re.compile(r"(?<!\d)\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,7}(?!\d)"), "[card]"),
    # NHS number: 10 digits written 3-3-4 (or run together).
    (re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)"), "[nhs number]"),
    (re.compile(r"\+?\(?\d(?:[\s().-]{0,2}\d){8,}"), "[number]"),
    # UK postcodes: "SW1A 1AA", "M1 1AE", "b33 8th".
    (
        re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE),
        "[postcode]",
    ),
    # Street addresses: a house number and a street name ending in a street type.
    (
        re.compile(
            rf"\b\d{{1,4}}[a-z]?,?\s+(?:[A-Za-z'-]+\s+){{1,3}}{_STREET_TYPES}\b\.?",
            re.IGNORECASE,
        ),
        "[address]",
    ),
    # Dates: 12/03/1990, 12-03-90, 1990-03-12, 12.03.1990 (day and month both present,
    # so "3-6 weeks" is left alone), and "12 March 1990" / "March 12th".
    (
        re.compile(
            r"(?<![\d/.-])(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{1,2}-\d{1,2})(?![\d/.-])"
        ),
        "[date]",
    ),
    (
        re.compile(
            rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTHS}\b(?:,?\s+\d{{4}})?"
            rf"|\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?",
            re.IGNORECASE,
        ),
        "[date]",
    ),
    (re.compile(r"\b(?:dob|d\.o\.b\.?|born(?:\s+on)?)\s*:?\s*\d{4}\b", re.IGNORECASE), "[date]"),
)


def _mask_name(match: re.Match[str]) -> str:
    words = match.group("name").split()
    first = words[0].casefold().strip("'’-")
    if first in _NOT_NAMES or not words[0][0].isalpha():
        return match.group(0)
    # A second word is part of the name only if it looks like one (capitalised, not a
    # common word): "I'm Sarah and ..." masks Sarah alone.
    keep = ""
    if len(words) == 2 and (not words[1][0].isupper() or words[1].casefold() in _NOT_NAMES):
        keep = match.group("name")[len(words[0]) :]
    introduced = not match.group("intro").casefold().startswith(("i", "this"))
    greeted = _GREETING.search(match.string[: match.start()]) is not None
    # Lower case after "I'm" is usually a state ("I'm curious"); it is a name only when
    # introduced as one ("my name is sarah") or after a greeting ("hi im sarah").
    if not words[0][0].isupper() and not (introduced or greeted):
        return match.group(0)
    return f"{match.group('intro')}[name]{keep}"


def redact(text: str) -> str:
    """``text`` with personal details masked (see the module docstring for the list)."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return _NAME_INTRO.sub(_mask_name, text)
