"""Handed-in files: size limits, UTF-8 reported by line, YAML aliases refused, lone surrogates found."""

from __future__ import annotations

import json
import time

import pytest

from securebase import cli
from securebase.core.inputfiles import InputFileError, load_document, load_yaml, read_text
from securebase.notebook.answers import MAX_BYTES, MAX_ITEMS, AnswersFileError, read_answers_file
from securebase.workshop.roster import MAX_ROWS, RosterError, load_roster

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)},"
    f" *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(12))
ONE = {"exercise": "signal_scan", "answers": {"slot": "midday"}}


def test_a_yaml_alias_bomb_is_refused_at_once_with_its_line(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("entries:\n  - exercise: signal_scan\n    answers: {}\n" + BOMB)
    started = time.perf_counter()
    with pytest.raises(AnswersFileError) as exc:
        read_answers_file(path)
    assert time.perf_counter() - started < 5          # no expansion: refused while composing, not after
    assert "not valid YAML at line 5" in str(exc.value) and "an alias (*a) is not allowed" in str(exc.value)


def test_merge_keys_use_aliases_and_are_refused_too():
    with pytest.raises(InputFileError, match=r"alias \(\*base\)"):
        load_yaml("base: &base {x: 1}\nother:\n  <<: *base\n", "The file f.yaml")
    assert load_yaml("plain: &anchor {x: 1}\n", "f") == {"plain": {"x": 1}}   # an anchor alone is harmless


def test_an_answers_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "answers.json"
    with open(path, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)
    with pytest.raises(AnswersFileError, match=r"is 2\.0 MB; the largest accepted is 2\.0 MB\. Split it"):
        read_answers_file(path)


def test_an_answers_file_with_too_many_entries_is_refused(tmp_path):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"entries": [ONE] * (MAX_ITEMS + 1)}))
    with pytest.raises(AnswersFileError, match=f"has {MAX_ITEMS + 1} entries; at most {MAX_ITEMS}"):
        read_answers_file(path)


@pytest.mark.parametrize("raw, where", [
    (b"entries:\n  - exercise: signal_scan\n    answers: {slot: caf\xe9}\n", "line 3, column 24"),
    (b"entries:\n  - exercise: \xed\xa0\x80\n", "line 2, column 15"),          # a surrogate, UTF-8-encoded
    (b"\xef\xbb\xbfentries:\n\xff\n", "line 2, column 1"),
])
def test_bytes_that_are_not_utf8_are_reported_with_their_line(tmp_path, raw, where):
    path = tmp_path / "answers.yaml"
    path.write_bytes(raw)
    with pytest.raises(AnswersFileError) as exc:
        read_answers_file(path)
    assert f"is not UTF-8 text: {where}" in str(exc.value) and "Save the file as UTF-8" in str(exc.value)


@pytest.mark.parametrize("name, text", [
    ("a.json", '{"entries": [{"exercise": "signal_scan", "answers": {"slot": "\\ud800"}}]}'),
    ("a.yaml", 'entries:\n  - exercise: signal_scan\n    answers: {slot: "\\ud800"}\n'),
])
def test_a_lone_surrogate_is_named_by_where_it_is(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(AnswersFileError, match=r"lone surrogate.* at entries\[1\]\.answers\.slot"):
        read_answers_file(path)


def test_json_errors_name_the_line(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('{"entries": [\n  {"exercise": }\n]}')
    with pytest.raises(AnswersFileError, match="is not valid JSON at line 2, column 16"):
        read_answers_file(path)


def test_a_missing_file_and_a_folder(tmp_path):
    with pytest.raises(InputFileError, match="does not exist. Check it"):
        read_text(tmp_path / "nope", limit=10, what="The file nope", hint="Check it.")
    with pytest.raises(InputFileError, match="is a folder"):
        load_document(tmp_path, limit=10, what="The file")


def test_rosters_are_bounded_and_utf8_is_reported_by_line(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"participant_id,group,program,language\nP-001,g,sie,en\nP-002,gr\xfcn,sie,en\n")
    with pytest.raises(RosterError, match="line 3, column 9"):
        load_roster(path)
    path.write_text("participant_id,group,program,language\n" + "".join(
        f"P-{i:04d},g,sie,en\n" for i in range(MAX_ROWS + 1)))
    with pytest.raises(RosterError, match=f"at most {MAX_ROWS} participants"):
        load_roster(path)
    with open(path, "wb") as fh:
        fh.truncate(2**20 + 1)
    with pytest.raises(RosterError, match="the largest accepted is 1.0 MB"):
        load_roster(path)


def test_the_cli_shows_the_message_not_a_traceback(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_bytes(b"participant_id,group,program,language\nP-001,\x81,sie,en\n")
    code = cli.main(["roster", str(roster)])
    err = capsys.readouterr().err
    assert code != 0 and "line 2, column 7" in err and "CSV UTF-8" in err and "Traceback" not in err


@pytest.mark.parametrize("name, text", [("deep.yaml", "entries: " + "[" * 5000), ("deep.json", '{"entries": ' + "[" * 50000)])
def test_a_file_nested_too_deeply_is_refused_with_a_message(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(AnswersFileError, match="nested too deeply|not valid"):
        read_answers_file(path)


def test_keys_that_are_not_text_are_named_as_they_are(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("entries:\n  - exercise: signal_scan\n    answers: {1: x, yes: y}\n")
    (item,) = read_answers_file(path)          # no false alarm about Unicode: the answers are checked later
    assert item.answers == {1: "x", True: "y"}
