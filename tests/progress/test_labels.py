"""Private labels: kept in an owner-only file per user, bounded, never in the store or an export."""

from __future__ import annotations

import stat

import pytest

from securebase.progress.labels import MAX_LABEL, LabelError, labels_path, load_labels, set_label
from securebase.store import Store


def test_labels_live_in_a_private_file_per_user(tmp_path, monkeypatch):
    monkeypatch.setenv("SECUREBASE_HOME", str(tmp_path))
    path = labels_path("ana")
    assert path == tmp_path.resolve() / "private-labels" / "ana.json" and labels_path("b/../x") != path
    assert load_labels(path) == {}
    assert set_label("C-LB1", "  Tues   3pm ", path) == {"C-LB1": "Tues 3pm"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    set_label("C-LB2", "JK", path)
    assert load_labels(path) == {"C-LB1": "Tues 3pm", "C-LB2": "JK"}
    assert set_label("C-LB1", "", path) == {"C-LB2": "JK"}          # an empty label removes it
    assert [p.name for p in path.parent.iterdir()] == ["ana.json"]  # no temporary file left behind


@pytest.mark.parametrize("text, message", [
    ("x" * (MAX_LABEL + 1), "at most 40 characters"),
    ("JK\x00", "control characters"),
    ("a\u202eb", "control characters"),
])
def test_bad_labels_are_refused_with_a_plain_message(tmp_path, text, message):
    path = tmp_path / "l.json"
    with pytest.raises(LabelError, match=message):
        set_label("C-LB1", text, path)
    assert not path.exists()


def test_a_label_is_only_for_a_client_code(tmp_path):
    with pytest.raises(Exception, match="not a valid client id"):
        set_label("Jane Smith", "JS", tmp_path / "l.json")


def test_a_file_others_can_read_is_not_used(tmp_path):
    path = tmp_path / "l.json"
    set_label("C-LB1", "JK", path)
    path.chmod(0o644)
    with pytest.raises(LabelError, match="chmod 600"):
        load_labels(path)
    path.chmod(0o600)
    path.write_text("not json")
    with pytest.raises(LabelError, match="could not be read"):
        load_labels(path)
    path.write_text('{"C-LB1": "ok", "not a code": "x", "C-LB2": 5, "C-LB3": "' + "y" * 99 + '"}')
    assert load_labels(path) == {"C-LB1": "ok"}                   # hand-edited entries that are not labels are left out


def test_a_label_never_reaches_the_store(tmp_path):
    db = tmp_path / "s.db"
    with Store(db) as store:
        store.ensure_client("C-LB9")
        set_label("C-LB9", "Unmistakable Label 77", tmp_path / "l.json")
        store.set_archived("C-LB9", True)
    for path in tmp_path.glob("s.db*"):
        assert b"Unmistakable" not in path.read_bytes()
