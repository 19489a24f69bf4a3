"""Widgets that look alike share their layout and style, so a page sends and builds far fewer models."""

import ipywidgets as w
from ipywidgets.widgets.widget import _instances

from securebase import content
from securebase.notebook.workbook import Workbook
from securebase.ui.styles import changed_shared, shared_layout, shared_style, text


def test_one_layout_and_style_for_each_setting():
    assert shared_layout(width="auto") is shared_layout(width="auto")
    assert shared_layout(width="auto") is not shared_layout(width="100%")
    assert shared_style(w.Button) is shared_style(w.Button)
    assert type(shared_style(w.Checkbox)).__name__ == "CheckboxStyle"
    assert shared_style(w.Text, description_width="initial").description_width == "initial"
    a, b = text("<p>a</p>"), text("<p>b</p>")
    assert a.layout is b.layout and a.style is b.style and a.value != b.value


def test_a_changed_shared_layout_is_found():
    layout = shared_layout(margin="0 0 0.1rem 0")
    layout.display = "none"
    try:
        assert [c for c in changed_shared() if "0.1rem" in c]
    finally:
        layout.display = None
    assert changed_shared() == []


def test_every_page_of_both_programs_leaves_the_shared_ones_as_made(tmp_path):
    store = str(tmp_path / "s.sqlite3")
    for program in content.programs().values():
        for phase in program.phases:
            wb = Workbook(program.id, phase.id, client_id="C-SHARE1", store_path=store)
            for exercise in phase.exercises:
                wb.exercise(exercise.id)
            wb.help()
            wb.summary()
    assert changed_shared() == []


def test_step_one_sends_half_the_models_it_did(tmp_path):
    """SIE step 1 made 506 widget models, 323 of them layouts and styles; sharing them leaves about half."""
    before = set(_instances)
    wb = Workbook("sie", "awareness", client_id="C-SHARE2", store_path=str(tmp_path / "s.sqlite3"))
    for exercise in wb.phase.exercises:
        wb.exercise(exercise.id)
    wb.help()
    wb.summary()
    made = [m for m in _instances.values() if m.model_id not in before]
    assert len(made) < 300
    assert sum(isinstance(m, (w.Layout, w.Style)) for m in made) < 100
