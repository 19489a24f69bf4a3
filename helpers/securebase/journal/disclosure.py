"""Writing helpers for the Autonomy-Security Balance program (pure functions, no widgets).

* :func:`trigger_nudge` - a friendly nudge when an activation-journal trigger is vague;
* :func:`activation_statement` - "I notice my anxious system is activated ..." wording;
* :func:`journal_choices`, :func:`script_parts`, :func:`build_script` - a disclosure script
  drafted from one of the person's own activation-journal entries;
* :func:`check_accusations`, :func:`suggest_rewording` - the blame check (:mod:`securebase.journal.blame`);
* :func:`referral_message`, :func:`screen_lines` - what the professional-help screen suggests.

Every rule here is a plain word list or pattern, so a clinician can see why something was
flagged. Nothing is ever blocked: these are suggestions the person is free to ignore.
All returned text is plain (not escaped); escape it before putting it in HTML.

The wording itself is content: every sentence and phrase comes from the locale's ``asb_*``
strings (``content/locales/<language>.yaml``). Functions that return wording take
``loc=`` (a :class:`~securebase.content.Locale`); without it they use English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from securebase.content import Exercise, Locale, exercises_with
from securebase.journal.blame import BLAME_KINDS, Finding, check_accusations, found_kinds, suggest_rewording  # noqa: F401
from securebase.journal.wording import APOS, and_list, clean_line, find_words, lower_first, shorten_text, split_words, upper_first, use_locale, words_pattern

JOURNAL = "disclosure_source"  # the behaviour of the journal a disclosure script starts from
SCREEN = "help_screen"         # the behaviour of the professional-help screen

# ----------------------------------------------------------------- 1. trigger specificity

SHORT_TRIGGER_WORDS = 8   # fewer words than this is "very short" ...
SHORT_ENOUGH_MARKERS = 2  # ... unless it already has at least this many concrete details

# Words that say how the moment felt or what kind of person someone is, not what happened.
VAGUE_JUDGEMENTS = (
    "distant", "cold", "weird", "distracted", "dismissive", "uninterested", "disinterested",
    "careless", "uncaring", "selfish", "mean", "moody", "grumpy", "annoyed", "irritated", "upset",
    "clingy", "needy", "controlling", "smothering", "suffocating", "rejecting", "rejected me",
    "ignoring", "ignored me", "ignores me", "didn't care", "doesn't care", "don't care", "not care",
    "doesn't love", "didn't love", "pushing me away", "pushed me away", "shut me out", "shutting me out",
    "checked out", "not there for me", "wasn't there for me", "in a mood", "weird vibe",
    "not listening", "doesn't listen", "never listens", "not interested", "closed off",
    "being difficult", "being cold", "being distant", "being weird",
)

# Concrete details: things someone did or said, things you could photograph, times and numbers.
ACTION_WORDS = (
    "said", "says", "say", "told", "texted", "texts", "text", "messaged", "message", "messages",
    "replied", "reply", "replies", "responded", "response", "answered", "answer", "asked", "asks", "called",
    "calls", "call", "rang", "phoned", "emailed", "email", "wrote", "sent", "left", "leaves", "walked",
    "looked", "looking", "stared", "turned", "shut", "closed", "slammed", "sighed", "laughed", "shouted",
    "yelled", "snapped", "cried", "cancelled", "canceled", "forgot", "interrupted", "rolled", "hung up",
    "went", "came", "got home", "came home", "arrived", "picked up", "put down", "kissed", "hugged",
    "touched", "pulled away", "moved away", "sat", "stood", "scrolled", "checked", "shared", "mentioned",
    "suggested", "planned", "booked", "invited", "ate", "cooked", "watched", "read", "opened", "typed",
    "didn't reply", "didn't answer", "didn't respond", "didn't call", "didn't text", "didn't look",
    "didn't say", "without looking", "without saying", "one word", "one-word",
)
OBJECT_WORDS = (
    "phone", "laptop", "screen", "computer", "tv", "television", "door", "car", "kitchen", "bedroom",
    "bed", "sofa", "couch", "table", "room", "dinner", "lunch", "breakfast", "meal", "plans", "weekend",
    "party", "friends", "friend", "work", "meeting", "email", "whatsapp", "voicemail", "emoji", "kiss",
    "hug", "hand", "eyes", "face", "headphones", "keys", "coffee", "shower", "train", "bus",
)
TIME_WORDS = (
    "today", "tonight", "yesterday", "this morning", "this afternoon", "this evening", "last night",
    "last week", "just now", "earlier today", "at breakfast", "at lunch", "at dinner", "at bedtime",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "o'clock", "minute", "minutes", "hour", "hours", "seconds",
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twice",
)
# "It always happens" describes a habit; a journal entry works best with one moment.
HABIT_WORDS = ("always", "constantly", "every time", "every single time", "all the time", "whenever", "keeps", "as usual")

_QUOTED = re.compile(r"[\"“”]|(?:^|\s)['‘][^'‘’]{2,}['’](?=\W|$)")
_DIGITS = re.compile(r"\d")

def trigger_details(text: str) -> list[str]:
    """The concrete details found in a trigger: quotes, numbers, times, actions and things."""
    details = find_words([words_pattern(ACTION_WORDS), words_pattern(OBJECT_WORDS), words_pattern(TIME_WORDS)], text)
    if _QUOTED.search(text or ""):
        details.append("a quote")
    if _DIGITS.search(text or ""):
        details.append("a number")
    return details


def trigger_nudge(text: str, *, loc: Locale | None = None) -> str | None:
    """A friendly nudge towards the exact moment when a trigger is vague, else ``None``.

    Nothing written yet is never nudged. Vague means: very short (under
    :data:`SHORT_TRIGGER_WORDS` words) with fewer than two concrete details; no concrete detail
    at all; a judgement ("they were distant", "shut me out") with fewer than two details beside
    it; or a habit ("always ...") with no time to pin one moment down.
    """
    words = split_words(text)
    if not words:
        return None
    judgement_pattern = rf"\b(?:{words_pattern(VAGUE_JUDGEMENTS)})\b"
    judgements = find_words([words_pattern(VAGUE_JUDGEMENTS)], text)
    details = trigger_details(re.sub(judgement_pattern, " ", text, flags=re.IGNORECASE))
    habits = find_words([words_pattern(HABIT_WORDS)], text)
    has_time = bool(find_words([words_pattern(TIME_WORDS)], text) or _DIGITS.search(text))
    vague = (
        (len(words) < SHORT_TRIGGER_WORDS and len(details) < SHORT_ENOUGH_MARKERS)
        or not details
        or (judgements and len(details) < SHORT_ENOUGH_MARKERS)
        or (habits and not has_time)
    )
    if not vague:
        return None
    loc = use_locale(loc)
    if habits and details:
        return loc.text("asb_nudge_habit", habit=habits[0])
    example = loc.text("asb_nudge_example")
    if judgements:
        return loc.text("asb_nudge_judgement", judgement=judgements[0], example=example)
    return loc.text("asb_nudge_vague", example=example)


# ----------------------------------------------------------------- 2. naming the activation

# Each has its opening sentence in the locale as ``asb_activation_<activation>``.
ACTIVATIONS = ("anxious_hyperactivation", "avoidant_deactivation", "secure")


def activation_statement(activation: str | None, body: str = "", urge: str = "", *, loc: Locale | None = None) -> str:
    """Wording for "Naming the activation"; ``body`` and ``urge`` are optional plain words.

    >>> activation_statement("anxious_hyperactivation", body="my chest is tight", urge="text again")
    'I notice my anxious system is activated right now. My chest is tight. Part of me wants to text again.'
    """
    if activation not in ACTIVATIONS:
        return ""
    loc = use_locale(loc)
    parts = [loc.text(f"asb_activation_{activation}")]
    body, urge = clean_line(body), clean_line(urge)
    if body:
        parts.append(upper_first(body) + ".")
    if urge:
        if re.match(rf"I\b|I{APOS}", urge):
            parts.append(urge + ".")
        else:
            parts.append(loc.text("asb_activation_urge", urge=lower_first(re.sub(r"^to\s+", "", urge, flags=re.I))))
    return " ".join(parts)


# ----------------------------------------------------------------- 3. disclosure script

SCRIPT_PARTS = ("trigger", "sensation", "impulse", "early_pattern")

# How a sensation reads in a sentence ("a tightness in my chest") is the locale's
# ``asb_sensation_<kind>``; a kind without one is its choice label in lower case.
HEART_RACING = "racing_heart"

# What a response pulls someone to do ("my first urge is to ...") is the locale's
# ``asb_urge_<response>``; a response without one is ``asb_urge_other`` with its choice label.


def _phrase(loc: Locale, key: str) -> str | None:
    return loc.strings.get(key)


def journal_choices(entries: Iterable[Any], limit: int = 50, *, loc: Locale | None = None) -> list[tuple[str, str]]:
    """(label, entry id) for each activation-journal entry, newest first: "2026-03-02 - trigger…"."""
    loc = use_locale(loc)
    ordered = sorted(entries, key=lambda e: e.occurred_at, reverse=True)[:limit]
    return [(loc.text("asb_journal_choice", date=e.occurred_at[:10],
                      trigger=shorten_text(e.data.get("trigger", ""), 50) or loc.text("asb_journal_no_trigger")), e.entry_id)
            for e in ordered]


def _sensation(data: Mapping[str, Any], exercise: Exercise, loc: Locale) -> str:
    kinds = list(data.get("sensation_kind") or [])
    places_spec = exercise.field("body_locations")
    places = [places_spec.choice_label(v).lower() for v in data.get("body_locations") or []]
    kind_spec = exercise.field("sensation_kind")
    felt = [_phrase(loc, f"asb_sensation_{k}") or kind_spec.choice_label(k).lower() for k in kinds if k != HEART_RACING]
    where = loc.text("asb_sensation_where", places=and_list(places, loc)) if places else ""
    if felt:
        text = f"{and_list(felt, loc)} {where}".strip()
    elif places:
        text = loc.text("asb_sensation_something", where=where)
    else:
        text = ""
    if HEART_RACING in kinds:
        text = loc.text("asb_sensation_with_heart", sensation=text) if text else loc.text("asb_sensation_heart")
    return text


def _impulse(data: Mapping[str, Any], exercise: Exercise, loc: Locale) -> str:
    response = data.get("response")
    urge = _phrase(loc, f"asb_urge_{response}") if response else None
    if response and urge is None:
        urge = loc.text("asb_urge_other", response=lower_first(exercise.field("response").choice_label(response)))
    detail = clean_line(data.get("response_detail"))
    if urge and detail:
        return loc.text("asb_urge_last_time", urge=urge, detail=lower_first(detail))
    return urge or detail


def script_parts(entry_data: Mapping[str, Any], exercise: Exercise, *, loc: Locale | None = None) -> dict[str, str]:
    """The four parts of a disclosure script, in words, from one activation-journal entry.

    ``exercise`` is the activation journal (for the wording of its choices). A part with
    nothing to go on is an empty string.
    """
    loc = use_locale(loc)
    return {
        "trigger": " ".join(str(entry_data.get("trigger") or "").split()),
        "sensation": _sensation(entry_data, exercise, loc),
        "impulse": _impulse(entry_data, exercise, loc),
        "early_pattern": " ".join(str(entry_data.get("early_resonance") or "").split()),
    }


def _urge_clause(impulse: str, loc: Locale) -> str:
    if re.match(r"to\b", impulse, re.I):
        return loc.text("asb_script_urge", impulse=lower_first(impulse))
    if re.match(rf"I\b|I{APOS}", impulse):
        return loc.text("asb_script_urge_then", impulse=impulse)
    return loc.text("asb_script_urge_to", impulse=lower_first(impulse))


def build_script(parts: Mapping[str, str], *, loc: Locale | None = None) -> str:
    """A self-disclosure script ("I notice ...") from the four parts; missing parts are left out.

    Returns an empty string when there is nothing to build from.
    """
    trigger, sensation, impulse, early = (clean_line(parts.get(k)) for k in SCRIPT_PARTS)
    if not (trigger or sensation or impulse or early):
        return ""
    loc = use_locale(loc)
    notice = loc.text("asb_script_notice", sensation=lower_first(sensation)) if sensation else ""
    urge = _urge_clause(impulse, loc) if impulse else ""
    body = loc.text("asb_script_both", first=notice, second=urge) if notice and urge else notice or urge
    sentences = [loc.text("asb_script_opening")]
    if trigger:
        sentences.append(loc.text("asb_script_when", trigger=lower_first(trigger),
                                  body=body or loc.text("asb_script_stirred")))
    elif body:
        sentences.append(loc.text("asb_script_sometimes", body=body))
    if early:
        sentences.append(loc.text("asb_script_early", early=lower_first(early)))
    sentences.append(loc.text("asb_script_closing"))
    return " ".join(sentences)


# ----------------------------------------------------------------- 5. professional-help screen

# The yes/no questions, in order; the reason each "yes" gives is the locale's ``asb_reason_<question>``.
SCREEN_QUESTIONS = ("persisted_despite_self_help", "out_of_control_behaviour", "relationship_crisis", "significant_trauma")


@dataclass(frozen=True)
class Referral:
    refer: bool                 # more support is suggested
    reasons: tuple[str, ...]    # a plain label for each "yes"
    message: str
    urgent: bool = False        # "yes" to out-of-control moments: the message includes the danger advice


def referral_message(answers: Mapping[str, Any], *, loc: Locale | None = None) -> Referral:
    """What the professional-help screen suggests, from its yes/no answers."""
    loc = use_locale(loc)
    yes = [fid for fid in SCREEN_QUESTIONS if answers.get(fid) is True]
    reasons = tuple(loc.text(f"asb_reason_{fid}") for fid in yes)
    if yes:
        message = loc.text("asb_refer", reasons=and_list(list(reasons), loc))
        urgent = "out_of_control_behaviour" in yes
        if urgent:
            message += " " + loc.text("asb_danger")
        return Referral(True, reasons, message, urgent)
    if any(answers.get(fid) is None for fid in SCREEN_QUESTIONS):
        return Referral(False, (), loc.text("asb_unanswered"))
    return Referral(False, (), loc.text("asb_no_refer"))


def screen_lines(entries: Iterable[Any], *, loc: Locale | None = None) -> list[str]:
    """Plain-text lines for batch mode: what each saved professional-help screen suggests."""
    loc = use_locale(loc)
    lines, screens = [], {e.id for e in exercises_with(SCREEN)}
    for e in sorted((e for e in entries if e.exercise_id in screens), key=lambda e: e.occurred_at):
        lines.append(loc.text("asb_screen_line", when=e.occurred_at.replace("T", " ")[:16],
                              message=referral_message(e.data, loc=loc).message))
    return lines or [loc.text("asb_screen_none")]
