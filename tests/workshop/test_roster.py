"""Rosters: a good file loads; every kind of bad file is refused with all its problems named."""

from __future__ import annotations

import pytest

from securebase.workshop.roster import RosterError, load_roster, parse_roster

GOOD = """participant_id,group,program,language,start_date
P-001,tuesday,sie,en,2026-11-24
P-002,tuesday,asb,en,
P-003,thursday,sie,en,2026-11-26
"""


def test_good_roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(("\ufeff" + GOOD.replace("participant_id", " Participant_ID ")).encode())  # BOM, odd header
    r = load_roster(path)
    assert [p.participant_id for p in r.participants] == ["P-001", "P-002", "P-003"]
    assert r.groups() == ["thursday", "tuesday"] and [p.participant_id for p in r.in_group("tuesday")] == ["P-001", "P-002"]
    assert r.extra_columns == ["start_date"] and r.participants[0].extra == {"start_date": "2026-11-24"}
    assert r.participants[2].line == 4


def _problems(text: str) -> list[str]:
    with pytest.raises(RosterError) as exc:
        parse_roster(text)
    return exc.value.problems


def test_missing_columns_are_named():
    (p,) = _problems("participant_id,group\nP-001,a\n")
    assert "missing column(s) program, language" in p


def test_duplicate_column():
    problems = _problems("participant_id,group,program,language,Group\nP-001,a,sie,en,b\n")
    assert any("appears twice" in p for p in problems)


def test_every_row_problem_is_listed_with_its_line():
    text = (
        "participant_id,group,program,language\n"
        "P-001,a,sie,en\n"
        "P-001,a,sie,en\n"             # duplicate
        "Jane Smith,a,sie,en\n"         # a name, not a code
        "jane@example.org,a,sie,en\n"   # an e-mail address
        "P-004,a,dbt,en\n"              # unknown program
        "P-005,a,sie,xx\n"              # unknown language
        "P-006,,sie,en\n"               # blank group
        "P-007,a b,sie,en\n"            # group with a space
        "P-008,a,sie\n"                 # short row
    )
    problems = _problems(text)
    assert any(p.startswith("line 3:") and "already on line 2" in p for p in problems)
    assert any(p.startswith("line 4:") and "not a valid client id" in p for p in problems)
    assert any(p.startswith("line 5:") for p in problems)
    assert any(p.startswith("line 6:") and "unknown program 'dbt'" in p and "sie" in p for p in problems)
    assert any(p.startswith("line 7:") and "unknown language 'xx'" in p for p in problems)
    assert any(p.startswith("line 8:") and "blank group" in p for p in problems)
    assert any(p.startswith("line 9:") and "folder" in p for p in problems)
    assert any(p.startswith("line 10:") and "cells but the header has" in p for p in problems)
    assert len(problems) == 8  # one per bad line


def test_empty_and_header_only(tmp_path):
    assert "empty" in _problems("")[0]
    assert "no participants" in _problems("participant_id,group,program,language\n\n")[0]
    with pytest.raises(RosterError, match="the file does not exist"):
        load_roster(tmp_path / "nope.csv")
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("participant_id,group,program,language\nP-001,caf\xe9,sie,en\n".encode("latin-1"))
    with pytest.raises(RosterError, match="UTF-8"):
        load_roster(bad)


def test_message_lists_the_problems():
    with pytest.raises(RosterError) as exc:
        parse_roster("participant_id,group,program,language\nP-001,a,dbt,en\n")
    assert "1 problem(s)" in str(exc.value) and "line 2: unknown program" in str(exc.value)


@pytest.mark.parametrize("column", ["store_path", "Client_ID", " mode ", "output_dir", "database_url", "answers_path",
                                    "export_dir", "feed_url"])
def test_a_column_that_would_choose_whose_data_or_which_file_is_refused(column):
    problems = _problems(f"participant_id,group,program,language,{column}\nP-001,a,sie,en,/srv/clinic/store.db\n")
    assert problems == [f"line 1: the column {column.strip()!r} is not allowed: a roster cannot choose whose data or "
                        "which file a workbook uses (the batch sets those itself); remove the column"]


def test_ordinary_further_columns_still_pass():
    r = parse_roster("participant_id,group,program,language,start_date,path_note\nP-001,a,sie,en,2026-11-24,x\n")
    assert r.extra_columns == ["start_date", "path_note"]
