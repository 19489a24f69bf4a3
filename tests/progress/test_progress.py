"""The clinician's progress view: numbers, widgets, batch report and notebook."""

import json
import sys
from datetime import date, timedelta

import ipywidgets as w
import nbformat
import papermill as pm
import pytest

from securebase import content
from securebase.nbgen.progress import build_progress_notebook
from securebase.notebook.progress import ProgressWorkbook
from securebase.progress.compute import compute_progress, overview_html
from securebase.ui.progress import OverrideControl
from securebase.notebook.parameters import ParameterError
from report_pages import without_print_script

START = date(2026, 3, 2)  # day 1


def on_day(n: int, hour: int = 20) -> str:
    return f"{START + timedelta(days=n - 1)}T{hour:02d}:00:00"


def add(store, program, client_id, exercise_id, day, data, hour=20):
    phase, _ = program.find_exercise(exercise_id)
    return store.add_entry(
        client_id, program_id=program.id, phase_id=phase.id, exercise_id=exercise_id,
        content_version=program.version, data=data, occurred_at=on_day(day, hour),
    )


def progress_of(store, program, client_id, today_day):
    client = store.require_client(client_id)
    entries = store.current_entries(client_id)
    return compute_progress(program, client, entries, START + timedelta(days=today_day - 1))


def phase(progress, phase_id):
    return next(p for p in progress["phases"] if p["id"] == phase_id)


@pytest.fixture
def started(store):
    return store.ensure_client("C-1101", program_id="sie", start_date=START)


# ---------------------------------------------------------------- compute_progress


def test_completion_and_adherence_by_phase_window(store, sie, started):
    for day, hour in [(1, 12), (1, 21), (2, 12), (3, 9), (3, 12), (3, 21), (9, 12)]:
        add(store, sie, "C-1101", "signal_scan", day, {"slot": "midday", "felt_safety": 5}, hour)
    add(store, sie, "C-1101", "insecurity_pattern_journal", 2, {"intensity": 7})
    add(store, sie, "C-1101", "acceptance_practice", 9, {"intensity_before": 6, "intensity_after": 3})

    progress = progress_of(store, sie, "C-1101", today_day=10)

    assert progress["position"] == {
        "phase_id": "acceptance", "unit": 10, "day": 10, "source": "start_date", "scheduled_phase_id": "acceptance",
    }
    assert [p["status"] for p in progress["phases"]] == ["done", "current", "upcoming", "upcoming", "upcoming"]
    awareness = phase(progress, "awareness")
    assert awareness["window"] == {
        "unit": "days", "start": 1, "end": 7, "first_day": "2026-03-02", "last_day": "2026-03-08",
    }
    scan = awareness["completion"]["exercises"]["signal_scan"]
    assert (scan["count"], scan["days"]) == (7, 4)
    # twice daily over the 7 days of the window: 14 expected; day 1: 2, day 2: 1, day 3: 3 capped at 2;
    # the scan on day 9 is outside the window
    assert scan["schedule"] == {"per_day": 2.0, "days": 7, "done": 5, "expected": 14, "adherence": round(5 / 14, 3)}
    assert awareness["completion"]["fraction"] == 1.0
    assert awareness["completion"]["adherence"] == round(5 / 14, 3)
    acceptance = phase(progress, "acceptance")["completion"]
    assert (acceptance["exercises_used"], acceptance["exercises_total"], acceptance["fraction"]) == (1, 2, 0.5)
    assert acceptance["adherence"] is None  # nothing scheduled daily in this step
    values = phase(progress, "values_action")["completion"]
    assert values["exercises"]["gratitude_log"]["schedule"]["expected"] == 0  # not started yet
    assert values["fraction"] == 0.0 and values["adherence"] is None


def test_with_homework_adherence_is_measured_against_what_was_set(store, sie, started):
    from securebase.homework import assign
    from securebase.progress.compute import overview_lines

    today = START + timedelta(days=9)                                          # day 10
    assign(store, sie, "C-1101", "acceptance_practice", frequency="daily", until=START + timedelta(days=20),
           today=START + timedelta(days=7), starts_on=START + timedelta(days=7))   # from day 8
    for day in (8, 10):
        add(store, sie, "C-1101", "acceptance_practice", day, {"intensity_before": 6, "intensity_after": 3})
    add(store, sie, "C-1101", "signal_scan", 9, {"slot": "midday", "felt_safety": 5})   # not set: not counted
    client = store.require_client("C-1101")
    progress = compute_progress(sie, client, store.current_entries("C-1101"), today, store.assignments("C-1101"))
    block = progress["homework"]
    assert (block["done"], block["expected"]) == (2, 3)                        # days 8 and 10 done, 9 missed
    assert block["assignments"][0]["title"] == sie.find_exercise("acceptance_practice")[1].title
    html = overview_html(sie, progress)
    assert "Homework: 2 of 3 set practices done (67%)." in html
    assert html.index("Homework:") < html.index("Scheduled practice")
    assert any(line.startswith("Homework: 2 of 3") for line in overview_lines(sie, progress))
    assert progress_of(store, sie, "C-1101", today_day=10)["homework"] is None   # without assignments, none


def test_daily_practice_in_the_current_phase_is_clipped_to_today(store, sie, started):
    for day in (22, 23, 23, 25):
        add(store, sie, "C-1101", "gratitude_log", day, {"items": ["a", "b", "c"]})
    progress = progress_of(store, sie, "C-1101", today_day=25)
    gratitude = phase(progress, "values_action")["completion"]["exercises"]["gratitude_log"]["schedule"]
    assert gratitude == {"per_day": 1.0, "days": 4, "done": 3, "expected": 4, "adherence": 0.75}


def test_every_exercise_is_listed_with_count_zero_when_there_are_no_entries(store, sie, started):
    progress = progress_of(store, sie, "C-1101", today_day=1)
    all_ids = [e.id for p in sie.phases for e in p.exercises]
    assert list(progress["exercises"]) == all_ids
    assert all(progress["exercises"][ex]["count"] == 0 for ex in all_ids)
    assert progress["exercises"]["signal_scan"] == {
        "title": "Safety and threat signal scan", "phase_id": "awareness", "count": 0, "first": None, "last": None,
    }
    assert progress["intensity_trend"]["days"] == [] and progress["intensity_trend"]["slope_per_week"] is None
    assert progress["prediction_errors"] == {"points": [], "n": 0, "mean": None, "slope_per_week": None}
    assert progress["derived_means"] == {}


def test_exercise_index_counts_and_first_and_last_days(store, sie, started):
    for day in (3, 1, 5):
        add(store, sie, "C-1101", "insecurity_pattern_journal", day, {"intensity": 5})
    entry = add(store, sie, "C-1101", "insecurity_pattern_journal", 6, {"intensity": 5})
    store.delete_entry(entry.entry_id)
    journal = progress_of(store, sie, "C-1101", today_day=8)["exercises"]["insecurity_pattern_journal"]
    assert (journal["count"], journal["first"], journal["last"]) == (3, "2026-03-02", "2026-03-06")


def test_intensity_trend_uses_every_intensity_tagged_rating(store, sie, started):
    add(store, sie, "C-1101", "insecurity_pattern_journal", 1, {"intensity": 8})
    add(store, sie, "C-1101", "insecurity_pattern_journal", 2, {"intensity": 8})
    # intensity_before is tagged; intensity_after is not and must not count
    add(store, sie, "C-1101", "acceptance_practice", 2, {"intensity_before": 6, "intensity_after": 0})
    add(store, sie, "C-1101", "signal_scan", 2, {"felt_safety": 0})  # untagged rating
    add(store, sie, "C-1101", "grounding_54321", 3, {"intensity_before": 6})
    trend = progress_of(store, sie, "C-1101", today_day=3)["intensity_trend"]
    # daily means 8, 7, 6: one point less per day, seven per week
    assert trend["days"] == [
        {"date": "2026-03-02", "mean": 8.0, "rolling_mean_7d": 8.0},
        {"date": "2026-03-03", "mean": 7.0, "rolling_mean_7d": 7.5},
        {"date": "2026-03-04", "mean": 6.0, "rolling_mean_7d": 7.0},
    ]
    assert trend["slope_per_week"] == -7.0
    assert trend["fields"]["acceptance_practice"] == ["intensity_before"]


def test_rolling_mean_covers_seven_calendar_days_and_a_trend_needs_three_days(store, sie, started):
    add(store, sie, "C-1101", "insecurity_pattern_journal", 1, {"intensity": 9})
    add(store, sie, "C-1101", "insecurity_pattern_journal", 9, {"intensity": 3})
    trend = progress_of(store, sie, "C-1101", today_day=9)["intensity_trend"]
    assert trend["days"][1]["rolling_mean_7d"] == 3.0  # day 1 is more than 6 days before day 9
    assert trend["slope_per_week"] is None


def test_prediction_errors_and_their_trend(store, sie, started):
    for day, predicted, actual in [(22, 8, 3), (23, 7, 4), (25, 6, 5)]:
        add(store, sie, "C-1101", "behavioural_experiment", day,
            {"predicted_intensity": predicted, "actual_intensity": actual, "feared_prediction": "SECRET-TEXT"})
    add(store, sie, "C-1101", "behavioural_experiment", 26, {"predicted_intensity": 9})  # not done yet
    progress = progress_of(store, sie, "C-1101", today_day=26)
    errors = progress["prediction_errors"]
    assert errors["points"] == [
        {"date": "2026-03-23", "predicted": 8, "actual": 3, "error": 5},
        {"date": "2026-03-24", "predicted": 7, "actual": 4, "error": 3},
        {"date": "2026-03-26", "predicted": 6, "actual": 5, "error": 1},
    ]
    # least squares through (0, 5), (1, 3), (3, 1): slope -6 / (42/9) = -9/7 per day = -9 per week
    assert errors["slope_per_week"] == -9.0 and errors["mean"] == 3.0 and errors["n"] == 3
    assert progress["derived_means"] == {
        "behavioural_experiment": {
            "prediction_error": {"label": "Prediction error (predicted - felt)", "n": 3, "mean": 3.0},
        },
    }
    assert "SECRET-TEXT" not in json.dumps(progress, allow_nan=False)  # JSON-safe and free of client text


def test_derived_text_values_never_reach_the_result(store, sie, started):
    add(store, sie, "C-1101", "defusion", 16, {"thought": "SECRET-THOUGHT", "how_believable_before": 80})
    progress = progress_of(store, sie, "C-1101", today_day=16)
    assert "defusion" not in progress["derived_means"]
    assert "SECRET" not in json.dumps(progress)


def test_override_decides_the_current_phase(store, sie, started):
    store.update_client("C-1101", phase_override="restructuring")
    progress = progress_of(store, sie, "C-1101", today_day=10)
    assert progress["position"]["phase_id"] == "restructuring"
    assert progress["position"]["source"] == "override"
    assert progress["position"]["scheduled_phase_id"] == "acceptance"
    assert [p["status"] for p in progress["phases"]] == ["done", "done", "current", "upcoming", "upcoming"]


def test_an_override_from_another_program_is_ignored(store, sie, started):
    store.update_client("C-1101", phase_override="co_creation")  # an asb phase
    assert progress_of(store, sie, "C-1101", today_day=10)["position"]["source"] == "start_date"


def test_entries_of_another_program_do_not_count(store, sie, started):
    add(store, content.program("asb"), "C-1101", "daily_checkin", 46, {"felt_connected": 7})
    assert progress_of(store, sie, "C-1101", today_day=47)["exercises"]["daily_checkin"]["count"] == 0


def test_entries_after_today_do_not_count(store, sie, started):
    add(store, sie, "C-1101", "insecurity_pattern_journal", 3, {"intensity": 5})
    add(store, sie, "C-1101", "insecurity_pattern_journal", 5, {"intensity": 5})
    progress = progress_of(store, sie, "C-1101", today_day=4)  # progress as it was on day 4
    assert progress["exercises"]["insecurity_pattern_journal"]["count"] == 1
    assert len(progress["intensity_trend"]["days"]) == 1


def test_week_windows_of_asb(store):
    asb = content.program("asb")
    store.ensure_client("C-1102", program_id="asb", start_date=START)
    progress = progress_of(store, asb, "C-1102", today_day=24)  # week 4
    assert progress["position"]["phase_id"] == "co_creation" and progress["position"]["unit"] == 4
    assert phase(progress, "co_creation")["window"] == {
        "unit": "weeks", "start": 4, "end": 6, "first_day": "2026-03-23", "last_day": "2026-04-12",
    }
    assert set(progress["exercises"]) == {e.id for p in asb.phases for e in p.exercises}


# ---------------------------------------------------------------- the notebook object


def make_workbook(tmp_path, mode="interactive", client_id="C-1201", today="2026-03-11", **kwargs):
    return ProgressWorkbook("sie", client_id=client_id, store_path=str(tmp_path / "s.sqlite3"), mode=mode,
                            output_dir=str(tmp_path / "out"), today=today, **kwargs)


def test_override_widget_updates_the_store_and_the_overview(tmp_path):
    pw = make_workbook(tmp_path)
    pw.store.update_client("C-1201", start_date=START)
    pw.refresh()
    overview = pw.overview()
    image = pw.plots()
    assert isinstance(overview, w.HTML) and isinstance(image, w.HTML)
    assert image.value.startswith("<img alt=\"Charts of") and "data:image/png;base64,iVBORw0KGgo" in image.value
    assert "Day 10 · Step 2: Acceptance" in overview.value
    assert isinstance(pw.override(), w.VBox)

    control = OverrideControl(pw)
    assert control.dropdown.value == "" and control.dropdown.options[0] == ("Use start date", "")
    control.dropdown.value = "restructuring"
    control.apply_button.click()
    assert pw.store.get_client("C-1201").phase_override == "restructuring"
    assert "Step 3: Restructuring (set by the clinician; by date: Step 2: Acceptance)" in overview.value
    assert control.status.value.startswith("Now: Day 10 · Step 3: Restructuring")

    control.dropdown.value = ""  # back to the start date
    control.apply_button.click()
    assert pw.store.get_client("C-1201").phase_override is None
    assert "Day 10 · Step 2: Acceptance</p>" in overview.value


def test_overview_html_escapes_content_text(sie, store, started):
    bad = hostile(sie)
    html = overview_html(bad, compute_progress(bad, started, [], START))
    assert "<img" not in html and "<b onclick" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_batch_mode_creates_no_widgets_and_writes_the_report(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # any widget import would fail
    pw = make_workbook(tmp_path, mode="batch")
    add(pw.store, pw.program, "C-1201", "insecurity_pattern_journal", 10, {"intensity": 6})
    pw.refresh()
    assert "Day 1 · Step 1: Awareness" in repr(pw.overview())
    assert "Intensity: rated on 1 day(s)" in repr(pw.plots())
    assert repr(pw.override()) == "Current position: Day 1 · Step 1: Awareness"
    assert "progress.json, progress.html, progress.png" in repr(pw.report())
    out = tmp_path / "out"
    result = json.loads((out / "progress.json").read_text())
    assert result["exercises"]["insecurity_pattern_journal"]["count"] == 1
    assert (out / "progress.png").read_bytes()[:4] == b"\x89PNG"
    page = (out / "progress.html").read_text()
    assert "Content-Security-Policy" in page and "default-src 'none'" in page and "<script" not in without_print_script(page)


def test_batch_handout_cell_writes_files_without_widgets(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    pw = make_workbook(tmp_path, mode="batch", handout_since="2026-03-05", clinician_note="<script>x</script>")
    add(pw.store, pw.program, "C-1201", "insecurity_pattern_journal", 8, {"intensity": 6})   # 2026-03-09
    add(pw.store, pw.program, "C-1201", "insecurity_pattern_journal", 2, {"intensity": 9})   # before the window
    text = repr(pw.handout())
    folder = tmp_path / "out" / "handout-2026-03-11"
    assert text.startswith(f"Handout written to {folder}: handout.html, handout.pdf")
    page = (folder / "handout.html").read_text()
    assert "You made 1 entry in this time." in page and "2026-03-05 to 2026-03-11" in page
    assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_handout_since_after_today_is_refused(tmp_path):
    with pytest.raises(ParameterError, match="handout_since .* is after today"):
        make_workbook(tmp_path, handout_since="2026-03-12")


def test_handout_widget_writes_with_the_chosen_window_and_note(tmp_path):
    from securebase.ui.handout import HandoutControl

    pw = make_workbook(tmp_path)
    add(pw.store, pw.program, "C-1201", "insecurity_pattern_journal", 8, {"intensity": 6})
    assert isinstance(pw.handout(), w.VBox)
    control = HandoutControl(pw)
    assert control.since.value == date(2026, 3, 4)                 # 7 days before today by default
    assert control.status.value == ""                              # nothing to say before a click
    control.since.value = date(2026, 3, 9)
    control.note.value = "<img src=x onerror=alert(1)> see you Tuesday"
    control.button.click()
    folder = tmp_path / "out" / "handout-2026-03-11"
    assert control.status.value.startswith('<p role="status">Handout written.</p>')
    assert f"<span class='sb-file-path'>{folder / 'handout.html'}</span>" in control.status.value  # outside the data folder
    page = (folder / "handout.html").read_text()
    assert "2026-03-09 to 2026-03-11" in page and "&lt;img src=x onerror=alert(1)&gt; see you Tuesday" in page

    control.since.value = None                                      # cleared: the default window
    control.button.click()
    assert "2026-03-04 to 2026-03-11" in (folder / "handout.html").read_text()


def test_handout_widget_reports_a_failure_and_keeps_the_note(tmp_path, monkeypatch):
    from securebase.ui.handout import HandoutControl

    pw = make_workbook(tmp_path)
    control = HandoutControl(pw)
    control.note.value = "important note"

    def fail(**kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(pw, "write_handout", fail)
    control.button.click()
    assert control.status.value == ('<p role="alert" class="sb-problem">The handout was not written: '
                                    'No space left on device</p>')
    assert control.note.value == "important note"


def hostile(program):
    """The program with markup in an exercise title, a phase title and a layer."""
    first = program.phases[0]
    exercise = first.exercises[0].model_copy(update={"title": "<script>alert(1)</script>"})
    first = first.model_copy(update={
        "title": "<img src=x onerror=alert(1)>", "layer": "<b onclick=alert(1)>layer</b>",
        "exercises": (exercise, *first.exercises[1:]),
    })
    return program.model_copy(update={"phases": (first, *program.phases[1:])})


def test_report_escapes_content_text(tmp_path, monkeypatch):
    bad = hostile(content.program("sie"))
    monkeypatch.setattr(content, "program", lambda program_id: bad)
    make_workbook(tmp_path, mode="batch").report()
    page = (tmp_path / "out" / "progress.html").read_text()
    assert "<script" not in without_print_script(page).lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "<b onclick" not in page


def test_default_output_dir_is_in_the_client_folder(tmp_path, _isolated_home):
    pw = ProgressWorkbook("sie", client_id="C-1202", store_path=str(tmp_path / "s.sqlite3"), mode="batch")
    assert pw.output_dir == _isolated_home.resolve() / "clients" / "C-1202" / "reports" / "sie" / "progress"


def test_asb_progress_in_batch(tmp_path):
    pw = ProgressWorkbook("asb", client_id="C-1203", store_path=str(tmp_path / "s.sqlite3"), mode="batch",
                          output_dir=str(tmp_path / "out"), today="2026-03-02")
    assert "Week 1 · Phase 1: Awareness" in repr(pw.overview())
    pw.report()
    assert json.loads((tmp_path / "out" / "progress.json").read_text())["exercises"]["wins_log"]["count"] == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"mode": "fast"}, "mode must be 'interactive' or 'batch'"),
        ({"client_id": "Sarah Smith"}, "not a valid client id"),
        ({"today": "yesterday"}, "today 'yesterday' is not a date"),
        ({"program_id": "nope"}, "unknown program 'nope'"),
    ],
)
def test_bad_parameters_are_explained(tmp_path, kwargs, message):
    params = {"program_id": "sie", "client_id": "C-1204", "store_path": str(tmp_path / "s.sqlite3"), **kwargs}
    with pytest.raises(ParameterError, match=message):
        ProgressWorkbook(params.pop("program_id"), **params)


def test_set_override_refuses_an_unknown_phase(tmp_path):
    with pytest.raises(ParameterError, match="'co_creation' is not a step"):
        make_workbook(tmp_path).set_override("co_creation")


# ---------------------------------------------------------------- the notebook


def test_progress_notebook_shape(sie):
    nb = build_progress_notebook(sie)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata["tags"] == ["parameters"]
    assert all(":" in line for line in code[0].source.splitlines()[1:]), "parameters must be typed"
    assert [c.source for c in code[2:]] == ["pw.safety()", "pw.overview()", "pw.plots()", "pw.homework()", "pw.override()",
                                            "pw.assessments()", "pw.report()", "pw.handout()"]
    assert [c.id for c in nb.cells] == [c.id for c in build_progress_notebook(sie).cells]
    assert not any(c.source.rstrip().endswith(";") for c in nb.cells)
    nbformat.validate(nb)


def test_progress_notebook_runs_in_batch_with_papermill(sie, tmp_path):
    store_path = tmp_path / "s.sqlite3"
    pw = ProgressWorkbook("sie", client_id="C-6001", store_path=str(store_path), mode="batch", today=str(START))
    add(pw.store, sie, "C-6001", "insecurity_pattern_journal", 1, {"intensity": 7})
    pw.store.close()
    notebook = tmp_path / "progress.ipynb"
    nbformat.write(build_progress_notebook(sie), notebook)
    out_dir = tmp_path / "report"
    pm.execute_notebook(
        str(notebook), str(tmp_path / "executed.ipynb"), kernel_name="python3", progress_bar=False,
        parameters={"client_id": "C-6001", "store_path": str(store_path), "mode": "batch",
                    "output_dir": str(out_dir), "today": "2026-03-04", "handout_since": "2026-03-01",
                    "clinician_note": "Keep the <b>journal</b> going."},
        kernel_manager_class="securebase.core.kernel_transport.IPCKernelManager",
    )
    handout = (out_dir / "handout-2026-03-04" / "handout.html").read_text()
    assert "Keep the &lt;b&gt;journal&lt;/b&gt; going." in handout and "2026-03-01 to 2026-03-04" in handout
    assert (out_dir / "handout-2026-03-04" / "handout.pdf").read_bytes().startswith(b"%PDF-")
    result = json.loads((out_dir / "progress.json").read_text())
    assert result["exercises"]["insecurity_pattern_journal"]["count"] == 1
    assert result["position"]["day"] == 3
    executed = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                   for c in executed.cells for o in c.get("outputs", [])), "batch mode must not create widgets"


def test_assessments_over_time_with_reliable_change(tmp_path):
    from securebase.content import scales
    from securebase.intake.assessments import save_assessment

    check = scales.instrument("relationship_check")
    pw = make_workbook(tmp_path, mode="batch", today="2026-03-20")
    assert "not taken yet" in repr(pw.assessments())
    pw.store.update_client("C-1201", start_date=START)

    def level(anxiety):
        return {i.id: (8 - anxiety if i.reverse else anxiety) if i.subscale == "anxiety" else 4 for i in check.items}

    save_assessment(pw.store, "C-1201", check, level(6), administered_at="2026-03-02T10:00:00")
    save_assessment(pw.store, "C-1201", check, level(3), occasion="milestone", administered_at="2026-03-10T10:00:00")
    text = repr(pw.assessments())
    assert "taken 2 time(s)" in text and "2026-03-02 (intake): Worry about closeness 6" in text
    assert "Worry about closeness -3, RCI -4.98 (reliable)" in text
    assert "Due again: it has not been repeated since Step 3: Restructuring began." in text


def test_safety_flags_in_the_clinician_view_and_report(tmp_path):
    from securebase.journal.entries import save_entry
    from securebase.ui.safety import ClearFlagControl

    pw = make_workbook(tmp_path)
    save_entry(pw.store, "C-1201", pw.program, "insecurity_pattern_journal", {
        "trigger": "He said he would kill me if I left.", "trigger_type": "other", "emotions": ["fear"],
        "automatic_thoughts": "I'm not safe.", "behaviour": "Stayed quiet.", "intensity": 9}, occurred_at="2026-03-09 21:00")
    pw.refresh()
    assert pw.progress["safety"]["open"] == 1
    control = ClearFlagControl(pw)
    assert "Safety flags: 1 open, 0 cleared." in control.list.value and "abuse or danger" in control.list.value
    pw.write_report()
    page = (tmp_path / "out" / "progress.html").read_text()
    assert "Safety flags: 1 open" in page and "kill me" not in page        # categories only, never the text
    assert "Crisis resources" in page and "0808 2000 247" in page           # the abuse helpline among them
    assert "Crisis resources to go over with the client" in control.list.value
    control.button.click()                                                  # no reason given
    assert "Not cleared: Say why" in control.message.value and pw.progress["safety"]["open"] == 1
    control.reason.value = "Discussed in session; safety plan and refuge number given."
    control.button.click()
    assert pw.progress["safety"] == {**pw.progress["safety"], "open": 0, "cleared": 1}
    assert control.picker.layout.display == "none"
    batch = make_workbook(tmp_path, mode="batch")
    assert "cleared" in repr(batch.safety()) and "Discussed in session" in repr(batch.safety())


def test_a_days_axis_starts_at_zero_and_spans_a_day_even_with_nothing_to_count():
    from securebase.progress.plots import days_axis_end

    assert days_axis_end([0, 0], [0, 0], [0, 0]) == 1        # not an axis from -0.04 to 0.04 days
    assert days_axis_end([2, 1], [3, 0], [4, 1]) == 5        # the longest bar: 2 on time + 3 late
    assert days_axis_end([], [], []) == 1


def test_asb_intensity_trend_comes_from_the_activation_journal(store):
    asb = content.program("asb")
    store.ensure_client("C-1300", program_id="asb", start_date=START)
    for day, value in ((1, 8), (3, 7), (5, 5), (8, 4)):
        add(store, asb, "C-1300", "activation_journal", day, {"intensity": value})
    progress = progress_of(store, asb, "C-1300", 9)
    trend = progress["intensity_trend"]
    assert trend["fields"] == {"activation_journal": ["intensity"]}
    assert [d["mean"] for d in trend["days"]] == [8, 7, 5, 4] and trend["slope_per_week"] < 0
    from securebase.progress.compute import headline_lines

    lines = headline_lines(progress)
    assert lines[0].startswith("Intensity: ") and "points per week over 4 days" in lines[0]
    assert not any("Prediction errors" in line for line in lines)      # ASB has no behavioural experiments


def test_the_figure_leaves_out_panels_a_program_can_never_fill(store):
    from PIL import Image
    import io

    from securebase.progress.plots import chart_description, chart_panels, progress_png

    asb, sie = content.program("asb"), content.program("sie")
    store.ensure_client("C-1301", program_id="asb", start_date=START)
    store.ensure_client("C-1302", program_id="sie", start_date=START)
    asb_progress, sie_progress = progress_of(store, asb, "C-1301", 3), progress_of(store, sie, "C-1302", 3)
    assert chart_panels(asb_progress, asb) == ["completion", "intensity"]
    assert chart_panels(sie_progress, sie) == ["completion", "intensity", "experiments"]
    assert "behavioural experiments" not in chart_description(asb_progress, asb)
    assert chart_description(sie_progress, sie).endswith("intensity ratings over time and prediction errors of "
                                                           "behavioural experiments")
    asb_size = Image.open(io.BytesIO(progress_png(asb_progress, asb))).size
    sie_size = Image.open(io.BytesIO(progress_png(sie_progress, sie))).size
    assert asb_size[0] == sie_size[0] and asb_size[1] < sie_size[1] * 0.8      # two panels, not three
