"""pyproject.toml is the single source of dependencies; environment.yml must mirror it."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert conda == wanted


def test_client_data_is_ignored_by_git():
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    for pattern in ("data/", "*.sqlite3", "*.db", "*.parquet", ".venv/"):
        assert pattern in ignored


def test_the_suite_never_uses_the_real_data_folder():
    import os
    import tempfile

    home = os.environ["SECUREBASE_HOME"]
    assert home.startswith(tempfile.gettempdir())
