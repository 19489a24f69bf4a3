"""The date-shift recovery attack of issue 18, run against the export: it must recover nothing.

The attack: an export says when it was made, and people who were still practising have entries on that
day; so their latest shifted date minus the export's date is their offset, and with it every true date.
Here eight people keep a daily journal, six of them up to the day of the export (the 17th of a month),
two stopped weeks earlier. The attacker reads every time the export gives (the manifest, the data
package, the files' own times) and subtracts. They must get no offset right, no shifted date may fall
after what the export says of its time, and the default export must hold no calendar date at all.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta, timezone

import pytest

from securebase import content
from securebase.intake import consent
from securebase.journal.entries import save_entry
from securebase.research.deidentify import read_key_file
from securebase.research.export import export_research
from securebase.research.formats import read_table

EXPORT_AT = datetime(2026, 11, 17, 15, 42, tzinfo=timezone.utc)
PEOPLE = {f"C-{code}": (date(2026, 8, 3) + timedelta(days=3 * i), EXPORT_AT.date() - timedelta(days=gap))
          for i, (code, gap) in enumerate([("7QX9A4", 0), ("4MT8RZ", 0), ("9KD3WB", 0), ("3HW7PT", 0),
                                           ("6RN2MX", 0), ("8VB4QK", 0), ("2TG9HN", 33), ("5KP7WD", 52)])}


@pytest.fixture
def journals(store):
    sie = content.program("sie")
    for client_id, (start, last) in PEOPLE.items():
        store.ensure_client(client_id, program_id="sie", start_date=start)
        consent.record(store, client_id, "research", "give", via="cli", at="2026-08-01 09:00")
        day = start
        while day <= last:
            save_entry(store, client_id, sie, "signal_scan", {"slot": "midday", "body_signals": {"chest": "threat"},
                                                               "felt_safety": 6},
                       occurred_at=datetime.combine(day, time(12, 0)))
            day += timedelta(days=4 if day < last - timedelta(days=8) else 1)
    return PEOPLE


def _times_the_export_gives(out) -> list[datetime]:
    manifest = json.loads((out / "manifest.json").read_text())
    package = json.loads((out / "datapackage.json").read_text())
    found = [datetime.fromisoformat(manifest["created"]), datetime.fromisoformat(package["created"])]
    found += [datetime.fromtimestamp(p.stat().st_mtime, timezone.utc) for p in [out, *out.iterdir()]]
    return found


def test_the_export_time_attack_recovers_no_offset(store, journals, tmp_path):
    out = tmp_path / "export"
    result = export_research(store, out, key_dir=tmp_path / "keys", dates="shifted", now=EXPORT_AT)
    key = read_key_file(result.key_file)
    said = max(_times_the_export_gives(out))
    assert said == datetime(2026, 11, 1, tzinfo=timezone.utc)       # the month, nothing finer
    shifted = read_table(out / "entries.parquet")
    latest = shifted.groupby("study_id")["date"].max()
    assert len(latest) == len(PEOPLE)
    recovered = {study: (last - said.date()).days == key[study][1] for study, last in latest.items()}
    assert sum(recovered.values()) == 0, recovered
    assert (shifted["date"] <= said.date()).all()                    # no shifted date after the export's time
    # the attack with the true day of the export, which an insider may know, is the known limit: for the
    # people active that day it works; that is why day numbers, not dates, are the default
    insider = sum((last - EXPORT_AT.date()).days == key[study][1] for study, last in latest.items())
    assert insider == 6
    # intervals within a person are still exact
    for study, rows in shifted.groupby("study_id"):
        assert ((rows["date"] - rows["date"].min()).map(lambda d: d.days) + rows["day"].min()).tolist() == \
            rows["day"].tolist()


def test_the_default_export_has_no_date_to_attack(store, journals, tmp_path):
    out = tmp_path / "export"
    export_research(store, out, no_key=True, now=EXPORT_AT)
    iso_date = re.compile(r"\b20\d\d-\d\d-\d\d\b")
    for table in ("entries", "entries_long", "assessments_long"):
        frame = read_table(out / f"{table}.parquet")
        assert frame["date"].isna().all()
        assert not frame.astype(str).apply(lambda col: col.str.contains(iso_date)).any().any()
    assert all(t <= datetime(2026, 11, 1, tzinfo=timezone.utc) for t in _times_the_export_gives(out))

