"""Home page widgets: everything escaped, new clients appear at once."""

from __future__ import annotations

from datetime import date

from securebase.progress.caseload import ClientRow, Link
from securebase.ui.home import HomePage, table_html


def test_table_escapes_everything():
    row = ClientRow("C-1<b>X", "<script>alert(1)</script>", "step", 0, (), "", [Link("a'b", "../x.ipynb?client_id=<")])
    page = table_html([row])
    assert "<script>" not in page and "&lt;script&gt;" in page and "C-1&lt;b&gt;X" in page
    assert "client_id=&lt;" in page and "a&#x27;b" in page


def test_add_a_client_and_see_it(tmp_path):
    home = HomePage(store_path=str(tmp_path / "s.db"), today=date(2026, 11, 23))
    assert "No clients yet" in home.table.value
    home.program.value = "sie"
    home.create_button.click()
    assert home.message.value.startswith("Added client C-")
    client_id = home.message.value.split()[2].rstrip(".")
    assert client_id in home.table.value and "Day 1 of Security" in home.table.value
    for widget in (home.program, home.start):
        assert widget.description  # every field has a label
