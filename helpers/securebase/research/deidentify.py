"""De-identification for research exports: study codes, the key file, date shifts, free text.

The pieces :mod:`securebase.research.export` puts together, each small enough to test alone:

* **Study codes.** :func:`new_study_key` gives every exported client a fresh random code such
  as ``S-7KQ2M9`` (the alphabet of client codes, so it reads aloud the same way) and one random
  date offset. Codes and offsets are new for every export, so two exports cannot be joined by
  code. A code never equals a real client id.
* **The key file** (:func:`write_key_file`) maps study codes back to client ids and offsets. It
  is the only way back from an export to the store, so it is written owner-only (0600), in a
  directory named explicitly, and never inside (or equal to) the export folder.
* **Dates** (:data:`DATE_MODES`). By default (``days``) an export holds no calendar date at all: every
  event is a day number (day 1 = the person's first day), computed from the true dates, so intervals
  are exact; a date answer becomes a day number too. With ``shifted`` each person gets one random
  offset, always into the past, added to every date of theirs. Someone who knows when the export was
  made, and that a person was active then, could otherwise read the offset off that person's last
  date. So the export time is coarsened to the first day of its month (:func:`coarse_time`: the
  manifest, the data package and the files' times all say only that), and the offsets are drawn so
  that no shifted date falls after it: each person's offset is uniform over ``max_days`` values that
  end at ``min(-1, ceiling - their latest date)``, which makes a person's latest shifted date uniform
  over the ``max_days`` days before the ceiling, whatever their true latest date was. ``true`` keeps
  the true dates (on request only).
* **Calendar fields.** A weekday a person chose (``calendar: weekday`` in content) is shifted with
  the person's dates, so it stays true to them; with day numbers it is dropped. A day of the month
  (``calendar: day_of_month``) is dropped unless the dates are true.
* **Rare answers and small groups** (:func:`suppress_rare`), with the same ``k`` as every summary
  (:data:`securebase.privacy.suppression.DEFAULT_K`): an answer from a closed set (a choice, a
  yes/no, a body-map location or state, a score band or a named pattern) that fewer than ``k``
  people gave is written as ``[rare]``; the people of a program that fewer than ``k`` people in the
  export follow are left out, as is a content version fewer than ``k`` people's entries were made in
  (``[rare]``).
* **Free text** (:func:`text_value`): ``none`` drops it, ``redact`` keeps the row with
  ``[redacted]`` and ``length`` keeps only a length class (``<50``, ``50-199``, ``200-999``,
  ``1000+`` characters). Keeping the words themselves is deliberately not an option here.

Nothing in this module reads the store or writes audit rows.
"""

from __future__ import annotations

import csv
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from securebase.core import config
from securebase.core.errors import SecureBaseError
from securebase.content.model import WEEKDAYS

STUDY_PREFIX = "S"
_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # as client codes: no 0/O, 1/I/L, U
MAX_SHIFT_DAYS = 180
TEXT_MODES = ("none", "redact", "length")
DATE_MODES = ("days", "shifted", "true")
REDACTED = "[redacted]"
RARE = "[rare]"
CATEGORICAL = ("choice", "multi_choice", "ranking", "boolean", "body_map")   # entries_long value types
LENGTH_CLASSES = ((50, "<50"), (200, "50-199"), (1000, "200-999"), (None, "1000+"))
KEY_COLUMNS = ("study_id", "client_id", "date_shift_days")


class ExportError(SecureBaseError):
    """An export that cannot be written as asked (for example the key file inside the export)."""


def new_study_code(taken: Iterable[str] = ()) -> str:
    """A random code ``S-XXXXXX`` not in ``taken``."""
    taken = set(taken)
    while True:
        code = f"{STUDY_PREFIX}-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))
        if code not in taken:
            return code


def random_offset(max_days: int = MAX_SHIFT_DAYS, *, latest: int = -1) -> int:
    """A whole number of days, uniform over the ``max_days`` values that end at ``min(-1, latest)``: always
    into the past, and at least ``-latest`` days back (``latest``: days from a person's latest date to the
    ceiling no shifted date may pass)."""
    if max_days < 1:
        raise ValueError("max_days must be at least 1")
    return min(-1, latest) - secrets.randbelow(max_days)


def coarse_time(moment: datetime) -> datetime:
    """What an export says of when it was made: the first moment (UTC) of its month."""
    moment = moment.astimezone(timezone.utc)
    return datetime(moment.year, moment.month, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class StudyKey:
    """Per client: the study code shown in the export and the date offset (0: dates not shifted)."""

    codes: dict[str, str]      # client id -> study code
    offsets: dict[str, int]    # client id -> days added to every date of the client
    pseudonymised: bool        # False with keep_ids: the "study code" is the client id itself

    def code(self, client_id: str) -> str:
        return self.codes[client_id]

    def shift(self, client_id: str, day: date) -> date:
        return day + timedelta(days=self.offsets.get(client_id, 0))

    def shift_weekday(self, client_id: str, weekday: str) -> str:
        """A weekday (``monday`` ...) moved with the client's dates, so that it falls where their days do."""
        return WEEKDAYS[(WEEKDAYS.index(weekday) + self.offsets.get(client_id, 0)) % 7]

    def rows(self) -> list[tuple[str, str, int]]:
        """Key-file rows, ordered by study code (not by client id, whose order could say something)."""
        return sorted(((self.codes[c], c, self.offsets.get(c, 0)) for c in self.codes), key=lambda r: r[0])


def new_study_key(
    client_ids: Iterable[str], *, keep_ids: bool = False, shift_dates: bool = True, max_days: int = MAX_SHIFT_DAYS,
    latest: dict[str, date] | None = None, ceiling: date | None = None,
) -> StudyKey:
    """Fresh codes and offsets for these clients (both random, new for every export). With ``ceiling``, no
    date up to the client's ``latest`` is shifted past it (see the module docstring)."""
    ids = sorted(set(client_ids))
    codes: dict[str, str] = {}
    if keep_ids:
        codes = {c: c for c in ids}
    else:
        taken = set(ids)  # a code must never read as a real client id
        for client_id in ids:
            codes[client_id] = new_study_code(taken)
            taken.add(codes[client_id])
    room = {c: (ceiling - latest[c]).days if ceiling and latest and c in latest else -1 for c in ids}
    offsets = {c: random_offset(max_days, latest=room[c]) if shift_dates else 0 for c in ids}
    return StudyKey(codes, offsets, pseudonymised=not keep_ids)


def new_code(prefix: str, taken: set[str], length: int = 8) -> str:
    """A random code such as ``E-7KQ2M9AB`` for an entry or an administration; added to ``taken``."""
    while True:
        code = f"{prefix}-" + "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if code not in taken:
            taken.add(code)
            return code


def length_class(text: str) -> str:
    n = len(text)
    for bound, label in LENGTH_CLASSES:
        if bound is None or n < bound:
            return label
    raise AssertionError  # pragma: no cover


def text_value(text: str, mode: str) -> str | None:
    """What an export holds for one free-text answer: ``None`` (drop the row), a mark or a class."""
    if mode == "none":
        return None
    if mode == "redact":
        return REDACTED
    if mode == "length":
        return length_class(text)
    raise ValueError(f"unknown free-text mode {mode!r}; use one of {', '.join(TEXT_MODES)}")


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def check_key_dir(key_dir: Path, export_dir: Path) -> None:
    """Refuse a key directory that is the export folder or lies inside it."""
    if _inside(key_dir, export_dir):
        raise ExportError(
            f"The key file must not be written inside the export folder ({export_dir}); "
            "pass a separate key directory that stays with you, not with the data."
        )


def write_key_file(key: StudyKey, key_dir: Path | str, export_dir: Path | str, export_id: str) -> Path:
    """Write ``key-<export id>.csv`` (study_id, client_id, date_shift_days), owner-only, never in the export."""
    key_dir, export_dir = Path(key_dir), Path(export_dir)
    check_key_dir(key_dir, export_dir)
    config.ensure_private_dir(key_dir)
    path = key_dir / f"key-{export_id}.csv"
    try:  # owner-only from the first byte, and never over an existing file
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ExportError(f"{path} already exists; it was not overwritten.") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(KEY_COLUMNS)
            writer.writerows(key.rows())
        os.chmod(path, 0o600)  # in case a umask or ACL widened it
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def read_key_file(path: Path | str) -> dict[str, tuple[str, int]]:
    """Study code -> (client id, date shift in days), for re-identification by the key holder."""
    with open(path, encoding="utf-8", newline="") as fh:
        return {row["study_id"]: (row["client_id"], int(row["date_shift_days"])) for row in csv.DictReader(fh)}


def answer_dates(exercise: Any, data: dict[str, Any]) -> list[date]:
    """The dates a person gave as answers (fields of type ``date``): they count toward their latest date."""
    out = []
    for spec in exercise.fields:
        if spec.type.value == "date" and isinstance(data.get(spec.id), str):
            try:
                out.append(date.fromisoformat(data[spec.id]))
            except ValueError:
                continue
    return out


def suppress_rare(frames: dict[str, Any], k: int) -> dict[str, int]:
    """Suppress rare answers and small groups in the export's frames, in place (see the module docstring).
    Returns what was done, as counts for the manifest."""
    done = {"people_in_small_programs_left_out": 0, "rare_values_suppressed": 0}
    if k <= 1:
        return done
    index, long, assessments = frames["entries"], frames["entries_long"], frames["assessments_long"]
    people = index.groupby("program_id")["study_id"].nunique()
    small = set(people[people < k].index)
    if small:
        gone = set(index.loc[index["program_id"].isin(small), "study_id"])
        done["people_in_small_programs_left_out"] = len(gone)
        for name in ("entries", "entries_long", "assessments_long"):
            frame = frames[name]
            frames[name] = frame[~frame["study_id"].isin(gone)].reset_index(drop=True)
        index, long, assessments = frames["entries"], frames["entries_long"], frames["assessments_long"]

    def rare(frame, columns: list[str], where) -> None:
        sub = frame[where]
        for column in columns:
            holders = sub.groupby(["program_id", "variable", column] if "program_id" in frame else ["variable", column],
                                  dropna=True)["study_id"].transform("nunique")
            hit = holders[holders < k].index
            done["rare_values_suppressed"] += len(hit)
            frame.loc[hit, column] = RARE
            if column == "value" and "value_num" in frame:
                frame.loc[hit, "value_num"] = None

    rare(long, ["key", "value"], long["value_type"].isin(CATEGORICAL))
    rare(assessments, ["category"], assessments["kind"].isin(["subscale", "classification"]))
    for frame in (index, long):
        versions = frame.groupby("content_version")["study_id"].transform("nunique")
        frame.loc[versions < k, "content_version"] = RARE
    return done
