"""A workshop roster: who takes part, in which group, program and language.

A roster is a CSV file with one row per participant and the columns

``participant_id``  a pseudonymous code (the same rules as client ids: no names or e-mail addresses)
``group``           the workshop group (letters, digits, ``-`` and ``_``; it names a folder)
``program``         a program id from ``content/programs`` (``sie`` or ``asb``)
``language``        a locale from ``content/locales`` (``en``)

Column names are matched without regard to case or surrounding spaces. Any further column is
kept per row as ``extra``: a batch run passes it to the notebook as a parameter of that name.
A further column may never name where data is read or written, or whose it is: ``client_id``,
``store_path``, ``mode``, ``output_dir``, ``database_url``, or any name ending in ``_path``,
``_dir`` or ``_url`` is refused (:func:`reserved_column`), so that a roster cannot point a
hand-out at the clinic's store or at another file.
:func:`load_roster` reads and checks the whole file and raises one :class:`RosterError` that
lists every problem with its line number (missing or duplicated columns, blank cells, duplicate
participants, ids that are not pseudonymous, unknown programs or languages), so a facilitator
can fix the file in one go.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from securebase import content
from securebase.core.errors import SecureBaseError
from securebase.core.ids import validate_client_id
from securebase.core.inputfiles import InputFileError, read_text

REQUIRED = ("participant_id", "group", "program", "language")
RESERVED = ("client_id", "store_path", "mode", "output_dir", "database_url")
_LOCATION = re.compile(r"_(path|dir|url)\Z")
_GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}\Z")
MAX_PROBLEMS_SHOWN = 30
MAX_BYTES = 1 * 2**20     # a roster of the largest workshop is a few hundred KB at most
MAX_ROWS = 5000


class RosterError(SecureBaseError):
    """The roster cannot be used; ``problems`` lists every reason, one line each."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = str(path)
        self.problems = list(problems)
        shown = self.problems[:MAX_PROBLEMS_SHOWN]
        more = len(self.problems) - len(shown)
        super().__init__(
            f"The roster {self.path} has {len(self.problems)} problem(s); fix them and run again:\n  "
            + "\n  ".join(shown) + (f"\n  ... and {more} more" if more > 0 else "")
        )


@dataclass(frozen=True)
class Participant:
    participant_id: str
    group: str
    program: str
    language: str
    line: int                                              # line in the CSV file (the header is line 1)
    extra: dict[str, str] = field(default_factory=dict)    # further columns, by their header


@dataclass(frozen=True)
class Roster:
    path: str
    participants: list[Participant]
    extra_columns: list[str]

    def groups(self) -> list[str]:
        return sorted({p.group for p in self.participants})

    def in_group(self, group: str) -> list[Participant]:
        return [p for p in self.participants if p.group == group]

    def by_id(self) -> dict[str, Participant]:
        return {p.participant_id: p for p in self.participants}


def reserved_column(name: str) -> bool:
    """Whether a further roster column would set whose data or which file a notebook uses."""
    name = name.strip().lower()
    return name in RESERVED or bool(_LOCATION.search(name))


def _languages() -> set[str]:
    return {p.stem for p in (content.content_dir() / "locales").glob("*.yaml")}


def parse_roster(text: str, path: Path | str = "<roster>") -> Roster:
    """Check a roster given as CSV text (see the module docstring)."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise RosterError(path, ["the file is empty; it needs a header line: " + ",".join(REQUIRED)])
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    names = [h.strip().lower() for h in header]
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if not name:
            problems.append(f"line 1: column {i + 1} has no name; name it or remove it")
        elif name in seen:
            problems.append(f"line 1: the column {header[i].strip()!r} appears twice (columns {seen[name] + 1} "
                            f"and {i + 1}); keep one")
        else:
            seen[name] = i
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        problems.append(f"line 1: missing column(s) {', '.join(missing)}; the header must include "
                        f"{', '.join(REQUIRED)} (found: {', '.join(h.strip() for h in header) or 'nothing'})")
        raise RosterError(path, problems)
    for i, name in enumerate(names):
        if name not in REQUIRED and reserved_column(name):
            problems.append(f"line 1: the column {header[i].strip()!r} is not allowed: a roster cannot choose whose data "
                            "or which file a workbook uses (the batch sets those itself); remove the column")
    if problems:
        raise RosterError(path, problems)
    programs = set(content.programs())
    languages = _languages()
    extra_cols = [header[i].strip() for i, n in enumerate(names) if n and n not in REQUIRED and seen.get(n) == i]
    participants: list[Participant] = []
    first_line: dict[str, int] = {}
    for line_no, row in enumerate(reader, start=2):
        if line_no > MAX_ROWS + 1:
            problems.append(f"line {line_no}: a roster holds at most {MAX_ROWS} participants; split it by group")
            break
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(header):
            problems.append(f"line {line_no}: {len(row)} cells but the header has {len(header)}; check for a "
                            "missing or extra comma (quote cells that contain commas)")
            continue
        cell = {n: row[i].strip() for n, i in seen.items()}
        blank = [c for c in REQUIRED if not cell[c]]
        if blank:
            problems.append(f"line {line_no}: blank {', '.join(blank)}")
            continue
        pid, group, program, language = (cell[c] for c in REQUIRED)
        try:
            validate_client_id(pid)
        except SecureBaseError as exc:
            problems.append(f"line {line_no}: participant_id {exc}")
            continue
        if pid in first_line:
            problems.append(f"line {line_no}: participant {pid} is already on line {first_line[pid]}; "
                            "each participant appears once")
            continue
        first_line[pid] = line_no
        if not _GROUP.match(group):
            problems.append(f"line {line_no}: group {group!r} must be 1-40 letters, digits, '-' or '_' "
                            "(it names a folder)")
        if program not in programs:
            problems.append(f"line {line_no}: unknown program {program!r}; use one of {', '.join(sorted(programs))}")
        if language not in languages:
            problems.append(f"line {line_no}: unknown language {language!r}; use one of {', '.join(sorted(languages))}")
        participants.append(Participant(pid, group, program, language, line_no,
                                        {c: row[seen[c.lower()]].strip() for c in extra_cols}))
    if not participants and not problems:
        problems.append("the roster has a header but no participants")
    if problems:
        raise RosterError(path, problems)
    return Roster(str(path), participants, extra_cols)


def load_roster(path: str | Path) -> Roster:
    """Read and check a roster CSV file (UTF-8, a byte-order mark is fine; at most :data:`MAX_BYTES`
    and :data:`MAX_ROWS` participants)."""
    path = Path(path)
    try:
        text = read_text(path, limit=MAX_BYTES, what="the file")
    except InputFileError as exc:
        raise RosterError(path, [str(exc)]) from None
    return parse_roster(text, path)
