"""Home page widgets: everything escaped, new clients appear at once, search, archive (with a confirm
step), private labels and linking a couple from the page."""

from __future__ import annotations

import stat
from datetime import date

import pytest

from securebase.progress.caseload import ClientRow, Link
from securebase.ui.home import HomePage, table_html


def test_table_escapes_everything():
    row = ClientRow("C-1<b>X", "<script>alert(1)</script>", "step", 0, (), "", [Link("a'b", "../x.ipynb?client_id=<")])
    page = table_html([[row]], {"C-1<b>X": "<img src=x onerror=alert(1)>"})
    assert "<script>" not in page and "&lt;script&gt;" in page and "C-1&lt;b&gt;X" in page
    assert "client_id=&lt;" in page and "a&#x27;b" in page
    assert "<img" not in page and "&lt;img src=x" in page


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SECUREBASE_HOME", str(tmp_path / "home"))
    return HomePage(store_path=str(tmp_path / "s.db"), today=date(2026, 11, 23), labels_file=str(tmp_path / "labels.json"))


def _add(home, n: int = 1) -> list[str]:
    ids = []
    for _ in range(n):
        home.program.value = "sie"
        home.create_button.click()
        ids.append(home.message.value.split()[2].rstrip("."))
    return ids


def test_add_a_client_and_see_it(home):
    assert "No clients yet" in home.table.value
    (client_id,) = _add(home)
    assert home.message.value.startswith("Added client C-")
    assert client_id in home.table.value and "Day 1: Step 1: Awareness" in home.table.value
    for widget in (home.program, home.start, home.search, home.flags, home.program_filter, home.step_filter,
                   home.show, home.sort, home.client, home.label, home.partner_a, home.partner_b):
        assert widget.description  # every field has a label


def test_search_and_a_label(home, tmp_path):
    a, b = _add(home, 2)
    home.client.value = a
    home.label.value = "Tues <3pm>"
    home.label_button.click()
    assert "saved" in home.client_message.value and "Tues &lt;3pm&gt;" in home.table.value
    assert stat.S_IMODE((tmp_path / "labels.json").stat().st_mode) == 0o600
    home.search.value = "tues"
    assert a in home.table.value and b not in home.table.value and "Showing 1 of 2" in home.count.value
    home.search.value = "no such client"
    assert "No client matches" in home.table.value
    home.search.value = "y" * 300
    assert len(home.search.value) == 40
    home.search.value = ""
    home.label.value = "x" * 41
    home.label_button.click()
    assert "at most 40 characters" in home.client_message.value and "role='alert'" in home.client_message.value
    home.label.value = ""
    home.label_button.click()
    assert "removed" in home.client_message.value and "Tues" not in home.table.value


def test_archive_asks_first_and_can_be_undone(home):
    a, b = _add(home, 2)
    home.client.value = a
    home.archive_button.click()
    assert home.archive_confirm.shown and "Archive" in home.archive_confirm.question.value
    home.archive_confirm.no.click()
    assert not home.archive_confirm.shown and a in home.table.value
    home.archive_button.click()
    home.archive_confirm.yes.click()
    assert a not in home.table.value and "1 archived, not shown" in home.count.value
    assert home.store.archived_client_ids() == {a}
    assert home.archive_button.description == "Bring back from the archive"
    home.show.value = "archived"
    assert a in home.table.value and b not in home.table.value and "archived" in home.table.value
    home.archive_button.click()
    assert home.store.archived_client_ids() == set() and "back in the list" in home.client_message.value
    home.show.value = "active"
    assert a in home.table.value and home.store.count_entries(a) == 0 and home.store.get_client(a)


def test_link_a_couple_from_the_page(home):
    a, b, c = _add(home, 3)
    home.couple_button.click()
    assert "Choose both partners" in home.couple_message.value
    home.partner_a.value, home.partner_b.value = a, a
    home.couple_button.click()
    assert "two different clients" in home.couple_message.value and not home.couple_confirm.shown
    home.partner_b.value = b
    home.couple_button.click()
    assert home.couple_confirm.shown
    home.couple_confirm.yes.click()
    assert "Linked" in home.couple_message.value and home.partner_a.value == home.partner_b.value == ""
    dyad = home.store.active_dyad(a)
    assert dyad.members == (a, b)
    assert f"Couple {dyad.dyad_id}: {a} and {b}" in home.table.value and "partner of" in home.table.value
    home.partner_a.value, home.partner_b.value = c, b
    home.couple_button.click()
    assert f"{b} is already linked with {a} in couple {dyad.dyad_id}" in home.couple_message.value
    home.client.value = c
    home.archive_button.click()
    home.archive_confirm.yes.click()
    assert c not in dict(home.partner_a.options).values()     # an archived client is not offered
    actions = [x["action"] for x in home.store.audit_log()]
    assert actions.count("couple_link") == 2 and "client_archive" in actions


def test_the_link_itself_rechecks(home):
    a, b, c = _add(home, 3)
    home.partner_a.value, home.partner_b.value = a, b
    home.couple_button.click()
    from securebase.couples.dyads import link_couple

    link_couple(home.store, b, c)              # linked elsewhere (the CLI) while the page waited
    home.couple_confirm.yes.click()
    assert "Not linked" in home.couple_message.value and "already linked" in home.couple_message.value
    assert home.store.active_dyad(a) is None


def test_the_client_picker_follows_the_search(home):
    a, b, c = _add(home, 3)
    home.client.value = ""          # (with one client in all, it was picked)
    assert len(home.client.options) == 4
    home.search.value = b
    assert home.client.value == b and [v for _n, v in home.client.options] == ["", b]   # the one shown is picked
    home.archive_button.click()
    home.archive_confirm.yes.click()
    assert b not in home.table.value and home.client.value == b                         # kept, to bring back at once
    assert home.archive_button.description == "Bring back from the archive"
    home.search.value = ""
    assert [v for _n, v in home.client.options] == ["", *sorted([a, c]), b]


def test_plain_rows_keep_partners_together():
    a = ClientRow("C-PA1", "", "", 0, (), "", dyad_id="D-X1", partner_id="C-PB1", couple_role="A")
    b = ClientRow("C-PB1", "", "", 0, (), "", dyad_id="D-X1", partner_id="C-PA1", couple_role="B")
    solo = ClientRow("C-SO1", "", "", 0, (), "")
    page = table_html([a, solo, b])
    assert page.count("<tbody") == 2 and "Couple D-X1: C-PA1 and C-PB1" in page and "not shown" not in page
    assert "partner C-PB1 is not shown: archived" in table_html([[a]])
