from types import SimpleNamespace

import pytest

from securebase import content
from securebase.journal.disclosure import (
    BLAME_KINDS,
    activation_statement,
    build_script,
    check_accusations,
    found_kinds,
    journal_choices,
    referral_message,
    screen_lines,
    script_parts,
    suggest_rewording,
    trigger_nudge,
)

EN = content.locale("en")
DANGER_MESSAGE = EN.text("asb_danger")
NO_REFER_MESSAGE = EN.text("asb_no_refer")
SCRIPT_CLOSING = EN.text("asb_script_closing")
UNANSWERED_MESSAGE = EN.text("asb_unanswered")

# ---------------------------------------------------------------- trigger nudge

VAGUE_TRIGGERS = [
    "they were distant",
    "He is cold",
    "She doesn't care",
    "always ignoring me",
    "I felt rejected",
    "argument",
    "Things were tense between us again",
    "My partner seemed uninterested in me and kind of dismissive about everything",
    "He was being weird with me all evening and I could tell something was off",
    "She was in a mood and shut me out completely for no reason",
    "He always looks at his phone when I talk to him",
    "They keep pushing me away whenever I try to get close",
    "He wasn't there for me when I needed him",
]

SPECIFIC_TRIGGERS = [
    "they responded to my text with one word after I'd shared something vulnerable",
    "I asked if we could plan the weekend and they said 'whatever you want' without looking up from the laptop.",
    "At dinner tonight I told him about my promotion and he kept scrolling on his phone.",
    "She didn't reply to my message for three hours after I said I was nervous about the interview.",
    'He said "I need some space" and went into the other room and shut the door.',
    "I got home at 7 and she was already in bed with the light off.",
    "When I tried to hug her in the kitchen this morning she pulled away and said she was late.",
    "He cancelled our Friday dinner by text ten minutes before we were meant to meet.",
    "I mentioned my mum's birthday and she sighed and changed the subject.",
    "They called me at lunch and asked where I was, twice in 20 minutes.",
    "He laughed when I said I was hurt, then walked off to watch TV.",
    "My partner asked me on Sunday to spend the whole day together and I left for a walk.",
]


@pytest.mark.parametrize("text", VAGUE_TRIGGERS)
def test_vague_triggers_get_a_nudge_with_an_example(text):
    nudge = trigger_nudge(text)
    assert nudge and "who did or said what, and when" in nudge.lower()


@pytest.mark.parametrize("text", SPECIFIC_TRIGGERS)
def test_specific_triggers_get_no_nudge(text):
    assert trigger_nudge(text) is None


def test_nudge_names_the_judgement_or_the_habit_and_skips_empty_text():
    assert trigger_nudge("they were distant").startswith('"distant" says how it felt')
    assert 'instead of "they were distant"' in trigger_nudge("they were distant")
    assert trigger_nudge("He always looks at his phone when I talk").startswith('"always" sounds like')
    assert trigger_nudge("") is None and trigger_nudge("   ") is None


# ---------------------------------------------------------------- naming the activation

def test_activation_statement_wording():
    assert activation_statement("anxious_hyperactivation", body="my chest is tight", urge="text again") == (
        "I notice my anxious system is activated right now. My chest is tight. Part of me wants to text again.")
    assert activation_statement("avoidant_deactivation", urge="to be alone.") == (
        "I notice my avoidant system is shutting down right now. Part of me wants to be alone.")
    secure = activation_statement("secure", urge="I want to ask for a hug")
    assert secure.startswith("I notice I'm stirred up") and secure.endswith("I want to ask for a hug.")
    assert activation_statement(None) == "" and activation_statement("unknown") == ""


# ---------------------------------------------------------------- disclosure script

@pytest.fixture
def journal():
    return content.program("asb").find_exercise("activation_journal")[1]


def _entry(entry_id, when, trigger):
    return SimpleNamespace(entry_id=entry_id, occurred_at=when, data={"trigger": trigger})


def test_journal_choices_are_newest_first_with_short_labels():
    entries = [_entry("e1", "2026-03-01T20:00:00", "No reply"),
               _entry("e2", "2026-03-04T09:30:00", "They answered my text with one word after I'd shared something"),
               _entry("e3", "2026-03-02T10:00:00", "")]
    choices = journal_choices(entries)
    assert [v for _l, v in choices] == ["e2", "e3", "e1"]
    assert choices[0][0] == "2026-03-04 - They answered my text with one word after I'd sha…"
    assert choices[1][0] == "2026-03-02 - (no trigger written)"
    assert choices[2][0] == "2026-03-01 - No reply"


def test_script_parts_put_choices_into_words(journal):
    data = {"trigger": "They answered my text with one word.", "body_locations": ["chest", "throat"],
            "sensation_kind": ["tightness"], "response": "pursue", "response_detail": "Sent three more texts.",
            "early_resonance": "Waiting for my dad to call."}
    parts = script_parts(data, journal)
    assert parts["sensation"] == "a tightness in my chest and throat"
    assert parts["impulse"] == ("to reach for you harder - more messages, pressing for an answer "
                                "(last time: sent three more texts)")
    assert parts["trigger"] == "They answered my text with one word."
    assert parts["early_pattern"] == "Waiting for my dad to call."


def test_script_parts_with_little_to_go_on(journal):
    parts = script_parts({"trigger": "x", "body_locations": ["shoulders"], "sensation_kind": ["racing_heart"],
                          "response": "withdraw"}, journal)
    assert parts["sensation"] == "something in my shoulders and neck, with my heart racing"
    assert parts["impulse"] == "to pull back, go quiet or leave" and parts["early_pattern"] == ""
    assert script_parts({"sensation_kind": ["heat", "trembling"]}, journal)["sensation"] == "heat and trembling"
    assert script_parts({}, journal) == {"trigger": "", "sensation": "", "impulse": "", "early_pattern": ""}


def test_build_script_is_a_self_disclosure_in_our_words():
    script = build_script({"trigger": "They answered my text with one word.",
                           "sensation": "a tightness in my chest", "impulse": "to keep messaging",
                           "early_pattern": "Waiting for my dad to call."})
    assert script.startswith("I've noticed something about how I react")
    assert ("When they answered my text with one word, I notice a tightness in my chest, and my first urge is "
            "to keep messaging.") in script
    assert "I think it connects to something from earlier in my life: waiting for my dad to call." in script
    assert script.endswith(SCRIPT_CLOSING) and "not asking you to fix" in script


def test_build_script_leaves_out_missing_parts():
    assert build_script({}) == ""
    only_body = build_script({"sensation": "a tightness in my chest"})
    assert "Sometimes I notice a tightness in my chest." in only_body and "When" not in only_body
    assert "connects to" not in only_body
    no_body = build_script({"trigger": "I come home and you're on the phone", "impulse": "leave the room"})
    assert "When I come home and you're on the phone, my first urge is to leave the room." in no_body
    assert "When it rains, something in me gets stirred up." in build_script({"trigger": "It rains."})


# ---------------------------------------------------------------- blame check

BLAMING = [
    ("You never listen to me.", {"you_complaint", "always_never"}),
    ("You always put your friends first.", {"you_complaint", "always_never"}),
    ("You're so selfish.", {"you_complaint", "character_verdict"}),
    ("You’re so cold lately.", {"you_complaint", "character_verdict"}),
    ("You make me feel so small.", {"you_complaint"}),
    ("You forgot my birthday again.", {"you_complaint"}),
    ("You didn't even ask how my day was.", {"you_complaint"}),
    ("It happens every time we visit your parents.", {"always_never"}),
    ("You are constantly on your phone.", {"always_never"}),
    ("Honestly you are being so lazy about the house.", {"character_verdict"}),
    ("Such a child about money.", {"character_verdict"}),
    ("You are such a liar.", {"character_verdict"}),
    ("You idiot.", {"character_verdict"}),
    ("You don't care about me at all.", {"mind_reading"}),
    ("I know you think I'm overreacting.", {"mind_reading"}),
    ("You just want to win the argument.", {"mind_reading"}),
    ("You need to call when you're going to be late.", {"demand"}),
    ("You have to stop doing this.", {"demand"}),
    ("You should apologise.", {"demand"}),
    ("Stop ignoring me!", {"demand"}),
    ("Oh great, another evening alone. Thanks a lot.", {"sarcasm"}),
    ("How nice of you to finally show up.", {"sarcasm"}),
    ("Yeah right, like you were 'busy'.", {"sarcasm"}),
]

NOT_BLAMING = [
    "I felt lonely when plans changed.",
    "Could we talk about notice?",
    "Are you okay?",
    "Thank you for making dinner.",
    "Thank you, that meant a lot.",
    "Nevertheless, I'd like to try again.",
    "The hallways were quiet.",
    "What do you think about Sunday?",
    "Do you want to go for a walk later?",
    "Would you be up for talking tonight?",
    "If you need to take a break, that's fine.",
    "You don't have to answer now.",
    "I felt cold and shaky after the call.",
    "I'd like us to plan the weekend together.",
    "When plans changed at the last minute, I felt thrown.",
    "I love you and I want us to feel close.",
    "You make me laugh.",
    "You are a good friend.",
    "Could you let me know when you're running late?",
    "I noticed I got anxious when the message didn't come.",
    "You did a lovely job with the garden.",
    "I'm worried I'm asking too much.",
    "When plans changed at the last minute, I felt thrown. Could we talk about how to give each other more notice?",
    "When you don't reply for a few hours, I feel worried and I want to text again.",
    "I'm not asking you to solve it. I'd just like you to know this part of me.",
]


@pytest.mark.parametrize("text,kinds", BLAMING)
def test_blame_signs_are_found(text, kinds):
    findings = check_accusations(text)
    assert kinds <= {f.kind for f in findings}
    for f in findings:
        assert f.kind in BLAME_KINDS and text[f.start:f.end] == f.text and f.suggestion


@pytest.mark.parametrize("text", NOT_BLAMING)
def test_ordinary_words_are_not_flagged(text):
    assert check_accusations(text) == []


def test_findings_are_in_reading_order_and_counted_once():
    findings = check_accusations("You never call. You never text either, and you don't care.")
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    assert [f.text for f in findings if f.kind == "you_complaint"] == ["You never", "You never"]
    assert found_kinds(findings) == ["always_never", "mind_reading", "you_complaint"]
    assert check_accusations("") == []


def test_suggest_rewording_reuses_the_drafts_own_words():
    assert suggest_rewording("You never listen to me when I talk about work.") == (
        "When I talk about work and you didn't listen to me, I feel [your feeling - hurt? lonely? worried?]. "
        "I'd like [what would help - for example, \"could we talk about ...?\"].")
    assert suggest_rewording(
        "You always cancel plans at the last minute and you don't care how it affects me. You need to tell me earlier."
    ).startswith("When you cancel plans at the last minute, I feel [")
    assert suggest_rewording("You need to tell me earlier.").endswith("I'd like it if you could tell me earlier.")
    assert "I feel hurt and alone." in suggest_rewording("You're so selfish. I feel hurt and alone.")
    assert suggest_rewording("Oh great, you forgot again.").startswith("When you forgot again, I feel")
    assert suggest_rewording("You never replied to my messages yesterday.").startswith(
        "When you hadn't replied to my messages yesterday,")
    assert suggest_rewording("I felt lonely when plans changed").startswith("When plans changed, I feel lonely.")
    assert suggest_rewording("Could we talk?").startswith("When [the one moment you have in mind")
    assert suggest_rewording("  ") == ""


# ---------------------------------------------------------------- professional-help screen

NO = {"persisted_despite_self_help": False, "out_of_control_behaviour": False,
      "relationship_crisis": False, "significant_trauma": False}


def test_referral_for_any_yes_names_the_reasons_and_the_kinds_of_help():
    r = referral_message({**NO, "relationship_crisis": True, "significant_trauma": True})
    assert r.refer and not r.urgent and len(r.reasons) == 2
    assert "your relationship is going through a crisis right now and a history of trauma" in r.message
    for words in ("emotionally focused therapy", "attachment-based couples therapy", "individual therapy"):
        assert words in r.message
    assert DANGER_MESSAGE not in r.message


def test_out_of_control_moments_add_the_danger_advice():
    r = referral_message({**NO, "out_of_control_behaviour": True})
    assert r.refer and r.urgent and r.message.endswith(DANGER_MESSAGE)
    assert "emergency services or a crisis line" in r.message


def test_all_no_and_unanswered():
    r = referral_message(NO)
    assert not r.refer and r.reasons == () and r.message == NO_REFER_MESSAGE and "always ask" in r.message
    assert referral_message({"relationship_crisis": False}).message == UNANSWERED_MESSAGE


def test_screen_lines_for_batch_mode():
    entries = [
        SimpleNamespace(exercise_id="professional_help_screen", occurred_at="2026-03-05T10:00:00",
                        data={**NO, "out_of_control_behaviour": True}),
        SimpleNamespace(exercise_id="wins_log", occurred_at="2026-03-03T10:00:00", data={}),
        SimpleNamespace(exercise_id="professional_help_screen", occurred_at="2026-03-01T10:00:00", data=NO),
    ]
    lines = screen_lines(entries)
    assert lines == [f"2026-03-01 10:00: {NO_REFER_MESSAGE}", lines[1]]
    assert lines[1].startswith("2026-03-05 10:00: Your answers suggest") and DANGER_MESSAGE in lines[1]
    assert screen_lines([]) == ["No answers to the professional-help questions have been saved yet."]


def test_the_rules_never_import_widgets():
    import subprocess
    import sys

    code = "import sys, securebase.journal.disclosure; print('ipywidgets' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_the_wording_comes_from_the_locale():
    """Every sentence is locale content: a locale with other strings gives other wording."""
    changed = {
        "asb_script_closing": "That is all for now.",
        "asb_activation_secure": "I feel steady.",
        "asb_activation_urge": "I want to {urge}.",
        "asb_blame_always_never": "Name one time.",
        "asb_rewording": "Once {situation} - {feeling} - {request}.",
        "asb_rewording_feeling_blank": "[feeling]",
        "asb_nudge_vague": "Be exact ({example}).",
        "asb_nudge_example": "say who did what",
        "asb_reason_relationship_crisis": "crisis",
        "asb_refer": "Get help: {reasons}.",
        "asb_screen_none": "Nothing saved.",
        "asb_sensation_heat": "warmth",
        "asb_and_list": "{items} & {last}",
    }
    loc = EN.model_copy(update={"strings": {**EN.strings, **changed}})

    assert build_script({"trigger": "they left"}, loc=loc).endswith("That is all for now.")
    assert build_script({"trigger": "they left"}).endswith(SCRIPT_CLOSING)
    assert activation_statement("secure", urge="stay", loc=loc) == "I feel steady. I want to stay."
    assert [f.suggestion for f in check_accusations("You always do this", loc=loc) if f.kind == "always_never"] == ["Name one time."]
    assert suggest_rewording("You never call me.", loc=loc).startswith("Once ") and "[feeling]" in suggest_rewording("x y", loc=loc)
    assert trigger_nudge("it was bad", loc=loc) == "Be exact (say who did what)."
    assert referral_message({"relationship_crisis": True}, loc=loc).message == "Get help: crisis."
    assert screen_lines([], loc=loc) == ["Nothing saved."]
    journal = content.program("asb").find_exercise("activation_journal")[1]
    assert script_parts({"sensation_kind": ["heat", "trembling"]}, journal, loc=loc)["sensation"] == "warmth & trembling"
    # English is untouched when no locale is passed.
    assert activation_statement("secure") == EN.text("asb_activation_secure")
