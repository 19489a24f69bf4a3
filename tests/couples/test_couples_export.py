"""Couples' diary export: hand-checked rows in both layouts, nothing identifying, audited."""

from datetime import date

import pandas as pd

from securebase.couples.export import export_couples, individual_frame
from securebase.journal.entries import save_entry


def checkin(signal, timeout=False, back=None, felt=5, note=""):
    answers = {"connected": True, "minutes": 10, "signal_used": signal, "timeout_called": timeout, "felt_connected": felt}
    if back:
        answers["returned_on_time"] = back
    if note:
        answers["note"] = note
    return answers


def test_rows_codes_and_day_numbers(store, asb, couple, tmp_path):
    dyad, a, b = couple
    store.update_client(a, start_date=date(2026, 4, 1))
    store.update_client(b, start_date=date(2026, 4, 3))               # day 1 is the earlier start
    save_entry(store, a, asb, "daily_checkin", checkin(True, True, "yes", 7, note="SECRET"), occurred_at="2026-04-03 20:00")
    save_entry(store, a, asb, "daily_checkin", checkin(False, felt=2), occurred_at="2026-04-04 08:00")
    save_entry(store, a, asb, "daily_checkin", checkin(False, felt=4), occurred_at="2026-04-04 21:00")  # latest counts
    save_entry(store, b, asb, "daily_checkin", checkin(False, True, "no", 6), occurred_at="2026-04-03 21:00")
    frame = individual_frame(store)
    assert frame["role"].tolist() == ["A", "B", "A"] and frame["signal_used"].tolist() == [1.0, 0.0, 0.0]
    assert frame["day"].tolist() == [3, 3, 4] and frame["person"].tolist() == [1, 2, 1]
    assert frame["returned_on_time"].tolist()[:2] == [1.0, 0.0] and pd.isna(frame["returned_on_time"].iloc[2])
    assert frame["felt_connected"].tolist() == [7.0, 6.0, 4.0]

    paths = export_couples(store, tmp_path / "out")
    pairwise = pd.read_csv(paths["pairwise"])
    day3 = pairwise[pairwise["day"] == 3].set_index("person")
    assert day3.loc[1, "felt_connected_A"] == 7 and day3.loc[1, "felt_connected_P"] == 6
    assert day3.loc[2, "returned_on_time_A"] == 0 and day3.loc[2, "returned_on_time_P"] == 1
    assert pd.isna(pairwise[pairwise["day"] == 4]["felt_connected_P"]).all()     # B did not report day 4
    text = paths["individual"].read_text() + paths["pairwise"].read_text()
    assert "SECRET" not in text and a not in text and b not in text and "2026-04" not in text
    assert oct(paths["pairwise"].stat().st_mode & 0o777) == "0o600"
    audit = [r for r in store.audit_log() if r["action"] == "export"][-1]
    assert audit["detail"]["free_text"] is False and audit["detail"]["rows"] == 3


def test_no_couples_gives_empty_files_with_headers(store, tmp_path):
    paths = export_couples(store, tmp_path)
    assert pd.read_csv(paths["individual"]).columns.tolist()[:4] == ["dyad_id", "person", "role", "day"]
