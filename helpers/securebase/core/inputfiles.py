"""Reading files that people hand in (answers files, rosters): bounded, UTF-8 checked, YAML without aliases.

Every reader of such a file goes through here, so each gets the same limits and the same plain messages:

* :func:`read_text` refuses a file larger than its limit before reading it (and reads at most one
  byte past the limit, should the file grow meanwhile), and reports bytes that are not UTF-8 with
  their line and column, so the person can find them. A byte-order mark is dropped.
* :func:`load_yaml` parses with PyYAML's safe loader but refuses aliases (``*name``, and so ``<<:``
  merges): an alias lets a few hundred bytes expand into gigabytes ("billion laughs"), and nothing a
  person writes by hand needs one.
* :func:`lone_surrogates` finds text that cannot be stored (a lone UTF-16 surrogate, which JSON's
  ``\\ud800`` escapes and YAML's ``\\ud800`` escapes can both make), by where it is in the data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from securebase.core.errors import SecureBaseError

_SURROGATE = re.compile("[\ud800-\udfff]")


class InputFileError(SecureBaseError):
    """A handed-in file that cannot be read: missing, too large, not UTF-8, or not the expected format."""


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} bytes"


def read_text(path: str | Path, *, limit: int, what: str, hint: str = "") -> str:
    """The file's text. ``what`` names the file in messages ("The answers file x.yaml"); ``hint`` says
    how to fix a missing file."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, 2)
            if size > limit:
                raise InputFileError(f"{what} is {_size(size)}; the largest accepted is {_size(limit)}. "
                                     "Split it into smaller files and import them one after another.")
            fh.seek(0)
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise InputFileError(f"{what} does not exist.{' ' + hint if hint else ''}") from None
    except IsADirectoryError:
        raise InputFileError(f"{what} is a folder, not a file.") from None
    if len(data) > limit:
        raise InputFileError(f"{what} grew past {_size(limit)} while it was read; try again once it is complete.")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputFileError(
            f"{what} is not UTF-8 text: line {line}, column {column} has the byte(s) "
            f"{data[exc.start:exc.end].hex(' ')}, which UTF-8 does not allow. Save the file as UTF-8 "
            "(in a spreadsheet: 'CSV UTF-8'; in an editor: encoding UTF-8) and try again."
        ) from None


class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader, refusing aliases before they are expanded."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"an alias (*{event.anchor}) is not allowed here; write the value out in full",
                event.start_mark)
        return super().compose_node(parent, index)


def load_yaml(text: str, what: str) -> Any:
    """Parse YAML text (aliases refused); errors name the line."""
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except RecursionError:
        raise InputFileError(f"{what} is nested too deeply to be an answers file; write it flat.") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputFileError(f"{what} is not valid YAML{where}: {exc.problem or exc.context}.") from None
    except yaml.YAMLError as exc:
        raise InputFileError(f"{what} is not valid YAML: {exc}.") from None


def lone_surrogates(data: Any, where: str = "") -> Iterator[str]:
    """The places (``entries[3].answers.trigger``) of strings, or keys, holding a lone surrogate."""
    if isinstance(data, str):
        if _SURROGATE.search(data):
            yield where or "(the file)"
    elif isinstance(data, dict):
        for key, value in data.items():
            bad_key = isinstance(key, str) and bool(_SURROGATE.search(key))
            name = "<a key>" if bad_key else str(key)
            if bad_key:
                yield f"{where}.{name}" if where else name
            yield from lone_surrogates(value, f"{where}.{name}" if where else name)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from lone_surrogates(value, f"{where}[{i + 1}]")


def load_document(path: str | Path, *, limit: int, what: str, hint: str = "") -> Any:
    """A JSON (``.json``) or YAML file, read and parsed as above, with no lone surrogate in it."""
    path = Path(path)
    text = read_text(path, limit=limit, what=what, hint=hint)
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except RecursionError:
            raise InputFileError(f"{what} is nested too deeply to be an answers file; write it flat.") from None
        except json.JSONDecodeError as exc:
            raise InputFileError(f"{what} is not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.") from None
    else:
        data = load_yaml(text, what)
    bad = list(lone_surrogates(data))
    if bad:
        raise InputFileError(f"{what} holds text that is not valid Unicode (a lone surrogate, such as \\ud800) at "
                             f"{', '.join(bad[:5])}{' and more' if len(bad) > 5 else ''}; write those characters out "
                             "or remove them.")
    return data
