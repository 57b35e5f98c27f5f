"""bench/conversations.py runs end to end, and context beats no context on the
developer-written conversations in tests/data (the blind figures live in bench/)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
SET = ROOT / "tests" / "data" / "conversations.yaml"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_conversations", ROOT / "bench" / "conversations.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def figures(output: str, row: str) -> list[float]:
    line = next(line for line in output.splitlines() if line.startswith(row))
    return [float(value) for value in re.findall(r"(\d+\.\d)%", line)]


def test_context_beats_no_context_on_follow_ups(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main(["--conversations", str(SET), "--failures", "--repeat", "1"]) == 0
    output = capsys.readouterr().out
    before, alone, context = figures(output, "follow-up turns right")
    assert context > alone
    assert context > before
    _before, other_alone, other_context = figures(output, "other turns right")
    assert other_context >= other_alone  # context never spoils a message that stands alone
    assert "ms per turn" in output


def test_a_missing_set_is_skipped_with_a_message(
    bench: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main(["--conversations", str(tmp_path / "none.yaml")]) == 0
    assert "nothing measured" in capsys.readouterr().out


def test_a_turn_without_expect_is_named(bench: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("- id: c1\n  turns:\n    - q: hello\n", encoding="utf-8")
    with pytest.raises(ValueError, match="conversation c1, turn 1 has no 'expect:'"):
        bench.load_conversations(path)
