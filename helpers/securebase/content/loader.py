"""Loading ``content/``: YAML read and validated, with every problem reported as the file, the
place inside it and what is wrong (:class:`~securebase.core.errors.ContentError`), so that a
content author can fix it without reading Python. Other content kinds (scales, safety, workshops)
use the same :func:`read_yaml` and :func:`validate`."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from securebase.core.errors import ContentError
from securebase.content.model import Exercise, Locale, Program

def content_dir() -> Path:
    """The ``content/`` directory: ``SECUREBASE_CONTENT`` if set, else the one beside the package."""
    override = os.environ.get("SECUREBASE_CONTENT")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3] / "content"


def format_location(loc: tuple[Any, ...], data: Any) -> str:
    """Turn a pydantic error location into ``phases[0] (awareness).exercises[1] (signal_scan).max``."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and item < len(node):
                node = node[item]
                if isinstance(node, dict) and isinstance(node.get("id"), str):
                    label += f" ({node['id']})"
            else:
                node = None
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


# libyaml's safe loader when PyYAML has it: the same data, about ten times sooner (the content's YAML
# was most of the time an app page took to run its notebook).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(unknown position)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(path, where, f"not valid YAML: {problem}") from None
    except OSError as exc:
        raise ContentError(path, "(file)", f"cannot be read: {exc.strerror}") from None


def validate(model: type[BaseModel], path: Path, data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            (format_location(err["loc"], data), err["msg"].removeprefix("Value error, "))
            for err in exc.errors(include_url=False)
        ]
        raise ContentError(path, problems[0][0], problems[0][1], more=problems[1:]) from None


def load_program_file(path: Path) -> Program:
    return validate(Program, path, read_yaml(path))


def load_locale_file(path: Path) -> Locale:
    return validate(Locale, path, read_yaml(path))


@functools.cache
def _load_programs(root: Path) -> dict[str, Program]:
    programs: dict[str, Program] = {}
    for path in sorted((root / "programs").glob("*.yaml")):
        program = load_program_file(path)
        if program.id in programs:
            raise ContentError(path, "id", f"program id {program.id!r} is already used by another file")
        programs[program.id] = program
    if not programs:
        raise ContentError(root / "programs", "(directory)", "holds no program files (*.yaml)")
    return programs


def programs() -> dict[str, Program]:
    """All programs in ``content/programs``, validated, keyed by id."""
    return _load_programs(content_dir())


def program(program_id: str) -> Program:
    found = programs()
    if program_id not in found:
        raise KeyError(f"unknown program {program_id!r}; known programs: {', '.join(sorted(found))}")
    return found[program_id]


def exercises_with(behaviour: str) -> list[Exercise]:
    """The exercises of every program that declare ``behaviour``, program by program."""
    return [e for p in programs().values() for e in p.exercises_with(behaviour)]


def load_language_file(folder: Path, language: str, loader: Callable[[Path], Any], missing: str) -> Any:
    """``<folder>/<language>.yaml`` read by ``loader``. A missing file (``missing`` says what is
    missing) or a file whose ``language`` differs from its name is a :class:`ContentError`."""
    path = folder / f"{language}.yaml"
    if not path.exists():
        available = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
        raise ContentError(path, "(file)", f"no {missing}; available: {', '.join(available) or 'none'}")
    loaded = loader(path)
    if loaded.language != language:
        raise ContentError(path, "language", f"says {loaded.language!r} but the file is named {language!r}")
    return loaded


@functools.cache
def _load_locale(root: Path, language: str) -> Locale:
    return load_language_file(root / "locales", language, load_locale_file, "such locale")


def locale(language: str = "en") -> Locale:
    return _load_locale(content_dir(), language)


def clear_cache() -> None:
    """Forget loaded content (for tests and for authors editing content in a live kernel)."""
    _load_programs.cache_clear()
    _load_locale.cache_clear()
