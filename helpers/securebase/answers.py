"""Answers files: the batch-mode input of a workbook.

An answers file is YAML or JSON::

    entries:
      - exercise: insecurity_pattern_journal
        occurred_at: "2026-03-09 18:30"     # optional; blank means now
        answers:
          trigger: No reply to my message for two hours
          intensity: 7
          ...

Importing validates each entry on its own: valid entries are saved, invalid ones are
reported with every problem, and an entry that was already imported is not saved twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .content import Phase, Program
from .entries import save_entry, source_key_for
from .errors import EntryValidationError, SecureBaseError
from .store import DuplicateEntryError, Store


class AnswersFileError(SecureBaseError):
    """The answers file cannot be read or does not have the expected shape."""


@dataclass(frozen=True)
class AnswerItem:
    index: int                 # 1-based position in the file, for messages
    exercise_id: str
    occurred_at: Any
    answers: dict[str, Any]


@dataclass
class ImportReport:
    saved: list[str] = field(default_factory=list)          # entry ids
    already_saved: list[str] = field(default_factory=list)  # entry ids saved by an earlier import
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def merge(self, other: "ImportReport") -> None:
        self.saved += other.saved
        self.already_saved += other.already_saved
        self.rejected += other.rejected

    def as_dict(self) -> dict[str, Any]:
        return {
            "saved": len(self.saved),
            "already_saved": len(self.already_saved),
            "rejected": self.rejected,
        }


def read_answers_file(path: str | Path) -> list[AnswerItem]:
    path = Path(path)
    if not path.is_file():
        raise AnswersFileError(f"The answers file {path} does not exist. Check the answers_path parameter.")
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise AnswersFileError(f"The answers file {path} is not valid {path.suffix.lstrip('.').upper() or 'YAML'}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise AnswersFileError(
            f"The answers file {path} must have a top-level 'entries:' list, each item with 'exercise' and 'answers'."
        )
    items = []
    for index, raw in enumerate(data["entries"], start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("exercise"), str):
            raise AnswersFileError(f"Entry {index} in {path} needs an 'exercise:' id and an 'answers:' mapping.")
        unknown = set(raw) - {"exercise", "occurred_at", "answers"}
        if unknown:
            raise AnswersFileError(
                f"Entry {index} in {path} has unknown keys {sorted(unknown)}; allowed are exercise, occurred_at, answers."
            )
        answers = raw.get("answers") or {}
        if not isinstance(answers, dict):
            raise AnswersFileError(f"Entry {index} in {path}: 'answers' must be a mapping of question id to answer.")
        items.append(AnswerItem(index, raw["exercise"], raw.get("occurred_at"), answers))
    return items


def import_answers(
    store: Store,
    client_id: str,
    program: Program,
    items: list[AnswerItem],
    *,
    phase: Phase | None = None,
) -> ImportReport:
    """Save each valid item; report the others. Items for exercises outside ``phase`` are rejected."""
    report = ImportReport()
    allowed = {e.id for e in phase.exercises} if phase else {e.id for p in program.phases for e in p.exercises}
    for item in items:
        if item.exercise_id not in allowed:
            report.rejected.append({
                "index": item.index,
                "exercise_id": item.exercise_id,
                "problems": {"exercise": f"{item.exercise_id!r} is not an exercise of this step; "
                             f"use one of: {', '.join(sorted(allowed))}"},
            })
            continue
        key = source_key_for(item.exercise_id, item.occurred_at, item.answers)
        try:
            ref = save_entry(
                store, client_id, program, item.exercise_id, item.answers,
                occurred_at=item.occurred_at, source_key=key,
            )
        except EntryValidationError as exc:
            report.rejected.append({"index": item.index, "exercise_id": item.exercise_id, "problems": exc.problems})
        except DuplicateEntryError as exc:
            report.already_saved.append(exc.entry_id)
        else:
            report.saved.append(ref.entry_id)
    return report
