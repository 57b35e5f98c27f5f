"""Small shared fixtures: a minimal valid knowledge file, the shipped knowledge and the
sentence encoder loaded once per session, and a fresh fake Bot API server per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_bot_api import FakeBotAPI
from telegram_support import KNOWLEDGE, TOKEN

from faq import FAQ
from faq.semantic import Encoder, find_model_zip, load_encoder_from

# The bot matches with the sentence encoder by default. Tests that check replies word for
# word (the adapters, the REPL, the CLI) pin the lexical matcher, for speed and exactness;
# test_fusion.py and the default-matcher tests in test_cli.py cover the encoder itself.
os.environ.setdefault("FAQ_SEMANTIC", "0")


@pytest.fixture(scope="session")
def faq() -> FAQ:
    """The shipped knowledge (an FAQ is immutable, so one load serves every test)."""
    return FAQ.from_file(KNOWLEDGE)


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The sentence encoder, loaded once (``make setup`` installs its model package)."""
    path = find_model_zip()
    if path is None:
        pytest.fail("the sentence model is not installed: run `make setup`")
    return load_encoder_from(path)


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    """A fresh fake Bot API server on 127.0.0.1."""
    with FakeBotAPI(TOKEN) as server:
        yield server


MINIMAL_KNOWLEDGE = """\
clinic:
  name: "Test Clinic"
  phone: "+44 20 7946 0123"
  email: "hello@test-clinic.co.uk"
entries:
  - id: pain
    topic: Treatment
    questions:
      - Does microneedling hurt?
      - is it painful
      - how much pain is there
      - will it hurt
      - is the treatment uncomfortable
    answer: Most clients feel only mild discomfort; we use numbing cream.
  - id: price
    topic: Booking
    questions:
      - How much does it cost?
      - what is the price
      - how expensive is microneedling
      - prices please
      - what do you charge for a session
    answer: Prices are on our website; call {clinic.phone}.
small_talk:
  - id: hello
    questions: [hello, hi, good morning]
    answer: Hello! Ask me about microneedling.
"""


@pytest.fixture
def knowledge_text() -> str:
    """A small, valid knowledge file's text."""
    return MINIMAL_KNOWLEDGE


@pytest.fixture
def knowledge_file(tmp_path: Path, knowledge_text: str) -> Path:
    """A small, valid knowledge file on disk."""
    path = tmp_path / "knowledge.yaml"
    path.write_text(knowledge_text, encoding="utf-8")
    return path
