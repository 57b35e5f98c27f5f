"""faq.config and adapters.telegram.config: every variable read in one place, checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters.telegram.config import TELEGRAM_VARIABLES, load_config, token_given
from faq.config import VARIABLES, ConfigError, CoreConfig, load_core_config

ROOT = Path(__file__).resolve().parent.parent
CODE = [ROOT / "bot.py", *sorted((ROOT / "faq").glob("*.py")), *(ROOT / "adapters").rglob("*.py")]


def test_defaults() -> None:
    settings = load_core_config({})
    assert settings == CoreConfig()
    assert settings.reload_seconds == 2.0
    assert settings.retention_days == 90
    assert settings.record is True
    assert settings.log_text is False
    assert settings.log_level == "INFO"


def test_values_are_read(tmp_path: Path) -> None:
    settings = load_core_config(
        {
            "FAQ_KNOWLEDGE": "clinic.yaml",
            "FAQ_DATA_DIR": str(tmp_path / "d"),
            "FAQ_RETENTION_DAYS": "30",
            "FAQ_HASH_SALT": "pepper",
            "FAQ_RELOAD_SECONDS": "0.01",
            "FAQ_RECORD": "off",
            "FAQ_LOG_TEXT": "yes",
            "LOG_LEVEL": "debug",
        }
    )
    assert settings.knowledge == Path("clinic.yaml")
    assert settings.data_dir == tmp_path.resolve() / "d"
    assert settings.retention_days == 30
    assert settings.hash_salt == "pepper"
    assert "pepper" not in repr(settings)
    assert settings.reload_seconds == 0.1  # never below the floor
    assert (settings.record, settings.log_text, settings.log_level) == (False, True, "DEBUG")


def test_data_folder_order(tmp_path: Path) -> None:
    knowledge = tmp_path / "clinic" / "knowledge.yaml"
    assert load_core_config({}).data_folder(knowledge) == tmp_path.resolve() / "clinic" / "data"
    state = {"STATE_DIRECTORY": f"{tmp_path}/state:{tmp_path}/other"}
    assert load_core_config(state).data_folder(knowledge) == tmp_path.resolve() / "state"
    both = {**state, "FAQ_DATA_DIR": str(tmp_path / "mine")}
    assert load_core_config(both).data_folder(knowledge) == tmp_path.resolve() / "mine"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"FAQ_RELOAD_SECONDS": "soon"}, "FAQ_RELOAD_SECONDS"),
        ({"FAQ_RELOAD_SECONDS": "nan"}, "FAQ_RELOAD_SECONDS"),
        ({"FAQ_RETENTION_DAYS": "ninety"}, "FAQ_RETENTION_DAYS"),
        ({"FAQ_RETENTION_DAYS": "0"}, "FAQ_RETENTION_DAYS"),
        ({"FAQ_RECORD": "maybe"}, "FAQ_RECORD"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
    ],
    ids=["reload-word", "reload-nan", "retention-word", "retention-zero", "record", "log-level"],
)
def test_bad_values_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_core_config(env)


def test_telegram_config_carries_the_core_settings() -> None:
    config = load_config({"TELEGRAM_BOT_TOKEN": "1:abc", "FAQ_RELOAD_SECONDS": "5"})
    assert config.reload_seconds == 5.0
    with pytest.raises(ConfigError, match="FAQ_LOG_TEXT"):
        load_config({"TELEGRAM_BOT_TOKEN": "1:abc", "FAQ_LOG_TEXT": "perhaps"})
    assert token_given({"TELEGRAM_BOT_TOKEN": " 1:abc "})
    assert not token_given({"TELEGRAM_BOT_TOKEN": "  "})


def test_each_variable_is_documented_once() -> None:
    names = [v.name for v in (*VARIABLES, *TELEGRAM_VARIABLES)]
    assert len(names) == len(set(names))
    assert all(v.meaning and v.default for v in (*VARIABLES, *TELEGRAM_VARIABLES))


def test_only_the_config_modules_read_the_environment() -> None:
    readers = {
        path.relative_to(ROOT).as_posix()
        for path in CODE
        if re.search(r"os\.environ\b(?!\.setdefault)|os\.getenv|environ\.get", path.read_text())
    }
    assert readers == {"faq/config.py", "adapters/telegram/config.py"}


def test_every_variable_the_code_names_is_documented() -> None:
    documented = {v.name for v in (*VARIABLES, *TELEGRAM_VARIABLES)}
    named = set()
    for path in CODE:
        named |= set(re.findall(r"env(?:\.get\(|\[)\"([A-Z][A-Z0-9_]+)\"", path.read_text()))
    assert named
    assert named <= documented, named - documented


def test_readme_table_lists_exactly_the_documented_variables() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("### Environment variables", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", table, re.MULTILINE)
    assert listed == [v.name for v in (*TELEGRAM_VARIABLES, *VARIABLES)]
