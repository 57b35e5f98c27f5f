"""Entries added the way a receptionist adds them: one answer and five questions each.

Appends the entries of ``--entries`` to a copy of the knowledge (loaded the same way the
bot loads staff's file) and asks them with messages from a writer who never saw those
questions (``--messages``: ``{q, expect, kind}``, ``expect`` an entry id or null).
Lexical matcher vs lexical + encoder, same knowledge, same run:

* right: answered with the right entry; first: the right entry ranked first;
* kept: out-of-scope messages kept from facts;
* conf. wrong: answered confidently with another entry (for new entries, usually an
  older entry that shares a word: "do you treat guys" -> age limit).

Usage::

    .venv/bin/python bench/staff_entries.py --entries E.yaml --messages M.yaml

Without arguments it runs the retired set G in ``bench/data/dev`` (a dev set now); a new
blind set is passed by path. A missing file is skipped with a message (exit 0).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from faq.config import load_core_config  # noqa: E402
from faq.engine import FAQ  # noqa: E402
from faq.fusion import EmbeddingCache  # noqa: E402
from faq.replies import ReplyKind  # noqa: E402
from faq.semantic import load_encoder  # noqa: E402


def with_entries(knowledge: Path, entries: Path, folder: Path) -> Path:
    """A copy of ``knowledge`` with the staff entries appended to its ``entries:``."""
    data = yaml.safe_load(knowledge.read_text(encoding="utf-8"))
    added = yaml.safe_load(entries.read_text(encoding="utf-8"))
    data["entries"] = [*data["entries"], *added]
    path = folder / "knowledge.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def measure(faq: FAQ, messages: list[dict[str, object]], new_ids: set[str]) -> dict[str, str]:
    """Figures per group: new entries, look-alikes of older entries, out of scope."""
    groups: dict[str, list[tuple[bool, bool, bool]]] = {"new": [], "older": [], "none": []}
    for message in messages:
        expect = message.get("expect")
        reply = faq.reply(str(message["q"]))
        top = reply.candidates[0].entry_id if reply.candidates else None
        answered = reply.kind is ReplyKind.ANSWER
        group = "none" if expect is None else "new" if expect in new_ids else "older"
        if expect is None:
            groups[group].append((not answered, False, answered))
        else:
            right = answered and reply.entry_id == expect
            groups[group].append((right, top == expect, answered and not right))
    figures = {}
    for group, rows in groups.items():
        if not rows:
            continue
        n = len(rows)
        right, first, wrong = (sum(r[i] for r in rows) for i in range(3))
        label = "kept" if group == "none" else "right"
        text = f"{label} {100 * right / n:5.1f}%"
        if group != "none":
            text += f"  first {100 * first / n:5.1f}%"
        figures[group] = f"{text}  conf. wrong {wrong:3d}/{n}"
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--knowledge", type=Path, default=REPO / "knowledge.yaml")
    dev = REPO / "bench" / "data" / "dev"
    parser.add_argument("--entries", type=Path, default=dev / "staff_g_entries.yaml")
    parser.add_argument("--messages", type=Path, default=dev / "staff_g_messages.yaml")
    args = parser.parse_args()
    for path in (args.entries, args.messages):
        if not path.is_file():
            print(f"skipped: {path} is not here")
            return 0
    encoder, reason = load_encoder()
    messages = yaml.safe_load(args.messages.read_text(encoding="utf-8"))
    new_ids = {e["id"] for e in yaml.safe_load(args.entries.read_text(encoding="utf-8"))}
    with tempfile.TemporaryDirectory() as folder:
        path = with_entries(args.knowledge, args.entries, Path(folder))
        faqs = {"lexical": FAQ.from_file(path)}
        if encoder is None:
            print(f"encoder unavailable ({reason}): lexical only")
        else:
            cache = EmbeddingCache(encoder, load_core_config().cache_folder(args.knowledge))
            faqs["fused"] = FAQ.from_file(path, cache=cache)
        print(f"{len(new_ids)} entries added, {len(messages)} messages")
        for name, faq in faqs.items():
            for group, text in measure(faq, messages, new_ids).items():
                print(f"{name:8} {group:6} {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
