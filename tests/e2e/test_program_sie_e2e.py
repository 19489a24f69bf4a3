"""A synthetic client goes through the whole sie program, five steps over 60 days, in batch mode.

The client comes from tests/synthetic.py. The fast tests check that every generated entry
passes the workbook's validation; the slow test runs each phase notebook with papermill on
one shared store, then the progress notebook over all of it.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from statistics import mean
from typing import Any

import papermill as pm
import pytest

from securebase import content
from securebase.notebook.answers import read_answers_file
from securebase.journal.derived import derive
from securebase.journal.entries import source_key_for
from securebase.nbgen.phase import notebook_path
from securebase.journal.validation import parse_occurred_at, validate_answers
from synthetic import synthetic_client, write_answers

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
PROGRESS_NOTEBOOK = NOTEBOOKS / "sie" / "progress.ipynb"
CLIENT = "C-SYN01"
SEEDS = [1, 7, 42, 2026]
START = date(2026, 1, 5)
NOW = datetime.combine(START + timedelta(days=60), time(0, 0))  # midnight after day 60: every entry is past


@pytest.fixture(scope="module")
def sie():
    return content.program("sie")


def _day(start: date, occurred_at: str) -> int:
    return (datetime.fromisoformat(occurred_at).date() - start).days + 1


# ---------------------------------------------------------------- the generator


@pytest.mark.parametrize("seed", SEEDS)
def test_every_synthetic_entry_passes_validation(sie, seed):
    client = synthetic_client(seed, START)
    assert list(client) == [p.id for p in sie.phases]
    for phase in sie.phases:
        entries = client[phase.id]
        counts = Counter(e["exercise"] for e in entries)
        assert set(counts) == {e.id for e in phase.exercises}, f"{phase.id}: every exercise is covered"
        keys = set()
        for entry in entries:
            assert set(entry) == {"exercise", "occurred_at", "answers"}
            exercise = phase.exercise(entry["exercise"])  # raises if the exercise is not of this phase
            when = parse_occurred_at(entry["occurred_at"], now=NOW)
            validate_answers(exercise, entry["answers"])  # raises EntryValidationError with every problem
            assert phase.window.contains(_day(START, when)), f"{entry} is outside {phase.id}'s window"
            assert _day(START, when) <= 60
            keys.add(source_key_for(entry["exercise"], entry["occurred_at"], entry["answers"]))
        assert len(keys) == len(entries), f"{phase.id}: two entries are identical, so one would not be saved"


def test_synthetic_client_is_deterministic():
    assert synthetic_client(5, START) == synthetic_client(5, START)
    assert synthetic_client(5, START) != synthetic_client(6, START)


def test_shorter_stay_cuts_the_later_phases():
    client = synthetic_client(3, START, days=30)
    assert client["integration"] == []
    assert client["values_action"] and max(_day(START, e["occurred_at"]) for e in client["values_action"]) <= 30


def test_synthetic_client_improves_with_noise():
    errors_early, errors_late, journal, setbacks = [], [], [], []
    for seed in SEEDS:
        client = synthetic_client(seed, START)
        experiments = [e for e in client["values_action"] if e["exercise"] == "behavioural_experiment"]
        errors = [derive("behavioural_experiment", e["answers"])["prediction_error"] for e in experiments]
        half = len(errors) // 2
        errors_early += errors[:half]
        errors_late += errors[half:]
        assert len(set(errors)) > 1, "prediction errors vary"
        journal += [e["answers"]["intensity"] for e in client["awareness"] if e["exercise"] == "insecurity_pattern_journal"]
        setbacks += [e["answers"]["intensity"] for e in client["integration"] if e["exercise"] == "setback_log"]
    assert mean(errors_early) > mean(errors_late) + 1, "the fear overestimates less as the step goes on"
    assert mean(journal) > mean(setbacks), "insecurity is weaker at the end, even in setbacks"
    assert len(set(journal)) > 2, "intensities are noisy"


def test_write_answers_gives_readable_answers_files(tmp_path):
    client = synthetic_client(11, START)
    paths = write_answers(client, tmp_path)
    assert set(paths) == set(client)
    for phase_id, path in paths.items():
        assert path.name == f"sie_{phase_id}_answers.yaml"
        items = read_answers_file(path)
        assert [(i.exercise_id, i.occurred_at, i.answers) for i in items] == [
            (e["exercise"], e["occurred_at"], e["answers"]) for e in client[phase_id]
        ]


# ---------------------------------------------------------------- the whole program in batch mode


def _run(notebook: Path, out: Path, **parameters: Any) -> None:
    pm.execute_notebook(str(notebook), str(out), kernel_name="python3", progress_bar=False, parameters=parameters,
                        kernel_manager_class="securebase.core.kernel_transport.IPCKernelManager")


def _progress_blocks(progress: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """progress.json's "exercises", keyed by exercise id (a mapping, or a list of blocks naming their id)."""
    blocks = progress["exercises"]
    if isinstance(blocks, dict):
        return blocks
    return {b.get("exercise_id", b.get("id")): b for b in blocks}


@pytest.mark.slow
def test_synthetic_client_goes_through_all_five_steps(sie, tmp_path):
    today = date.today()
    start = today - timedelta(days=59)  # day 60 is today
    now = datetime.now()
    client = synthetic_client(2026, start, days=60)
    # the last day's later entries would be in the future (refused on import) until that time has come
    client = {pid: [e for e in entries if datetime.fromisoformat(e["occurred_at"]) <= now]
              for pid, entries in client.items()}
    answers = write_answers(client, tmp_path / "answers")
    store_path = tmp_path / "store.sqlite3"

    for phase in sie.phases:
        notebook = notebook_path(NOTEBOOKS, sie, phase)
        assert notebook.exists(), f"{notebook.relative_to(ROOT)} is missing: run `securebase notebooks --only sie`"
        out_dir = tmp_path / "reports" / phase.id
        _run(
            notebook, tmp_path / f"{phase.number:02d}_{phase.id}.executed.ipynb",
            client_id=CLIENT, store_path=str(store_path), mode="batch", answers_path=str(answers[phase.id]),
            output_dir=str(out_dir), start_date=start.isoformat(),
        )
        result = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
        expected = Counter(e["exercise"] for e in client[phase.id])
        assert result["import"]["rejected"] == [], f"{phase.id}: entries were rejected"
        assert result["import"]["saved"] == len(client[phase.id]), phase.id
        assert result["import"]["already_saved"] == 0, phase.id
        summary = result["summary"]
        assert summary["phase_id"] == phase.id
        for exercise in phase.exercises:
            count = summary["exercises"][exercise.id]["count"]
            assert count > 0, f"{phase.id}: no {exercise.id} entries in the summary"
            assert count == expected[exercise.id], f"{phase.id}: {exercise.id}"

    if not PROGRESS_NOTEBOOK.exists():
        pytest.skip(
            "notebooks/sie/progress.ipynb does not exist yet (another engineer is building it); "
            "the five phase runs passed, the progress check is ready for when it lands"
        )
    out_dir = tmp_path / "reports" / "progress"
    _run(
        PROGRESS_NOTEBOOK, tmp_path / "progress.executed.ipynb",
        client_id=CLIENT, store_path=str(store_path), mode="batch", output_dir=str(out_dir), today="",
    )
    blocks = _progress_blocks(json.loads((out_dir / "progress.json").read_text(encoding="utf-8")))
    for phase in sie.phases:
        for exercise in phase.exercises:
            assert exercise.id in blocks, f"progress.json has no entry for {exercise.id}"
            assert blocks[exercise.id]["count"] > 0, f"progress.json counts no {exercise.id} entries"
