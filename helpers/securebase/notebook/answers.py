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

Couples (programs with a shared protocol) have two more kinds of item::

      - exercise: activation_journal
        share: true                          # after saving, show this entry to my partner
        answers: {...}
      - exercise: security_protocol          # answers: a new version of our protocol, with my consent
        answers: {...}
      - exercise: security_protocol
        action: consent                      # or: withdraw
        version: latest                      # or a version number
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from securebase.content import Phase, Program
from securebase.journal.entries import save_entry, source_key_for
from securebase.core.errors import EntryValidationError, SecureBaseError
from securebase.core.inputfiles import InputFileError, load_document
from securebase.couples.protocol import PROTOCOL
from securebase.store import DuplicateEntryError, Store, protocol_screen_id


class AnswersFileError(SecureBaseError):
    """The answers file cannot be read or does not have the expected shape."""


ACTIONS = ("save", "consent", "withdraw")
MAX_BYTES = 2 * 2**20      # an answers file: 2 MB is many months of a person's own entries
MAX_ITEMS = 2000
ITEM_KEYS = ("exercise", "occurred_at", "answers", "share", "action", "version")


@dataclass(frozen=True)
class AnswerItem:
    index: int                 # 1-based position in the file, for messages
    exercise_id: str
    occurred_at: Any
    answers: dict[str, Any]
    share: bool = False        # share the saved entry with the partner (couples)
    action: str = "save"       # "consent" / "withdraw": a decision on a protocol version
    version: int | str | None = None


@dataclass
class ImportReport:
    saved: list[str] = field(default_factory=list)          # entry ids
    already_saved: list[str] = field(default_factory=list)  # entry ids saved by an earlier import
    rejected: list[dict[str, Any]] = field(default_factory=list)
    screened: list[str] = field(default_factory=list)       # the ids saved flags and check-ins are under

    def merge(self, other: "ImportReport") -> None:
        self.saved += other.saved
        self.already_saved += other.already_saved
        self.rejected += other.rejected
        self.screened += other.screened

    def as_dict(self) -> dict[str, Any]:
        return {
            "saved": len(self.saved),
            "already_saved": len(self.already_saved),
            "rejected": self.rejected,
        }


def read_answers_file(path: str | Path) -> list[AnswerItem]:
    """Read and check an answers file (at most :data:`MAX_BYTES`, :data:`MAX_ITEMS` items, no YAML aliases,
    UTF-8); raises one :class:`AnswersFileError` that says what is wrong and where."""
    path = Path(path)
    what = f"The answers file {path}"
    try:
        data = load_document(path, limit=MAX_BYTES, what=what, hint="Check the answers_path parameter.")
    except InputFileError as exc:
        raise AnswersFileError(str(exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise AnswersFileError(
            f"{what} must have a top-level 'entries:' list, each item with 'exercise' and 'answers'."
        )
    if len(data["entries"]) > MAX_ITEMS:
        raise AnswersFileError(f"{what} has {len(data['entries'])} entries; at most {MAX_ITEMS} are imported from one "
                               "file. Split it into smaller files and import them one after another.")
    items = []
    for index, raw in enumerate(data["entries"], start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("exercise"), str):
            raise AnswersFileError(f"Entry {index} in {path} needs an 'exercise:' id and an 'answers:' mapping.")
        unknown = set(raw) - set(ITEM_KEYS)
        if unknown:
            raise AnswersFileError(
                f"Entry {index} in {path} has unknown keys {sorted(unknown)}; allowed are {', '.join(ITEM_KEYS)}."
            )
        answers = raw.get("answers") or {}
        if not isinstance(answers, dict):
            raise AnswersFileError(f"Entry {index} in {path}: 'answers' must be a mapping of question id to answer.")
        action = raw.get("action", "save")
        if action not in ACTIONS:
            raise AnswersFileError(f"Entry {index} in {path}: action {action!r} is not one of {', '.join(ACTIONS)}.")
        version = raw.get("version")
        if action != "save" and not (version == "latest" or (isinstance(version, int) and version >= 1)):
            raise AnswersFileError(
                f"Entry {index} in {path}: action {action!r} needs 'version:' - a version number or 'latest'."
            )
        if not isinstance(raw.get("share", False), bool):
            raise AnswersFileError(f"Entry {index} in {path}: 'share' must be true or false.")
        items.append(AnswerItem(index, raw["exercise"], raw.get("occurred_at"), answers,
                                share=raw.get("share", False), action=action, version=version))
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
        if program.find_exercise(item.exercise_id)[1].has(PROTOCOL):
            _import_protocol_item(store, client_id, program, item, report)
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
            _share(store, client_id, exc.entry_id, item, report)
        else:
            report.saved.append(ref.entry_id)
            report.screened.append(ref.entry_id)
            _share(store, client_id, ref.entry_id, item, report)
    return report


def _reject(report: ImportReport, item: AnswerItem, field: str, message: str) -> None:
    report.rejected.append({"index": item.index, "exercise_id": item.exercise_id, "problems": {field: message}})


def _share(store: Store, client_id: str, entry_id: str, item: AnswerItem, report: ImportReport) -> None:
    if not item.share:
        return
    from securebase.couples.dyads import share_entry, shared_by

    try:
        if entry_id not in shared_by(store, client_id):
            share_entry(store, client_id, entry_id)
    except SecureBaseError as exc:
        _reject(report, item, "share", f"saved, but not shared: {exc}")


def _import_protocol_item(store: Store, client_id: str, program: Program, item: AnswerItem, report: ImportReport) -> None:
    """A protocol proposal (a new version with my consent) or a consent decision."""
    from securebase.couples.protocol import AlreadyProposed, propose_version, set_consent
    from securebase.journal.validation import parse_occurred_at

    try:
        when = parse_occurred_at(item.occurred_at)
    except EntryValidationError as exc:
        report.rejected.append({"index": item.index, "exercise_id": item.exercise_id, "problems": exc.problems})
        return
    try:
        if item.action == "save":
            key = source_key_for(item.exercise_id, item.occurred_at, item.answers)
            version = propose_version(store, program, client_id, item.answers, proposed_at=when, source_key=key)
            report.saved.append(f"protocol v{version.version}")
            report.screened.append(protocol_screen_id(version.dyad_id, version.version))
        else:
            decided = set_consent(store, client_id, item.version, consent=item.action == "consent", at=when)
            report.saved.append(f"protocol v{decided.version} {item.action}")
    except AlreadyProposed as exc:
        report.already_saved.append(f"protocol v{exc.version}")
    except EntryValidationError as exc:
        report.rejected.append({"index": item.index, "exercise_id": item.exercise_id, "problems": exc.problems})
    except SecureBaseError as exc:
        _reject(report, item, "protocol", str(exc))
