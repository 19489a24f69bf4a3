"""Collecting participants' returned workbooks into the facilitator's store, and the group summary.

Collection reads the **data**, never the notebook: each participant's folder holds their own
store (``securebase.db``, see :mod:`batch`), and :func:`collect` copies its entry revisions
into the facilitator's store as they are. A participant who edited, re-ordered or deleted
notebook cells changes nothing here. For each roster participant:

* the returned store is looked for at ``SOURCE/<group>/<participant_id>/securebase.db`` (the batch
  layout) or ``SOURCE/<participant_id>/securebase.db`` (a folder handed back on its own);
* it is copied to a temporary folder first, so the returned file is never changed;
* only the participant's own entries are taken: a store that holds other client ids is
  reported and those entries are left out;
* every revision is checked against the program content exactly like a save (unknown exercise
  or invalid answers: left out and reported by id, never by content), screened for safety
  (a flag is raised in the facilitator's store, in the same transaction), and imported with
  its original entry id and revision - so collecting twice adds nothing, and a revision that
  differs from one already collected is reported as a conflict and left out;
* the participant joins their roster group in the facilitator's store (also when nothing was
  returned yet, so the group's size is known).

:func:`group_summary` then describes a group from the store, for showing to the group: only
counts of people and choices and means of ratings, every count suppressed below ``k``
(:mod:`securebase.privacy.suppression`, audited together by :mod:`securebase.privacy.audit`), no free text and no safety flags. :func:`write_group_summary` writes it
as JSON and as an escaped HTML page.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from securebase import content
from securebase.workshop.batch import STORE_FILE
from securebase.content import Program
from securebase.core.errors import EntryValidationError, NotFoundError, SecureBaseError, StoreError
from securebase.workshop.roster import Participant, Roster
from securebase.store import Entry, Store
from securebase.privacy.audit import Tie, suppress_together
from securebase.privacy.suppression import DEFAULT_K, Suppressed, safe_mean
from securebase.journal.entries import check_answers
from securebase.safety.flags import Screening
from securebase.core import config


@dataclass
class ParticipantReport:
    participant_id: str
    group: str
    status: str                      # "collected", "not returned", "unreadable"
    added: int = 0                   # revisions newly copied in
    present: int = 0                 # already collected earlier
    conflicts: int = 0               # same entry and revision, different answers: left out
    left_out: list[str] = field(default_factory=list)  # why revisions were left out (ids and reasons, no text)
    flagged: int = 0                 # revisions the safety screen flagged, or answered yes to a check-in (clinician view only)
    unanswered: int = 0              # revisions whose check-in question nobody answered


@dataclass
class CollectReport:
    participants: list[ParticipantReport]

    def count(self, status: str) -> int:
        return sum(p.status == status for p in self.participants)

    def lines(self) -> list[str]:
        added = sum(p.added for p in self.participants)
        out = [f"{self.count('collected')} returned workbook(s) read, {self.count('not returned')} not returned, "
               f"{self.count('unreadable')} unreadable; {added} entry revision(s) added."]
        for p in self.participants:
            if p.status == "unreadable" or p.left_out or p.conflicts:
                detail = "; ".join(p.left_out[:5]) + (f" (+{len(p.left_out) - 5} more)" if len(p.left_out) > 5 else "")
                out.append(f"{p.group}/{p.participant_id}: {p.status}"
                           + (f", {p.conflicts} conflicting revision(s) left out" if p.conflicts else "")
                           + (f"; {detail}" if detail else ""))
        flagged = sum(p.flagged for p in self.participants)
        if flagged:
            out.append(f"{flagged} collected revision(s) raised a safety flag: review them with `securebase safety list` "
                       "(flags never appear in group outputs).")
        unanswered = sum(p.unanswered for p in self.participants)
        if unanswered:
            out.append(f"{unanswered} collected revision(s) came close to a safety concern and the participant was not "
                       "asked (or did not answer) whether they are safe: ask them yourself, and see `securebase safety list`.")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"participants": [asdict(p) for p in self.participants]}


def returned_store(source: Path, participant: Participant) -> Path | None:
    for candidate in (source / participant.group / participant.participant_id / STORE_FILE,
                      source / participant.participant_id / STORE_FILE):
        if candidate.is_file():
            return candidate
    return None


_ENTRY_ID = re.compile(r"[0-9a-f]{32}\Z")
_SHORT = re.compile(r"[\w.:@+-]{1,64}\Z")     # content versions and source keys
_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,128}\Z")   # the recorder: their login name (spaces allowed), no control characters
_AHEAD = timedelta(hours=14)                  # a local time is at most 14 hours ahead of UTC


def _record_problem(e: Entry, previous: Entry | None) -> str | None:
    """What is wrong with a returned revision as a record (ids, revision numbers, times), before its answers:
    a store made by this software never holds such a revision, so it was changed by hand."""
    if not (isinstance(e.entry_id, str) and _ENTRY_ID.match(e.entry_id)):
        return "an entry id that this software never writes"
    expected = 1 if previous is None or previous.entry_id != e.entry_id else previous.revision + 1
    if not isinstance(e.revision, int) or e.revision != expected:
        return f"revision {e.revision!r} where {expected} was due (revisions are numbered 1, 2, 3 ...)"
    if not isinstance(e.content_version, str) or not _SHORT.match(e.content_version):
        return "a content version that is not one"
    if not isinstance(e.recorded_by, str) or not _NAME.match(e.recorded_by):
        return "a recorder name that is not one"
    if e.source_key is not None and not (isinstance(e.source_key, str) and _SHORT.match(e.source_key)):
        return "a source key that is not one"
    try:
        recorded = datetime.fromisoformat(e.recorded_at) if isinstance(e.recorded_at, str) else None
    except ValueError:
        recorded = None
    if recorded is None or recorded.tzinfo is None or recorded > datetime.now(timezone.utc) + timedelta(hours=1):
        return "a time it was saved that is not a date and time of the past with a time zone"
    if previous is not None and previous.entry_id == e.entry_id and e.recorded_at < previous.recorded_at:
        return "a time it was saved before its earlier revision"
    try:   # the participant's local time: at most 14 hours ahead of when it was saved (UTC), whatever our clock says
        happened = datetime.fromisoformat(e.occurred_at) if isinstance(e.occurred_at, str) else None
    except ValueError:
        happened = None
    if (happened is None or happened.tzinfo is not None or happened.isoformat() != e.occurred_at or happened.year < 1900
            or happened > recorded.replace(tzinfo=None) + _AHEAD - recorded.utcoffset()):
        return "a time it happened that is not a date and time of the past (YYYY-MM-DDTHH:MM:SS)"
    return None


def _check_revision(program: Program, e: Entry, previous: Entry | None = None) -> tuple[str | None, Screening]:
    """Why a returned revision cannot be taken (None when it can), and what the safety screen found
    in its free text (flags, and check-ins to ask). Everything is checked, as a save would: the record
    (:func:`_record_problem`), the program, exercise and step, and the answers (a deleted entry's too)."""
    label = f"entry {str(e.entry_id)[:8]} r{e.revision}"
    problem = _record_problem(e, previous)
    if problem:
        return f"{label}: {problem}", Screening()
    if e.program_id != program.id:
        return f"{label}: program {e.program_id!r}, not {program.id!r}", Screening()
    try:
        phase, exercise = program.find_exercise(e.exercise_id)
    except (KeyError, SecureBaseError):
        return f"{label}: unknown exercise {e.exercise_id!r}", Screening()
    if e.phase_id != phase.id:
        return f"{label} ({e.exercise_id}): step {e.phase_id!r}, but the exercise is in {phase.id!r}", Screening()
    try:
        checked = check_answers(phase, exercise, e.data, None)   # its time was checked above, against its own save
    except EntryValidationError as exc:
        return f"{label} ({e.exercise_id}): invalid {', '.join(sorted(exc.problems))}", Screening()
    return None, (Screening() if e.deleted else checked.screening)


def _their_check_ins(store: Store, participant_id: str) -> dict[tuple[str, int], tuple[tuple[str, ...], str | None]]:
    """The check-ins the participant's own workbook asked, with their answers (the first per revision)."""
    out: dict[tuple[str, int], tuple[tuple[str, ...], str | None]] = {}
    for _id, _client, entry_id, revision, categories, _asked, answer, _when in store.check_in_rows(participant_id):
        out.setdefault((entry_id, revision), (categories, answer))
    return out


def _collect_one(store: Store, participant: Participant, path: Path, source_label: str) -> ParticipantReport:
    rep = ParticipantReport(participant.participant_id, participant.group, "collected")
    program = content.program(participant.program)
    with tempfile.TemporaryDirectory(prefix="securebase-collect-") as tmp:
        copy = Path(tmp) / STORE_FILE
        shutil.copy2(path, copy)
        for suffix in ("-wal",):  # committed answers may still sit in the write-ahead log
            if path.with_name(path.name + suffix).exists():
                shutil.copy2(path.with_name(path.name + suffix), copy.with_name(copy.name + suffix))
        try:
            with Store(copy) as theirs:
                others = [c.client_id for c in theirs.list_clients() if c.client_id != participant.participant_id]
                client = theirs.get_client(participant.participant_id)
                revisions = theirs.client_revisions(participant.participant_id) if client else []
                asked_there = _their_check_ins(theirs, participant.participant_id) if client else {}
        except (StoreError, OSError) as exc:
            rep.status = "unreadable"
            rep.left_out.append(f"the returned store could not be read ({type(exc).__name__}); ask for the file again")
            return rep
    if others:
        rep.left_out.append(f"the returned store also holds {len(others)} other client id(s); their entries were left out")
    if client is None:
        rep.left_out.append("the returned store has no entries for this participant")
        return rep
    keep: list[Entry] = []
    safety: dict[tuple[str, int], tuple[str, ...]] = {}
    check_ins: dict[tuple[str, int], tuple[tuple[str, ...], str | None]] = {}
    previous: Entry | None = None
    bad_entries: set[str] = set()
    for e in sorted(revisions, key=lambda r: (str(r.entry_id), r.revision if isinstance(r.revision, int) else -1)):
        problem, found = _check_revision(program, e, previous)
        previous = e
        if problem or e.entry_id in bad_entries:
            # a revision after a bad one is left out too: an entry comes in whole, up to where it is sound
            bad_entries.add(e.entry_id)
            rep.left_out.append(problem or f"entry {e.entry_id[:8]} r{e.revision}: follows a revision that was left out")
            continue
        if problem:
            rep.left_out.append(problem)
            continue
        key = (e.entry_id, e.revision)
        if found.flag:
            safety[key] = found.flag
        elif key in asked_there or found.check_in:
            # the question the person was asked at home, and their answer; else the one this screen asks
            check_ins[key] = asked_there.get(key) or (found.check_in, None)
        keep.append(e)
    store.ensure_client(participant.participant_id, program_id=participant.program, start_date=client.start_date,
                        language=participant.language)
    store.add_group_member(participant.group, participant.participant_id)
    if keep:
        counts = store.import_revisions(keep, source=source_label, safety=safety, check_ins=check_ins)
        rep.added, rep.present, rep.conflicts = counts["added"], counts["present"], counts["conflicts"]
        rep.flagged = len(safety) + sum(answer == "yes" for _, answer in check_ins.values())
        rep.unanswered = sum(answer is None for _, answer in check_ins.values())
    return rep


def collect(store: Store, roster: Roster, source: str | Path, *, group: str | None = None) -> CollectReport:
    """Bring the returned workbooks of a roster (or one ``group`` of it) into ``store``."""
    source = Path(source).expanduser()
    if not source.is_dir():
        raise SecureBaseError(f"There is no folder at {source}; give the folder the workbooks were returned to.")
    people = roster.in_group(group) if group else roster.participants
    if group and not people:
        raise SecureBaseError(f"The roster has no group {group!r}; its groups are {', '.join(roster.groups())}.")
    reports = []
    for p in people:
        path = returned_store(source, p)
        if path is None:  # still a member of the group: the summary counts them as "no entries yet"
            store.ensure_client(p.participant_id, program_id=p.program, language=p.language)
            store.add_group_member(p.group, p.participant_id)
            reports.append(ParticipantReport(p.participant_id, p.group, "not returned"))
            continue
        reports.append(_collect_one(store, p, path, f"workshop:{p.group}"))
    return CollectReport(reports)


# ---------------------------------------------------------------- group summary


def _members_entries(store: Store, members: Iterable[str], program: Program) -> dict[str, list[Entry]]:
    return {m: store.current_entries(m, program_id=program.id) for m in members}


def _gave(answer: Any, value: Any) -> bool:
    """Whether an answer (one value, or a list for multiple choice) includes ``value``."""
    return value in answer if isinstance(answer, list) else answer is value if isinstance(value, bool) else answer == value


def group_summary(store: Store, group: str, *, program: str | Program | None = None, k: int = DEFAULT_K) -> dict[str, Any]:
    """What a group may see about itself (see the module docstring). ``program`` defaults to the
    program of the group's members (it must be one)."""
    members = store.group_members(group)
    if not members:
        raise NotFoundError(f"There is no group {group!r} in the store; collect its workbooks first "
                            f"(groups in the store: {', '.join(store.groups()) or 'none'}).")
    if program is None:
        programs = {store.require_client(m).program_id for m in members}
        if len(programs) != 1:
            raise SecureBaseError(f"Group {group!r} mixes programs ({', '.join(sorted(map(str, programs)))}); "
                                  "give the program to summarise.")
        program = programs.pop()
    prog = program if isinstance(program, Program) else content.program(str(program))
    counts, labels, ties, plan = summary_tables(store, members, prog)
    # all the tables suppressed together: a reader sees them at once and knows how they hang together
    shown = suppress_together(counts, ties=ties, labels=labels, k=k)
    return {
        "kind": "securebase.group_summary", "version": 1, "group": group, "program": prog.id,
        "program_title": prog.title, "k": k,
        "members": shown["people"].total,
        "people": shown["people"].as_dict(),
        "exercises": _summary_blocks(shown, plan, k),
        "not_included": ["free text", "safety flags", "participant ids"],
    }


def summary_tables(store: Store, members: list[str], prog: Program) -> tuple[dict, dict, list[Tie], list]:
    """The counts of a group summary before suppression, their labels, the ties between them that a
    reader knows (each exercise counts the same members; those who did an exercise are among those who
    returned entries; who gave an answer or a rating is among those who did it), and the plan of blocks."""
    entries = _members_entries(store, members, prog)
    returned = sum(bool(v) for v in entries.values())
    counts: dict[str, list[list[int]]] = {"people": [[returned, len(members) - returned]]}
    labels: dict[str, tuple[list[str], list[str]]] = {"people": (["count"], ["returned entries", "no entries yet"])}
    ties: list[Tie] = []
    plan: list[tuple[Any, Any, list[tuple[Any, str, Any]]]] = []   # (phase, exercise, [(spec, kind, data)])
    for phase in prog.phases:
        for ex in phase.exercises:
            by_person = {m: [e for e in es if e.exercise_id == ex.id] for m, es in entries.items()}
            did = sum(bool(v) for v in by_person.values())
            name = f"exercise:{ex.id}"
            counts[name], labels[name] = [[did, len(members) - did]], (["count"], ["did it", "not yet"])
            ties += [Tie.equal((name, "total"), ("people", "total")),
                     Tie.at_most((name, "cell", 0, 0), ("people", "cell", 0, 0))]
            fields: list[tuple[Any, str, Any]] = []
            for spec in ex.fields:
                options = spec.type.group_options(spec)
                if options is not None:
                    table = f"{name}:{spec.id}"
                    counts[table] = [[sum(any(_gave(e.data.get(spec.id), value) for e in es)
                                          for es in by_person.values()) for value, _ in options]]
                    labels[table] = (["count"], [str(label) for _, label in options])  # people who gave it at least once
                    ties += [Tie.at_most((table, "cell", 0, j), (name, "cell", 0, 0)) for j in range(len(options))]
                    fields.append((spec, "counts", table))
                elif spec.type.numeric:
                    person_means = []
                    for es in by_person.values():
                        vals = [float(e.data[spec.id]) for e in es if isinstance(e.data.get(spec.id), (int, float))
                                and not isinstance(e.data.get(spec.id), bool)]
                        if vals:
                            person_means.append(sum(vals) / len(vals))
                    table = f"{name}:{spec.id}:people"
                    counts[table], labels[table] = [[len(person_means)]], (["count"], ["people"])
                    ties.append(Tie.at_most((table, "cell", 0, 0), (name, "cell", 0, 0)))
                    fields.append((spec, "mean", (table, person_means)))
            plan.append((phase, ex, fields))
    return counts, labels, ties, plan


def _summary_blocks(shown: dict[str, Suppressed], plan: list, k: int) -> list[dict[str, Any]]:
    exercises = []
    for phase, ex, fields in plan:
        block: dict[str, Any] = {"id": ex.id, "title": ex.title, "phase": phase.title,
                                 "participants": shown[f"exercise:{ex.id}"].as_dict(), "fields": []}
        for spec, kind, data in fields:
            if kind == "counts":
                block["fields"].append({"id": spec.id, "label": spec.label, "kind": "counts",
                                        "table": shown[data].as_dict()})
            else:
                table, person_means = data
                n = shown[table].cells[0][0]
                mean = safe_mean(person_means, k=k) if n is not None else None
                block["fields"].append({"id": spec.id, "label": spec.label, "kind": "mean",
                                        "mean_of_person_means": None if mean is None else round(mean, 2),
                                        "people": n})
        exercises.append(block)
    return exercises


def write_group_summary(summary: dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """``group-<group>.json`` and ``group-<group>.html`` (owner-only) in ``out_dir``."""
    from securebase.core.config import write_private_file
    from securebase.reports.render import render

    out = Path(out_dir).expanduser()
    config.ensure_private_dir(out)
    stem = f"group-{summary['group']}"
    js = write_private_file(out / f"{stem}.json", (json.dumps(summary, indent=2) + "\n").encode("utf-8"))
    page = write_private_file(out / f"{stem}.html", render("group_summary.html.j2", s=summary, zip=zip).encode("utf-8"))
    return {"json": js, "html": page}
