from datetime import date, timedelta

from securebase.core import config
from securebase.ui.patterns import PatternView
from securebase.notebook.workbook import Workbook


def test_safety_statements_add_retire_and_reuse(tmp_path):
    wb = Workbook("sie", "restructuring", client_id="C-8101", store_path=str(tmp_path / "s.db"))
    widget = wb.exercise("safety_statements")
    form_children = widget.children
    form = wb.forms["safety_statements"]
    for text in ("A slow reply is not a verdict.", "<script>alert(1)</script>"):
        form.fields["statement"].set(text)
        form.fields["status"].set("active")
        form.save_button.click()
    lists = form.extra.children[0].children[0].value
    assert "A slow reply is not a verdict." in lists and "&lt;script&gt;" in lists and "<script>" not in lists
    target = next(v for label, v in form.picker.options if "slow reply" in label)
    form.picker.value = target
    retire = form.extra.children[0].children[1].children[0]
    retire.click()
    assert "Retired" in form.status.value
    entry = wb.store.get_entry(target)
    assert entry.data["status"] == "retired" and entry.revision == 2
    html = form.extra.children[0].children[0].value
    active, retired = html.split("Retired</strong>")
    assert "slow reply" in retired and "slow reply" not in active
    form.picker.value = target
    form.extra.children[0].children[1].children[1].click()
    assert wb.store.get_entry(target).data["status"] == "active"
    assert form_children  # the panel sits inside the form widget


def test_maintenance_plan_shows_dates_from_the_start_date(tmp_path):
    start = date.today() - timedelta(days=50)
    wb = Workbook("sie", "integration", client_id="C-8102", store_path=str(tmp_path / "s.db"),
                  start_date=start.isoformat())
    wb.exercise("maintenance_plan")
    form = wb.forms["maintenance_plan"]
    panel_html = form.extra.children[0].children[1]
    assert "Save your plan" in panel_html.value
    form.fields["checkin_weekday"].set("sunday")
    form.fields["appreciation_day"].set(15)
    form.save_button.click()
    day46 = start + timedelta(days=45)
    first_sunday = day46 + timedelta(days=(6 - day46.weekday()) % 7)
    assert f"{first_sunday:%a %d %b %Y}" in panel_html.value
    assert "Relationship appreciation dialogue" in panel_html.value
    ics = config.client_dir("C-8102") / "maintenance.ics"
    assert ics.read_text().startswith("BEGIN:VCALENDAR") and f"DTSTART;VALUE=DATE:{first_sunday:%Y%m%d}" in ics.read_text()


def _journal(wb, when, trigger_type, behaviour_type, emotions, body, intensity):
    from securebase.journal.entries import save_entry

    save_entry(wb.store, wb.client_id, wb.program, "insecurity_pattern_journal", {
        "trigger": "<img src=x onerror=alert(1)> no reply", "trigger_type": trigger_type, "emotions": emotions,
        "body_sensations": body, "automatic_thoughts": "They are leaving", "behaviour": "Sent messages",
        "behaviour_type": behaviour_type, "short_term_outcome": "Relief", "long_term_cost": "More worry",
        "intensity": intensity}, occurred_at=when)


def test_pattern_view_shows_chains_and_recurring_sequences(tmp_path):
    wb = Workbook("sie", "awareness", client_id="C-8103", store_path=str(tmp_path / "s.db"))
    view = PatternView(wb)
    assert "No sequence has repeated yet" in view.sequences.value
    _journal(wb, "2026-03-01 20:00", "slow_reply", "reassurance", ["fear", "anxiety"], ["racing_heart"], 8)
    _journal(wb, "2026-03-02 20:00", "slow_reply", "reassurance", ["fear"], ["racing_heart", "shallow_breathing"], 6)
    _journal(wb, "2026-03-03 20:00", "slow_reply", "reassurance", ["anxiety", "fear"], ["racing_heart"], 7)
    _journal(wb, "2026-03-04 20:00", "criticism_conflict", "withdrawing", ["shame"], [], 5)
    view.refresh()
    seq = view.sequences.value
    assert "A reply was slow or missing &rarr; Fear, Worry or anxiety &rarr; Racing or pounding heart &rarr; " \
           "Asked for reassurance or kept messaging" in seq
    assert "3 of 4 entries" in seq and "average intensity 7.0" in seq
    assert "Criticism" not in seq  # seen once only
    chains = view.chains.value
    assert chains.count('class="sb-chain"') == 4 and "Short-term relief" in chains
    assert "<img" not in chains and "&lt;img src=x onerror=alert(1)&gt;" in chains


def test_batch_view_and_summary_include_patterns(tmp_path):
    import json

    out = tmp_path / "out"
    wb = Workbook("sie", "awareness", client_id="C-8104", store_path=str(tmp_path / "s.db"), mode="batch",
                  answers_path="tests/fixtures/sie_awareness_answers.yaml", output_dir=str(out))
    wb.exercise("insecurity_pattern_journal")
    text = repr(wb.view("patterns"))
    assert "Recurring sequences: 0" in text  # the fixture's two valid journal entries differ in response
    wb.summary()
    assert json.loads((out / "summary.json").read_text())["summary"]["patterns"] == []


# ---------------------------------------------------------------- behaviours, not exercise ids

def test_a_toy_exercise_gets_the_panel_and_derived_value_it_declares(content_copy, tmp_path):
    from securebase.ui.asb_panels import TriggerNudgePanel
    from securebase.ui.panels import panel_for, panels_for
    from toy_content import TOY_ID, add_toy_exercise

    add_toy_exercise(content_copy)  # intensity_change and trigger_nudge, in Step 1 of the sie program
    wb = Workbook("sie", "awareness", client_id="C-8105", store_path=str(tmp_path / "s.db"))
    wb.exercise(TOY_ID)
    form = wb.forms[TOY_ID]
    assert len(form.extra.children) == 1  # the nudge's (empty) box
    form.fields["trigger"].control.value = "they were distant"
    assert "distant" in form.fields["trigger"].widget.children[-1].value
    form.fields["intensity_before"].set(6)
    form.fields["intensity_after"].set(2)
    assert "Change in intensity (after - before):</strong> -4" in form.derived.value
    assert isinstance(panel_for(wb, form), TriggerNudgePanel) and len(panels_for(wb, form)) == 1
    assert panel_for(wb, wb.form("signal_scan")) is None


def test_the_pattern_view_follows_the_behaviour_not_the_exercise_id(content_copy, tmp_path):
    from securebase.journal.entries import save_entry
    from toy_content import edit_yaml

    edit_yaml(content_copy / "programs" / "sie.yaml",
              lambda d: d["phases"][0]["exercises"][0].update({"id": "toy_journal"}))
    wb = Workbook("sie", "awareness", client_id="C-8106", store_path=str(tmp_path / "s.db"))
    for day in (1, 2):
        save_entry(wb.store, wb.client_id, wb.program, "toy_journal", {
            "trigger": "no reply", "trigger_type": "slow_reply", "emotions": ["fear"], "automatic_thoughts": "Gone",
            "behaviour": "Sent messages", "behaviour_type": "reassurance", "intensity": 6}, occurred_at=f"2026-03-0{day} 20:00")
    view = PatternView(wb)
    assert view.chains.value.count('class="sb-chain"') == 2
    assert "2 of 2 entries" in view.sequences.value


def test_register_panel_refuses_unknown_and_repeated_names(monkeypatch):
    import pytest

    from securebase.ui import panels

    monkeypatch.setattr(panels, "PANELS", dict(panels.PANELS))
    with pytest.raises(KeyError, match="unknown behaviour 'confetti'"):
        panels.register_panel("confetti", panels.ListPanel)
    with pytest.raises(ValueError, match="registered already"):
        panels.register_panel("status_list", panels.ListPanel)
    from securebase.content.behaviours import BEHAVIOURS

    assert set(panels.PANELS) <= set(BEHAVIOURS)
