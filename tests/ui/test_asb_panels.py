from securebase.ui import asb_panels
from securebase import content
from securebase.journal.entries import save_entry
from securebase.ui.panels import panel_for
from securebase.notebook.workbook import Workbook

DANGER_MESSAGE = content.locale("en").text("asb_danger")
NO_REFER_MESSAGE = content.locale("en").text("asb_no_refer")


def _workbook(tmp_path, phase, client="C-8201"):
    return Workbook("asb", phase, client_id=client, store_path=str(tmp_path / "s.db"))


def _panel(wb, exercise_id):
    form = wb.form(exercise_id)
    return panel_for(wb, form), form


def _journal(wb, when, trigger, **answers):
    data = {"trigger": trigger, "response": "pursue", "intensity": 7, **answers}
    return save_entry(wb.store, wb.client_id, wb.program, "activation_journal", data, occurred_at=when)


# ---------------------------------------------------------------- dispatch

def test_each_asb_exercise_gets_its_panel_inside_the_form(tmp_path):
    wb = _workbook(tmp_path, "awareness")
    wb.exercise("activation_journal")
    form = wb.forms["activation_journal"]
    assert isinstance(form.extra.children[0], type(form.extra))  # the panel's (empty) box
    nudge = form.fields["trigger"].widget.children[-1]
    form.fields["trigger"].control.value = "they were distant"
    assert "distant" in nudge.value
    wb2 = _workbook(tmp_path, "safe_disclosure", client="C-8202")
    assert isinstance(_panel(wb2, "accusation_check")[0], asb_panels.BlameCheckPanel)
    assert isinstance(_panel(wb2, "disclosure_script")[0], asb_panels.ScriptPanel)
    wb3 = _workbook(tmp_path, "integration", client="C-8203")
    assert isinstance(_panel(wb3, "professional_help_screen")[0], asb_panels.ScreenPanel)
    assert _panel(wb3, "wins_log")[0] is None


# ---------------------------------------------------------------- activation journal

def test_trigger_nudge_shows_while_vague_and_never_blocks_saving(tmp_path):
    wb = _workbook(tmp_path, "awareness")
    panel, form = _panel(wb, "activation_journal")
    trigger = form.fields["trigger"]
    assert panel.nudge.value == "" and panel.nudge.layout.display == "none"
    trigger.control.value = "he is <b>cold</b>"
    assert '"cold" says how it felt' in panel.nudge.value.replace("&quot;", '"')
    assert "<b>" not in panel.nudge.value and panel.nudge.layout.display is None
    trigger.control.value = "they responded to my text with one word after I'd shared something vulnerable"
    assert panel.nudge.value == "" and panel.nudge.layout.display == "none"
    trigger.control.value = "they were distant"
    assert "exact moment" in panel.nudge.value or "what actually happened" in panel.nudge.value
    form.fields["response"].set("withdraw")
    form.fields["intensity"].set(5)
    form.save_button.click()
    assert "Saved" in form.status.value
    assert wb.store.current_entries(wb.client_id, exercise_id="activation_journal")[0].data["trigger"] == "they were distant"
    assert panel.nudge.value == ""  # the form is cleared after saving


# ---------------------------------------------------------------- naming the activation

def test_naming_wording_fills_the_statement_only_when_it_is_ours(tmp_path):
    wb = _workbook(tmp_path, "awareness")
    panel, form = _panel(wb, "naming_activation")
    statement = form.fields["statement"]
    assert panel.use_button.disabled and "Choose which pattern" in panel.preview.value
    form.fields["activation"].set("anxious_hyperactivation")
    panel.body.value = "my chest is <tight>"
    panel.urge.value = "text again"
    assert "I notice my anxious system is activated right now. My chest is &lt;tight&gt;." in panel.preview.value
    assert not panel.use_button.disabled
    panel.use_button.click()
    assert statement.get() == ("I notice my anxious system is activated right now. My chest is <tight>. "
                               "Part of me wants to text again.")
    assert "Put it into words" in panel.message.value
    form.fields["activation"].set("avoidant_deactivation")
    panel.use_button.click()  # still our own wording: replaced
    assert statement.get().startswith("I notice my avoidant system is shutting down right now.")
    statement.set(statement.get() + " And I'm tired.")
    form.fields["activation"].set("secure")
    panel.use_button.click()
    assert statement.get().endswith("And I'm tired.") and "left as they are" in panel.message.value
    statement.set("")
    panel.use_button.click()
    assert statement.get().startswith("I notice I'm stirred up")


# ---------------------------------------------------------------- disclosure script

def test_script_builder_fills_from_a_journal_entry_and_writes_a_draft(tmp_path):
    wb = _workbook(tmp_path, "safe_disclosure")
    _journal(wb, "2026-03-01 20:00", "No reply all evening")
    ref = _journal(wb, "2026-03-03 21:15", "They answered my text with one word after I'd shared something <img src=x>",
                   body_locations=["chest", "throat"], sensation_kind=["tightness"],
                   response_detail="Sent three more texts.", early_resonance="Waiting for my dad to call.")
    panel, form = _panel(wb, "disclosure_script")
    labels = [label for label, _v in panel.picker.options]
    assert labels[0] == "Choose an entry" and labels[1].startswith("2026-03-03 - They answered") and len(labels) == 3
    panel.fill_button.click()
    assert "Choose one of your journal entries first" in panel.fill_message.value
    form.fields["impulse"].set("to keep messaging until they answer")
    panel.picker.value = ref.entry_id
    panel.fill_button.click()
    assert form.fields["trigger"].get().startswith("They answered my text")
    assert form.fields["sensation"].get() == "a tightness in my chest and throat"
    assert form.fields["early_pattern"].get() == "Waiting for my dad to call."
    assert form.fields["impulse"].get() == "to keep messaging until they answer"  # the person's words stay
    message = panel.fill_message.value
    assert "Filled in from your entry of 2026-03-03: The trigger, What you feel in your body" in message
    assert "Left as they were" in message and "What you feel pulled to do" in message

    panel.write_button.click()
    script = form.fields["script"].get()
    assert "I notice a tightness in my chest and throat, and my first urge is to keep messaging until they answer." in script
    assert "not asking you to fix" in script and "A draft is in" in panel.write_message.value
    form.fields["early_pattern"].set("")
    panel.write_button.click()  # still our draft: rewritten
    assert "connects to" not in form.fields["script"].get()
    form.fields["script"].set("My own words.")
    form.fields["early_pattern"].set("<script>x</script>")
    panel.write_button.click()
    assert form.fields["script"].get() == "My own words."
    assert "left as it is" in panel.write_message.value
    assert "<script>" not in panel.write_message.value and "&lt;script&gt;" in panel.write_message.value
    assert "&lt;img src=x&gt;" in panel.write_message.value


def test_script_builder_handles_no_entries_and_refreshes_after_saves(tmp_path):
    wb = _workbook(tmp_path, "safe_disclosure")
    panel, form = _panel(wb, "disclosure_script")
    assert panel.picker.options == (("No activation-journal entries yet", None),)
    panel.write_button.click()
    assert "Fill in at least one of the parts" in panel.write_message.value
    ref = _journal(wb, "2026-03-02 08:00", "She left for work without saying goodbye")
    form.fields["trigger"].set("When I got home")
    form.fields["sensation"].set("a sinking feeling")
    form.fields["impulse"].set("to go quiet")
    form.fields["script"].set("I've noticed something.")
    form.save_button.click()  # any save in the workbook refreshes the list
    assert "Saved" in form.status.value
    assert [v for _l, v in panel.picker.options] == [None, ref.entry_id]
    panel.picker.value = ref.entry_id
    panel.fill_button.click()
    assert form.fields["trigger"].get() == "She left for work without saying goodbye"
    assert "2026-03-02" in panel.fill_message.value and "Left as they were" not in panel.fill_message.value


# ---------------------------------------------------------------- blame check

def test_blame_check_lists_findings_live_and_escapes_them(tmp_path):
    wb = _workbook(tmp_path, "safe_disclosure")
    panel, form = _panel(wb, "accusation_check")
    draft = form.fields["draft"]
    assert panel.findings.value == ""
    draft.control.value = "<b>You never</b> listen. You're so selfish and you don't care."
    html = panel.findings.value
    assert "&lt;b&gt;You never" not in html  # matched spans only, each escaped
    assert '"You never"' in html and '"You&#x27;re so selfish"' in html
    assert "A verdict on what kind of person they are" in html and "A guess about what they think or feel" in html
    assert "<b>" not in html
    assert form.fields["blame_signs"].get() == []  # nothing is ticked automatically
    draft.control.value = "I felt lonely when plans changed."
    assert "Nothing stood out." in panel.findings.value
    draft.control.value = ""
    assert panel.findings.value == ""


def test_blame_check_ticks_what_was_found_and_suggests_a_rewording(tmp_path):
    wb = _workbook(tmp_path, "safe_disclosure")
    panel, form = _panel(wb, "accusation_check")
    signs, revised = form.fields["blame_signs"], form.fields["revised"]
    panel.reword_button.click()
    assert "Write your first draft above first" in panel.message.value
    form.fields["draft"].control.value = "Thank you for dinner."
    panel.tick_button.click()
    assert "Nothing was found to tick" in panel.message.value and signs.get() == []
    form.fields["draft"].control.value = "You never listen to me when I talk about work. You need to put the phone down."
    signs.set(["sarcasm"])
    panel.tick_button.click()
    assert signs.get() == ["always_never", "demand", "you_complaint", "sarcasm"]
    assert "Ticked:" in panel.message.value
    panel.reword_button.click()
    assert revised.get() == ("When I talk about work and you didn't listen to me, I feel [your feeling - hurt? lonely? "
                             "worried?]. I'd like it if you could put the phone down.")
    assert "starting point" in panel.message.value and "[brackets]" in panel.message.value
    revised.set("When I talk about work I'd like you to look at me.")
    panel.reword_button.click()
    assert revised.get() == "When I talk about work I'd like you to look at me."
    assert "left as it is" in panel.message.value and "put the phone down" in panel.message.value
    form.save_button.click()
    saved = wb.store.current_entries(wb.client_id, exercise_id="accusation_check")[0].data
    assert saved["blame_signs"] == ["always_never", "demand", "you_complaint", "sarcasm"]


# ---------------------------------------------------------------- professional-help screen

def _answer(form, **answers):
    for fid, value in answers.items():
        form.fields[fid].set(value)


def test_screen_message_follows_the_answers_and_the_saved_entry(tmp_path):
    wb = _workbook(tmp_path, "integration")
    panel, form = _panel(wb, "professional_help_screen")
    assert panel.live.value == "" and panel.saved.value == ""
    _answer(form, persisted_despite_self_help=False)
    assert "Answer each question" in panel.live.value
    _answer(form, out_of_control_behaviour=False, relationship_crisis=False, significant_trauma=False)
    assert NO_REFER_MESSAGE.replace("'", "&#x27;") in panel.live.value
    _answer(form, relationship_crisis=True)
    assert "emotionally focused therapy" in panel.live.value and 'role="status"' in panel.live.value
    _answer(form, out_of_control_behaviour=True)
    assert 'role="alert"' in panel.live.value and "crisis line" in panel.live.value
    form.occurred_at.value = "2026-03-10 19:00"
    form.save_button.click()
    assert "Saved" in form.status.value
    assert panel.live.value == ""  # the form is cleared after saving
    assert "From your answers saved on 2026-03-10 19:00:" in panel.saved.value
    assert DANGER_MESSAGE.replace("'", "&#x27;") in panel.saved.value


def test_batch_screen_prints_the_referral(tmp_path):
    import yaml

    from securebase.notebook.workbook import Workbook

    answers = tmp_path / "a.yaml"
    answers.write_text(yaml.safe_dump({"entries": [{"exercise": "professional_help_screen", "occurred_at": "2026-04-01 20:00",
        "answers": {"persisted_despite_self_help": True, "out_of_control_behaviour": True,
                    "relationship_crisis": False, "significant_trauma": False}}]}))
    wb = Workbook("asb", "integration", client_id="C-4501", store_path=str(tmp_path / "s.db"), mode="batch",
                  answers_path=str(answers))
    text = repr(wb.exercise("professional_help_screen"))
    assert "new entries saved: 1; already saved earlier: 0; rejected: 0." in text
    assert "2026-04-01 20:00:" in text and "emergency" in text.lower()
