"""De-identification pieces: study codes, offsets, the key file and free-text handling."""

import os
import stat
from datetime import date, datetime, timedelta, timezone

import pytest

from securebase.research import deidentify
from securebase.research.deidentify import (
    REDACTED, ExportError, StudyKey, coarse_time, length_class, new_code, new_study_code, new_study_key, random_offset,
    read_key_file, text_value, write_key_file,
)


def test_study_codes_are_random_unique_and_never_a_client_id(monkeypatch):
    ids = ["C-7QX9A4", "C-4MT8RZ", "S-AAAAAA"]
    key = new_study_key(ids)
    codes = list(key.codes.values())
    assert sorted(key.codes) == sorted(ids) and len(set(codes)) == 3
    assert all(c.startswith("S-") and len(c) == 8 and c not in ids for c in codes)
    assert key.pseudonymised

    drawn = iter("AAAAAA" + "BBBBBB")     # the first draw is taken: a new one is drawn
    monkeypatch.setattr(deidentify.secrets, "choice", lambda alphabet: next(drawn))
    assert new_study_code({"S-AAAAAA"}) == "S-BBBBBB"


def test_entry_codes_do_not_repeat(monkeypatch):
    drawn = iter("AAAAAAAA" + "AAAAAAAA" + "BBBBBBBB")
    monkeypatch.setattr(deidentify.secrets, "choice", lambda alphabet: next(drawn))
    taken: set[str] = set()
    assert new_code("E", taken) == "E-AAAAAAAA" and new_code("E", taken) == "E-BBBBBBBB"
    assert taken == {"E-AAAAAAAA", "E-BBBBBBBB"}


def test_offsets_go_into_the_past_over_the_whole_window():
    draws = [random_offset(180) for _ in range(4000)]
    assert min(draws) >= -180 and max(draws) <= -1
    assert min(draws) <= -175 and max(draws) >= -6             # the whole window is used
    assert {random_offset(1) for _ in range(50)} == {-1}
    later = [random_offset(180, latest=-40) for _ in range(2000)]   # the latest date is 40 days past the ceiling
    assert all(-219 <= d <= -40 for d in later) and max(later) >= -45 and min(later) <= -214
    assert {random_offset(5, latest=30) for _ in range(200)} == {-1, -2, -3, -4, -5}   # plenty of room: as usual
    with pytest.raises(ValueError):
        random_offset(0)


def test_coarse_time_is_the_first_moment_of_the_month_in_utc():
    assert coarse_time(datetime(2026, 11, 17, 23, 30, tzinfo=timezone(timedelta(hours=-5)))) == \
        datetime(2026, 11, 1, tzinfo=timezone.utc)
    assert coarse_time(datetime(2026, 11, 30, 23, 30, tzinfo=timezone(timedelta(hours=-5)))) == \
        datetime(2026, 12, 1, tzinfo=timezone.utc)                # already December in UTC


def test_a_chosen_weekday_moves_with_the_dates():
    key = StudyKey({"C-1001": "S-AAAAAA"}, {"C-1001": -9}, True)
    assert key.shift_weekday("C-1001", "monday") == "saturday"   # 9 days before a Monday is a Saturday
    assert key.shift("C-1001", date(2026, 11, 16)).strftime("%A").lower() == "saturday"


def test_shift_keeps_intervals_and_options_turn_parts_off():
    key = new_study_key(["C-1001", "C-1002"])
    a, b = date(2026, 3, 2), date(2026, 4, 17)
    for client in ("C-1001", "C-1002"):
        assert key.offsets[client] != 0
        assert (key.shift(client, b) - key.shift(client, a)) == (b - a)
        assert (key.shift(client, a) - a).days == key.offsets[client]
    plain = new_study_key(["C-1001"], keep_ids=True, shift_dates=False)
    assert plain.codes == {"C-1001": "C-1001"} and plain.offsets == {"C-1001": 0} and not plain.pseudonymised
    assert plain.shift("C-1001", a) == a


def test_key_file_is_owner_only_separate_and_round_trips(tmp_path):
    key = new_study_key(["C-7QX9A4", "C-4MT8RZ"])
    export_dir = tmp_path / "export"
    export_dir.mkdir()
    path = write_key_file(key, tmp_path / "keys", export_dir, "abc123")
    assert path.parent == tmp_path / "keys" and path.name == "key-abc123.csv"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    back = read_key_file(path)
    assert {code: client for code, (client, _) in back.items()} == {v: k for k, v in key.codes.items()}
    assert {client: shift for client, shift in back.values()} == key.offsets
    with pytest.raises(ExportError, match="already exists"):
        write_key_file(key, tmp_path / "keys", export_dir, "abc123")


@pytest.mark.parametrize("where", [".", "sub", "sub/deeper"])
def test_key_file_is_never_written_inside_the_export(tmp_path, where):
    export_dir = tmp_path / "export"
    export_dir.mkdir()
    with pytest.raises(ExportError, match="inside the export folder"):
        write_key_file(new_study_key(["C-1001"]), export_dir / where, export_dir, "x")
    assert not any(p.is_file() for p in export_dir.rglob("*"))


def test_key_file_honours_0600_under_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        path = write_key_file(new_study_key(["C-1001"]), tmp_path / "k", tmp_path / "e", "y")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_free_text_modes():
    assert text_value("XMARK private words", "none") is None
    assert text_value("XMARK private words", "redact") == REDACTED
    assert text_value("x" * 49, "length") == "<50" and text_value("x" * 50, "length") == "50-199"
    assert length_class("x" * 199) == "50-199" and length_class("x" * 200) == "200-999"
    assert length_class("x" * 999) == "200-999" and length_class("x" * 1000) == "1000+"
    with pytest.raises(ValueError):
        text_value("x", "keep")
