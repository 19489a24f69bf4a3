"""Writing helpers for the Autonomy-Security Balance program (pure functions, no widgets).

* :func:`trigger_nudge` - a friendly nudge when an activation-journal trigger is vague;
* :func:`activation_statement` - "I notice my anxious system is activated ..." wording;
* :func:`journal_choices`, :func:`script_parts`, :func:`build_script` - a disclosure script
  drafted from one of the person's own activation-journal entries;
* :func:`check_accusations`, :func:`suggest_rewording` - the blame check;
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

from securebase.content import Exercise, Locale, exercises_with, locale

JOURNAL = "disclosure_source"  # the behaviour of the journal a disclosure script starts from
SCREEN = "help_screen"         # the behaviour of the professional-help screen

_APOS = "['’]"


def _loc(loc: Locale | None) -> Locale:
    return loc if loc is not None else locale("en")


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?", text or "")


def _find(patterns: Iterable[str], text: str) -> list[str]:
    """The distinct whole-word matches (lower case) of any of ``patterns``."""
    found: list[str] = []
    for pattern in patterns:
        for m in re.finditer(rf"\b(?:{pattern})\b", text, re.IGNORECASE):
            word = m.group(0).lower()
            if word not in found:
                found.append(word)
    return found


def _words_pattern(words: Iterable[str]) -> str:
    return "|".join(w.replace("'", _APOS).replace(" ", r"\s+") for w in words)


def _clean(text: Any) -> str:
    """One line of text without surrounding space or a final full stop."""
    return " ".join(str(text or "").split()).rstrip(" .")


def _lower_first(text: str) -> str:
    """Lower-case the first letter, except for "I", "I'm" and the like."""
    if not text or re.match(rf"I\b|I{_APOS}", text):
        return text
    return text[0].lower() + text[1:]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _and_list(items: list[str], loc: Locale) -> str:
    return items[0] if len(items) == 1 else loc.text("asb_and_list", items=", ".join(items[:-1]), last=items[-1])


def _shorten(text: str, limit: int) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
    details = _find([_words_pattern(ACTION_WORDS), _words_pattern(OBJECT_WORDS), _words_pattern(TIME_WORDS)], text)
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
    words = _words(text)
    if not words:
        return None
    judgement_pattern = rf"\b(?:{_words_pattern(VAGUE_JUDGEMENTS)})\b"
    judgements = _find([_words_pattern(VAGUE_JUDGEMENTS)], text)
    details = trigger_details(re.sub(judgement_pattern, " ", text, flags=re.IGNORECASE))
    habits = _find([_words_pattern(HABIT_WORDS)], text)
    has_time = bool(_find([_words_pattern(TIME_WORDS)], text) or _DIGITS.search(text))
    vague = (
        (len(words) < SHORT_TRIGGER_WORDS and len(details) < SHORT_ENOUGH_MARKERS)
        or not details
        or (judgements and len(details) < SHORT_ENOUGH_MARKERS)
        or (habits and not has_time)
    )
    if not vague:
        return None
    loc = _loc(loc)
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
    loc = _loc(loc)
    parts = [loc.text(f"asb_activation_{activation}")]
    body, urge = _clean(body), _clean(urge)
    if body:
        parts.append(_upper_first(body) + ".")
    if urge:
        if re.match(rf"I\b|I{_APOS}", urge):
            parts.append(urge + ".")
        else:
            parts.append(loc.text("asb_activation_urge", urge=_lower_first(re.sub(r"^to\s+", "", urge, flags=re.I))))
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
    loc = _loc(loc)
    ordered = sorted(entries, key=lambda e: e.occurred_at, reverse=True)[:limit]
    return [(loc.text("asb_journal_choice", date=e.occurred_at[:10],
                      trigger=_shorten(e.data.get("trigger", ""), 50) or loc.text("asb_journal_no_trigger")), e.entry_id)
            for e in ordered]


def _sensation(data: Mapping[str, Any], exercise: Exercise, loc: Locale) -> str:
    kinds = list(data.get("sensation_kind") or [])
    places_spec = exercise.field("body_locations")
    places = [places_spec.choice_label(v).lower() for v in data.get("body_locations") or []]
    kind_spec = exercise.field("sensation_kind")
    felt = [_phrase(loc, f"asb_sensation_{k}") or kind_spec.choice_label(k).lower() for k in kinds if k != HEART_RACING]
    where = loc.text("asb_sensation_where", places=_and_list(places, loc)) if places else ""
    if felt:
        text = f"{_and_list(felt, loc)} {where}".strip()
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
        urge = loc.text("asb_urge_other", response=_lower_first(exercise.field("response").choice_label(response)))
    detail = _clean(data.get("response_detail"))
    if urge and detail:
        return loc.text("asb_urge_last_time", urge=urge, detail=_lower_first(detail))
    return urge or detail


def script_parts(entry_data: Mapping[str, Any], exercise: Exercise, *, loc: Locale | None = None) -> dict[str, str]:
    """The four parts of a disclosure script, in words, from one activation-journal entry.

    ``exercise`` is the activation journal (for the wording of its choices). A part with
    nothing to go on is an empty string.
    """
    loc = _loc(loc)
    return {
        "trigger": " ".join(str(entry_data.get("trigger") or "").split()),
        "sensation": _sensation(entry_data, exercise, loc),
        "impulse": _impulse(entry_data, exercise, loc),
        "early_pattern": " ".join(str(entry_data.get("early_resonance") or "").split()),
    }


def _urge_clause(impulse: str, loc: Locale) -> str:
    if re.match(r"to\b", impulse, re.I):
        return loc.text("asb_script_urge", impulse=_lower_first(impulse))
    if re.match(rf"I\b|I{_APOS}", impulse):
        return loc.text("asb_script_urge_then", impulse=impulse)
    return loc.text("asb_script_urge_to", impulse=_lower_first(impulse))


def build_script(parts: Mapping[str, str], *, loc: Locale | None = None) -> str:
    """A self-disclosure script ("I notice ...") from the four parts; missing parts are left out.

    Returns an empty string when there is nothing to build from.
    """
    trigger, sensation, impulse, early = (_clean(parts.get(k)) for k in SCRIPT_PARTS)
    if not (trigger or sensation or impulse or early):
        return ""
    loc = _loc(loc)
    notice = loc.text("asb_script_notice", sensation=_lower_first(sensation)) if sensation else ""
    urge = _urge_clause(impulse, loc) if impulse else ""
    body = loc.text("asb_script_both", first=notice, second=urge) if notice and urge else notice or urge
    sentences = [loc.text("asb_script_opening")]
    if trigger:
        sentences.append(loc.text("asb_script_when", trigger=_lower_first(trigger),
                                  body=body or loc.text("asb_script_stirred")))
    elif body:
        sentences.append(loc.text("asb_script_sometimes", body=body))
    if early:
        sentences.append(loc.text("asb_script_early", early=_lower_first(early)))
    sentences.append(loc.text("asb_script_closing"))
    return " ".join(sentences)


# ----------------------------------------------------------------- 4. blame check

# What to try for each kind is the locale's ``asb_blame_<kind>``.
BLAME_KINDS = ("always_never", "character_verdict", "mind_reading", "demand", "you_complaint", "sarcasm")

# A "you ..." phrase preceded by one of these is a question or an offer, not an accusation.
_QUESTION_LEAD = re.compile(
    r"\b(?:do|did|does|would|could|can|will|are|were|if|what|how|why|when|whether|maybe|thank|thanks)\s*$",
    re.IGNORECASE,
)
VERDICT_WORDS = (
    "selfish", "lazy", "cold", "heartless", "useless", "pathetic", "immature", "childish", "needy", "clingy",
    "controlling", "crazy", "insane", "toxic", "manipulative", "inconsiderate", "thoughtless", "careless",
    "rude", "mean", "cruel", "stupid", "impossible", "unbearable", "hopeless", "irresponsible", "self-centred",
    "self-centered", "uncaring", "unreliable", "dismissive", "arrogant", "stubborn", "cheap",
    "ridiculous", "paranoid", "dramatic", "hysterical", "cold-hearted", "unfair", "the worst",
)
VERDICT_NOUNS = ("liar", "mess", "joke", "nightmare", "baby", "child", "hypocrite", "control freak", "slob", "snob")
INSULTS = ("idiot", "jerk", "loser", "narcissist", "psycho", "moron", "coward", "drama queen")
_INTENSIFIERS = r"(?:so|such|really|just|being|truly|incredibly|very|always|totally|completely|utterly|being\s+so)\s+"
_COPULA = (rf"(?:you{_APOS}re|you\s+are|you\s+were|you\s+can\s+be|you\s+have\s+been|you\s+seem|you\s+sound|"
           rf"you\s+act|you{_APOS}re\s+being|you\s+are\s+being|stop\s+being)")

_BLAME_PATTERNS: dict[str, list[str]] = {
    "always_never": [r"always|never|constantly|every\s+(?:single\s+)?time|all\s+the\s+time|each\s+and\s+every"],
    "you_complaint": [
        r"you\s+(?:never|always|keep|kept|only|constantly)",
        rf"you{_APOS}re\s+so|you\s+are\s+so|you\s+were\s+so",
        r"you\s+(?:make|made|makes)\s+me\s+(?:so\s+)?(?:angry|mad|sad|crazy|sick|miserable|anxious|nervous|upset|"
        r"furious|wait|beg|chase|doubt|worry|cry|scream|feel\s+like|feel\s+(?:so\s+)?(?:bad|stupid|small|worthless|"
        r"unwanted|invisible|alone|lonely|ignored|guilty|crazy|insecure|awful|terrible|unloved))",
        rf"you\s+(?:don{_APOS}t|didn{_APOS}t)\s+even",
    ],
    "mind_reading": [
        rf"you\s+(?:just\s+|obviously\s+|clearly\s+|secretly\s+|probably\s+)?(?:don{_APOS}t|do\s+not|didn{_APOS}t)\s+"
        r"(?:care|love|respect|value|want\s+me|want\s+to\s+be|even\s+want|like\s+me|think\s+about\s+me|notice)",
        rf"you\s+(?:just\s+|obviously\s+|clearly\s+|secretly\s+|probably\s+)?(?:think|thought|want(?:ed)?\s+to|"
        rf"only\s+care|care\s+more|couldn{_APOS}t\s+care|would\s+rather|{_APOS}d\s+rather|enjoy|like\s+it\s+when|"
        r"did\s+it\s+on\s+purpose|meant\s+to|feel\s+like|know\s+(?:full\s+well|exactly)|are\s+trying\s+to|"
        rf"{_APOS}re\s+trying\s+to|just\s+want)",
        rf"you{_APOS}d\s+rather",
    ],
    "demand": [
        rf"you\s+(?:need\s+to|have\s+to|should|must|{_APOS}d\s+better|better|{_APOS}ve\s+got\s+to|have\s+got\s+to|"
        rf"gotta|ought\s+to|shouldn{_APOS}t)",
        rf"you{_APOS}d\s+better|you{_APOS}ve\s+got\s+to",
        r"(?:^|(?<=[.!?]\s))\s*(?:just\s+)?(?:stop|grow\s+up|get\s+over\s+it|deal\s+with\s+it|fix\s+it)",
    ],
    "character_verdict": [
        rf"{_COPULA}\s+(?:{_INTENSIFIERS})*(?:{_words_pattern(VERDICT_WORDS)})",
        rf"{_COPULA}\s+(?:such\s+)?an?\s+(?:\w+\s+)?(?:{_words_pattern(VERDICT_NOUNS)})",
        rf"such\s+an?\s+(?:{_words_pattern(VERDICT_WORDS + VERDICT_NOUNS)})",
        _words_pattern(INSULTS),
    ],
    "sarcasm": [
        r"oh\s+(?:great|wonderful|perfect|brilliant|lovely|sure)|thanks\s+a\s+lot|thanks\s+for\s+nothing|"
        r"yeah\s+right|sure\s+you\s+(?:did|do|will)|of\s+course\s+you\s+(?:did|do|would|will)|"
        r"how\s+(?:nice|kind|thoughtful|lovely)\s+of\s+you|nice\s+of\s+you\s+to|must\s+be\s+nice|"
        r"what\s+a\s+surprise|big\s+surprise|wow,?\s+thanks|/s",
    ],
}
# Words that make a sentence starting with "You" a complaint ("You forgot again.").
_COMPLAINT_WORDS = (
    "didn't", "don't", "won't", "can't", "cannot", "couldn't", "wouldn't", "weren't", "aren't", "never", "always",
    "forgot", "forget", "ignored", "ignore", "ignoring", "ruined", "blew", "broke", "lied", "interrupted",
    "embarrassed", "humiliated", "hurt", "ditched", "bailed", "cancelled", "canceled", "only", "keep", "kept",
    "again", "refuse", "refused",
)
_KIND_AFTER = re.compile(r"\s*(?:have\s+to|need\s+to|worry|mind|owe|have\s+anything)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


@dataclass(frozen=True)
class Finding:
    """One sign of blame in a draft: its kind (a blame_signs choice value), where, and what to try."""

    kind: str
    start: int
    end: int
    text: str
    suggestion: str


def _pattern_findings(text: str, loc: Locale) -> list[Finding]:
    found = []
    for kind, patterns in _BLAME_PATTERNS.items():
        for pattern in patterns:
            for m in re.finditer(rf"(?<![\w'’-])(?:{pattern})(?![\w'’-])", text, re.IGNORECASE):
                if not m.group(0).strip():
                    continue
                if m.group(0).lower().startswith("you") and _QUESTION_LEAD.search(text[: m.start()]):
                    continue
                start = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
                found.append(Finding(kind, start, m.end(), text[start:m.end()], loc.text(f"asb_blame_{kind}")))
    return found


def _sentence_you_findings(text: str, loc: Locale) -> list[Finding]:
    """Sentences that start with "You" and go on to a complaint ("You forgot again.")."""
    found = []
    for m in _SENTENCE.finditer(text):
        sentence = m.group(0)
        if sentence.rstrip().endswith("?"):
            continue
        lead = re.match(r"\s*you\b", sentence, re.IGNORECASE)
        if not lead:
            continue
        for word in re.finditer(r"[A-Za-z]+(?:['’][a-z]+)?", sentence[lead.end():]):
            if word.start() > 40:  # the complaint has to come early in the sentence
                break
            token = word.group(0).lower().replace("’", "'")
            after = sentence[lead.end() + word.end():]
            if token in _COMPLAINT_WORDS and not (token in ("don't", "didn't", "won't") and _KIND_AFTER.match(after)):
                start = m.start() + lead.start() + (len(lead.group(0)) - len(lead.group(0).lstrip()))
                end = m.start() + lead.end() + word.end()
                found.append(Finding("you_complaint", start, end, text[start:end], loc.text("asb_blame_you_complaint")))
                break
    return found


def check_accusations(text: str, *, loc: Locale | None = None) -> list[Finding]:
    """Signs of blame in a draft, in reading order; overlapping finds of one kind count once."""
    text, loc = text or "", _loc(loc)
    candidates = sorted(_pattern_findings(text, loc) + _sentence_you_findings(text, loc), key=lambda f: (f.start, -f.end))
    kept: list[Finding] = []
    for f in candidates:
        if any(k.kind == f.kind and k.start < f.end and f.start < k.end for k in kept):
            continue
        kept.append(f)
    return kept


def found_kinds(findings: Iterable[Finding]) -> list[str]:
    """The distinct kinds found, in the order of the blame_signs choices."""
    kinds = {f.kind for f in findings}
    return [k for k in BLAME_KINDS if k in kinds]


FEELING_WORDS = (
    "hurt", "lonely", "alone", "sad", "scared", "afraid", "frightened", "worried", "anxious", "nervous",
    "frustrated", "angry", "upset", "overwhelmed", "disappointed", "invisible", "unimportant", "left out",
    "ashamed", "embarrassed", "confused", "unsettled", "thrown", "tired", "exhausted", "helpless", "unwanted",
    "insecure", "jealous", "panicky", "tense",
)
_SOFTEN = (
    (re.compile(rf"\b(didn{_APOS}t|don{_APOS}t)\s+even\b", re.I), r"\1"),
    (re.compile(r"\bnever\s+(?=\w+ed\b)", re.I), "hadn't "),   # "never replied" -> "hadn't replied"
    (re.compile(r"\bnever\b", re.I), "didn't"),                  # "never listen" -> "didn't listen"
    (re.compile(r"\b(?:always|constantly|every\s+(?:single\s+)?time|all\s+the\s+time)\b\s*", re.I), ""),
)
_WHEN_CLAUSE = re.compile(r"\b(?:when|after|while|whenever)\s+([^.!?,;]+)", re.IGNORECASE)
_TRAILING_JOIN = re.compile(r"[\s,;:-]*\b(?:and|but|because|so|then)?[\s,;:-]*$", re.IGNORECASE)
_DEMAND_REST = re.compile(
    rf"\byou\s+(?:really\s+)?(?:need\s+to|have\s+to|should|must|{_APOS}d\s+better|better|have\s+got\s+to|ought\s+to)\s+([^.!?]+)",
    re.IGNORECASE,
)
# Signs of blame that end the part of a sentence kept as the situation. Sarcasm is dropped, and
# "always"/"never" and "you never" are softened instead.
_CUT_KINDS = ("character_verdict", "mind_reading", "demand")
_I_FEEL = re.compile(rf"\s*I(?:\s+|{_APOS})(?:feel|felt|am\s+feeling|m\s+feeling|was\s+feeling)\b", re.IGNORECASE)


def _soften(text: str) -> str:
    for pattern, replacement in _SOFTEN:
        text = pattern.sub(replacement, text)
    return _TRAILING_JOIN.sub("", " ".join(text.split())).strip(" ,;:!?.")


def _situation(text: str, findings: list[Finding], loc: Locale) -> str:
    """The moment the draft is about, in its own words, without the blame."""
    for m in _SENTENCE.finditer(text):
        sentence, offset = m.group(0), m.start()
        if sentence.rstrip().endswith("?"):
            continue
        inside = [f for f in findings if offset <= f.start < m.end()]
        cut = min((f.start - offset for f in inside if f.kind in _CUT_KINDS), default=len(sentence))
        part = sentence[:cut]
        for f in sorted((f for f in inside if f.kind == "sarcasm" and f.start - offset < cut),
                        key=lambda f: f.start, reverse=True):
            part = part[: f.start - offset] + part[f.end - offset:]
        when = _WHEN_CLAUSE.search(part)
        if when:
            moment = _soften(when.group(1))
            rest = _soften(part[: when.start()])
            if len(_words(rest)) >= 2 and not _I_FEEL.match(rest):
                moment = loc.text("asb_rewording_and", moment=moment, rest=_lower_first(rest))
        elif _I_FEEL.match(part):
            continue
        else:
            moment = _lower_first(_soften(part))
        if len(_words(moment)) >= 2:
            return moment
    return ""


def suggest_rewording(text: str, *, loc: Locale | None = None) -> str:
    """An I-statement to start from: "When ..., I feel .... I'd like ...".

    It reuses the draft's own words where it can (a "when ..." part, feelings it names, what a
    "you need to ..." asks for) and leaves [brackets] for the person to fill. It is a starting
    point only, never a finished message.
    """
    text = " ".join((text or "").split())
    if not _words(text):
        return ""
    loc = _loc(loc)
    findings = check_accusations(text, loc=loc)
    situation = _situation(text, findings, loc) or loc.text("asb_rewording_situation_blank")
    feelings = _find([_words_pattern(FEELING_WORDS)], text)
    feeling = _and_list(feelings, loc) if feelings else loc.text("asb_rewording_feeling_blank")
    demand = _DEMAND_REST.search(text)
    request = (loc.text("asb_rewording_request", request=_clean(demand.group(1))) if demand
               else loc.text("asb_rewording_request_blank"))
    return loc.text("asb_rewording", situation=situation, feeling=feeling, request=request)


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
    loc = _loc(loc)
    yes = [fid for fid in SCREEN_QUESTIONS if answers.get(fid) is True]
    reasons = tuple(loc.text(f"asb_reason_{fid}") for fid in yes)
    if yes:
        message = loc.text("asb_refer", reasons=_and_list(list(reasons), loc))
        urgent = "out_of_control_behaviour" in yes
        if urgent:
            message += " " + loc.text("asb_danger")
        return Referral(True, reasons, message, urgent)
    if any(answers.get(fid) is None for fid in SCREEN_QUESTIONS):
        return Referral(False, (), loc.text("asb_unanswered"))
    return Referral(False, (), loc.text("asb_no_refer"))


def screen_lines(entries: Iterable[Any], *, loc: Locale | None = None) -> list[str]:
    """Plain-text lines for batch mode: what each saved professional-help screen suggests."""
    loc = _loc(loc)
    lines, screens = [], {e.id for e in exercises_with(SCREEN)}
    for e in sorted((e for e in entries if e.exercise_id in screens), key=lambda e: e.occurred_at):
        lines.append(loc.text("asb_screen_line", when=e.occurred_at.replace("T", " ")[:16],
                              message=referral_message(e.data, loc=loc).message))
    return lines or [loc.text("asb_screen_none")]
