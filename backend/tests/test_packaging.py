"""Packaging: requirements.txt agrees with pyproject, .env.example documents every setting."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from app.core.config import BACKEND_DIR, Settings

ENV_EXAMPLE = BACKEND_DIR / ".env.example"
VARIABLE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")


def normalise(requirement: str) -> str:
    """Lower-case, no spaces, so that formatting differences do not count."""
    return re.sub(r"\s+", "", requirement).lower()


def requirement_lines(path: Path) -> list[str]:
    """Requirement specifiers in a requirements file (no comments, no -r includes)."""
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("-")]


def pyproject() -> dict[str, object]:
    """The parsed backend/pyproject.toml."""
    with (BACKEND_DIR / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def example_variables() -> list[tuple[str, str]]:
    """(NAME, documented default) for every variable line of .env.example."""
    pairs = []
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = VARIABLE.match(line)
        if match:
            pairs.append((match.group(1), match.group(2).strip()))
    return pairs


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Defaults are compared without the caller's environment."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def test_requirements_txt_and_pyproject_list_the_same_dependencies() -> None:
    project = pyproject()["project"]
    assert isinstance(project, dict)
    declared = sorted(normalise(dep) for dep in project["dependencies"])
    listed = sorted(normalise(dep) for dep in requirement_lines(BACKEND_DIR / "requirements.txt"))
    assert listed == declared


def test_dev_requirements_build_on_the_runtime_ones() -> None:
    dev = (BACKEND_DIR / "requirements-dev.txt").read_text().splitlines()
    assert "-r requirements.txt" in dev
    runtime = {normalise(r) for r in requirement_lines(BACKEND_DIR / "requirements.txt")}
    assert not runtime & {
        normalise(r) for r in requirement_lines(BACKEND_DIR / "requirements-dev.txt")
    }


def test_console_command_points_at_the_typer_app() -> None:
    project = pyproject()["project"]
    assert isinstance(project, dict)
    assert project["scripts"] == {"drillwatch": "app.cli:app"}


def test_env_example_lists_exactly_the_settings() -> None:
    names = [name for name, _ in example_variables()]
    assert len(names) == len(set(names)), "a variable is listed twice"
    assert set(names) == {field.upper() for field in Settings.model_fields}


def test_every_env_example_variable_has_an_explanation() -> None:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if VARIABLE.match(line):
            previous = lines[index - 1]
            assert previous.startswith("#"), f"{line!r} has no comment above it"


def test_env_example_defaults_are_the_real_defaults(tmp_path: Path) -> None:
    uncommented = [f"{name}={value}" for name, value in example_variables()]
    env_file = tmp_path / ".env"
    env_file.write_text("\n".join(uncommented) + "\n", encoding="utf-8")
    documented = Settings(_env_file=env_file).model_dump()
    assert documented == Settings(_env_file=None).model_dump()
