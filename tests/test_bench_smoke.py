"""Smoke tests: every benchmark in bench/ runs end to end on a tiny slice, so none can rot.

They check that the scripts run and print their tables, never how fast anything is.
The CLINC150 scripts run on a tiny synthetic file in CLINC150's format; the real data
is used too (a small slice) when ``../shared/benchmarks/clinc150`` is present.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
REAL_CLINC = BENCH.parent.parent / "shared" / "benchmarks" / "clinc150" / "data_full.json"

TRAIN = {
    "book_flight": [
        "book a flight to paris",
        "i need a plane ticket to rome",
        "get me a flight to berlin tomorrow",
        "reserve a seat on a flight to oslo",
        "find flights from london to madrid",
        "i want to fly to lisbon next week",
        "book me on the morning flight",
        "can you buy me a plane ticket",
        "flight to new york please",
        "i'd like to book air travel to tokyo",
        "schedule a flight to dublin",
        "get a one way ticket to vienna",
    ],
    "weather": [
        "what is the weather like today",
        "will it rain tomorrow",
        "how hot is it outside",
        "is it going to snow this weekend",
        "what's the forecast for paris",
        "do i need an umbrella today",
        "how cold will it be tonight",
        "tell me the weather in rome",
        "is it sunny in madrid",
        "weather report please",
        "what temperature is it now",
        "will there be a storm later",
    ],
}
VAL = [["what's the weather tomorrow", "weather"], ["book a flight to oslo", "book_flight"]]
TEST = [["is it raining in berlin", "weather"], ["buy a plane ticket to rome", "book_flight"]]
OOS = [["what is my bank balance", "oos"], ["play some jazz", "oos"]]


def load_bench(name: str) -> ModuleType:
    """Import ``bench/<name>.py`` as a module (bench/ is a folder of scripts)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def tiny_clinc(tmp_path: Path) -> Path:
    """data_full.json and data_small.json in CLINC150's format, three dozen utterances."""
    train = [[text, intent] for intent, texts in TRAIN.items() for text in texts]
    data = {
        "train": train,
        "val": VAL,
        "test": TEST,
        "oos_train": OOS,
        "oos_val": OOS,
        "oos_test": OOS,
    }
    (tmp_path / "data_full.json").write_text(json.dumps(data), encoding="utf-8")
    small = dict(data, train=[item for item in train if item[0][0] < "n"])
    (tmp_path / "data_small.json").write_text(json.dumps(small), encoding="utf-8")
    return tmp_path / "data_full.json"


def test_accuracy_prints_both_systems_on_both_sets(capsys: pytest.CaptureFixture[str]) -> None:
    assert load_bench("accuracy").main(["--failures", "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert "| dev: questions.yaml | faq bot |" in out
    assert "| **dev, all** | faq bot |" in out
    assert "| held-out: holdout7_questions.yaml | extractOne WRatio" in out
    assert "| **held-out, not in any dev set** | faq bot |" in out


def test_clinc150_without_data_says_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert load_bench("clinc150").main(["--data", str(tmp_path / "absent.json")]) == 0
    out = capsys.readouterr().out
    assert "not found" in out
    assert "skipped" in out


def test_clinc150_runs_every_variant_and_baseline(
    tiny_clinc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--data", str(tiny_clinc), "--baseline-sample", "1", "--examples", "1"]
    assert load_bench("clinc150").main(argv) == 0
    out = capsys.readouterr().out
    for row in ("| full | faq.Matcher |", "| small | extractOne WRatio |", "| per10 |"):
        assert row in out
    assert "token_sort_ratio" in out
    assert "Most confused intent pairs" in out


@pytest.mark.skipif(not REAL_CLINC.is_file(), reason=f"CLINC150 data absent at {REAL_CLINC}")
def test_clinc150_real_data_slice(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--variants", "per10", "--limit", "5", "--baseline-sample", "3", "--top", "2"]
    assert load_bench("clinc150").main(argv) == 0
    assert "| per10 | faq.Matcher | 1,500 |" in capsys.readouterr().out


def test_speed_prints_every_table(tiny_clinc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--data", str(tiny_clinc), "--queries", "4", "--baseline-queries", "2"]
    argv += ["--repeat", "1", "--scales", "10,30,100"]
    assert load_bench("speed").main(argv) == 0
    out = capsys.readouterr().out
    assert "| knowledge.yaml |" in out
    assert "| CLINC150 |" in out
    assert "Scaling" in out
    assert "peak RSS" in out


@pytest.mark.skipif(
    not (BENCH.parent / "adapters" / "telegram" / "app.py").is_file()
    or not (BENCH.parent / "tests" / "fake_bot_api.py").is_file(),
    reason="the Telegram adapter or the fake Bot API is absent",
)
def test_e2e_runs_the_bot_against_the_fake_api(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--sequential", "2", "--burst", "4", "--modes", "unlimited"]
    assert load_bench("e2e").main(argv) == 0
    assert "| rate limiter off |" in capsys.readouterr().out


def test_aftercare_prints_recall_and_false_alarms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = tmp_path / "aftercare.yaml"
    questions.write_text(
        "- {q: 'my face is still red 4 days later', expect: problem}\n"
        "- {q: 'i cant breathe and my lips are swelling', expect: urgent}\n"
        "- {q: 'is some redness normal?', expect: ordinary}\n"
        "- {q: 'does redness go away quickly', expect: ordinary}\n",
        encoding="utf-8",
    )
    assert load_bench("aftercare").main(["--questions", str(questions), "--failures"]) == 0
    out = capsys.readouterr().out
    assert "1 problem, 1 urgent, 2 ordinary" in out
    assert "assess       100.0%   100.0%       0.0%     0.0%      0.0%" in out
    assert "keywords     100.0%   100.0%       0.0%   100.0%      0.0%" in out
    assert "before         0.0%     0.0%       0.0%     0.0%    100.0%" in out
