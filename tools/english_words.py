"""Regenerate ``faq/data/english_words.txt``: common English words, for the typo fixer.

The typo fixer must not "correct" a real word into a word of the knowledge ("daughter"
-> "laughter", "car" -> "care", "walking" -> "talking"). This list says which words are
real. It is made once from the word frequencies of the ``wordfreq`` project
(https://github.com/rspeer/wordfreq; its data is CC BY-SA 4.0) and committed, so the bot
does not need ``wordfreq`` and its dependencies at run time.

    python -m pip install wordfreq
    python tools/english_words.py
"""

from __future__ import annotations

import re
from pathlib import Path

import wordfreq

MIN_ZIPF = 3.0  # about once per million words: "threaded" and "fiance" are in, "aftr" is not
OUTPUT = Path(__file__).resolve().parent.parent / "faq" / "data" / "english_words.txt"
HEADER = f"""\
# Common English words (Zipf frequency >= {MIN_ZIPF}), one per line, most frequent first.
# Made by tools/english_words.py from wordfreq (https://github.com/rspeer/wordfreq),
# whose data is licensed CC BY-SA 4.0. Used only to keep the typo fixer off real words.
"""


def main() -> None:
    words = [
        word
        for word in wordfreq.top_n_list("en", 200_000)
        if re.fullmatch(r"[a-z]+", word) and wordfreq.zipf_frequency(word, "en") >= MIN_ZIPF
    ]
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(HEADER + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words -> {OUTPUT}")


if __name__ == "__main__":
    main()
