"""Personal details are masked before storage; ordinary client text stays as typed."""

from __future__ import annotations

import pytest

from faq.redact import redact

MASKED = [
    # (message, the detail that must be gone, placeholder expected)
    ("hi im Sarah Jones, does it hurt?", "Sarah", "[name]"),
    ("my name is tom, how much is it", "tom", "[name]"),
    ("This is Priya Patel from yesterday", "Priya", "[name]"),
    ("dob 12/03/1990, can I still have it?", "12/03/1990", "[date]"),
    ("I was born on 3 March 1985", "1985", "[date]"),
    ("can I come on 2026-05-14?", "2026-05-14", "[date]"),
    ("I live at 12 High Street, near the station", "High Street", "[address]"),
    ("my postcode is SW1A 1AA", "SW1A 1AA", "[postcode]"),
    ("NHS number 943 476 5919", "943 476 5919", "[nhs number]"),
    ("card 4111 1111 1111 1111 exp 09/27", "4111 1111", "[card]"),
    ("IBAN GB82 WEST 1234 5698 7654 32", "WEST 1234", "[iban]"),
    ("email me at sarah.j@example.co.uk", "example", "[email]"),
    ("call me on +44 7700 900123", "900123", "[number]"),
]

KEPT = [
    "I'm 35, is it too late?",
    "I'm pregnant, can I have microneedling?",
    "I'm worried about scarring",
    "im thinking about booking",
    "this is my first time",
    "how long does it take, 3-6 weeks?",
    "do I need 2 sessions or 3?",
    "is it safe on 1 in 10 skin types",
    "I am on Roaccutane",
    "results after 4 to 6 weeks",
    "how much for 3 sessions at 150 each",
]


@pytest.mark.parametrize(("message", "secret", "placeholder"), MASKED)
def test_personal_details_are_masked(message: str, secret: str, placeholder: str) -> None:
    masked = redact(message)
    assert secret not in masked
    assert placeholder in masked


@pytest.mark.parametrize("message", KEPT)
def test_ordinary_client_text_is_kept(message: str) -> None:
    assert redact(message) == message


def test_the_question_around_a_masked_name_is_kept() -> None:
    assert redact("hi im Sarah, does it hurt?") == "hi im [name], does it hurt?"
