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
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .content import Exercise

JOURNAL = "activation_journal"
SCREEN = "professional_help_screen"

_APOS = "['’]"


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


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


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

SOURCE_EXAMPLE = ('instead of "they were distant", something like "they answered my text with one word '
                  "after I'd told them something that mattered to me\"")


def trigger_details(text: str) -> list[str]:
    """The concrete details found in a trigger: quotes, numbers, times, actions and things."""
    details = _find([_words_pattern(ACTION_WORDS), _words_pattern(OBJECT_WORDS), _words_pattern(TIME_WORDS)], text)
    if _QUOTED.search(text or ""):
        details.append("a quote")
    if _DIGITS.search(text or ""):
        details.append("a number")
    return details


def trigger_nudge(text: str) -> str | None:
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
    if habits and details:
        return (f'"{habits[0]}" sounds like something that happens often. Pick one time it happened - the most '
                "recent is easiest - and describe just that moment: who did or said what, and when.")
    if judgements:
        return (f'"{judgements[0]}" says how it felt, and that matters. To spot the pattern later, add what '
                f"actually happened: who did or said what, and when? For example, {SOURCE_EXAMPLE}.")
    return ("Can you narrow it down to the exact moment? Who did or said what, and when? "
            f"For example, {SOURCE_EXAMPLE}.")


# ----------------------------------------------------------------- 2. naming the activation

ACTIVATION_OPENINGS = {
    "anxious_hyperactivation": "I notice my anxious system is activated right now.",
    "avoidant_deactivation": "I notice my avoidant system is shutting down right now.",
    "secure": "I notice I'm stirred up, and I feel steady enough to stay with it right now.",
}


def activation_statement(activation: str | None, body: str = "", urge: str = "") -> str:
    """Wording for "Naming the activation"; ``body`` and ``urge`` are optional plain words.

    >>> activation_statement("anxious_hyperactivation", body="my chest is tight", urge="text again")
    'I notice my anxious system is activated right now. My chest is tight. Part of me wants to text again.'
    """
    opening = ACTIVATION_OPENINGS.get(activation or "")
    if opening is None:
        return ""
    parts = [opening]
    body, urge = _clean(body), _clean(urge)
    if body:
        parts.append(_upper_first(body) + ".")
    if urge:
        if re.match(rf"I\b|I{_APOS}", urge):
            parts.append(urge + ".")
        else:
            parts.append("Part of me wants to " + _lower_first(re.sub(r"^to\s+", "", urge, flags=re.I)) + ".")
    return " ".join(parts)


# ----------------------------------------------------------------- 3. disclosure script

SCRIPT_PARTS = ("trigger", "sensation", "impulse", "early_pattern")

# How each sensation reads in a sentence ("a tightness in my chest").
SENSATION_WORDS = {
    "tightness": "a tightness", "constriction": "a squeezing", "dropping": "a sinking feeling",
    "heat": "heat", "cold": "a coldness", "pressure": "a heaviness", "trembling": "trembling",
    "numbness": "numbness",
}
HEART_RACING = "racing_heart"

# What each response pulls someone to do ("my first urge is to ...").
URGE_WORDS = {
    "pursue": "to reach for you harder - more messages, pressing for an answer",
    "withdraw": "to pull back, go quiet or leave",
    "attack": "to criticise, blame or raise my voice",
    "freeze": "to go blank and shut down",
}

SCRIPT_OPENING = "I've noticed something about how I react, and I'd like to tell you about it."
SCRIPT_CLOSING = ("I'm not asking you to fix this or to change anything. "
                  "I'm telling you because I'd like you to know this part of me.")


def journal_choices(entries: Iterable[Any], limit: int = 50) -> list[tuple[str, str]]:
    """(label, entry id) for each activation-journal entry, newest first: "2026-03-02 - trigger…"."""
    ordered = sorted(entries, key=lambda e: e.occurred_at, reverse=True)[:limit]
    return [(f"{e.occurred_at[:10]} - {_shorten(e.data.get('trigger', ''), 50) or '(no trigger written)'}", e.entry_id)
            for e in ordered]


def _sensation(data: Mapping[str, Any], exercise: Exercise) -> str:
    kinds = list(data.get("sensation_kind") or [])
    places_spec = exercise.field("body_locations")
    places = [places_spec.choice_label(v).lower() for v in data.get("body_locations") or []]
    kind_spec = exercise.field("sensation_kind")
    felt = [SENSATION_WORDS.get(k, kind_spec.choice_label(k).lower()) for k in kinds if k != HEART_RACING]
    where = f"in my {_and_list(places)}" if places else ""
    if felt:
        text = f"{_and_list(felt)} {where}".strip()
    elif places:
        text = f"something {where}"
    else:
        text = ""
    if HEART_RACING in kinds:
        text = f"{text}, with my heart racing" if text else "my heart racing"
    return text


def _impulse(data: Mapping[str, Any], exercise: Exercise) -> str:
    response = data.get("response")
    urge = URGE_WORDS.get(response) if response else None
    if response and urge is None:
        urge = "to " + _lower_first(exercise.field("response").choice_label(response))
    detail = _clean(data.get("response_detail"))
    if urge and detail:
        return f"{urge} (last time: {_lower_first(detail)})"
    return urge or detail


def script_parts(entry_data: Mapping[str, Any], exercise: Exercise) -> dict[str, str]:
    """The four parts of a disclosure script, in words, from one activation-journal entry.

    ``exercise`` is the activation journal (for the wording of its choices). A part with
    nothing to go on is an empty string.
    """
    return {
        "trigger": " ".join(str(entry_data.get("trigger") or "").split()),
        "sensation": _sensation(entry_data, exercise),
        "impulse": _impulse(entry_data, exercise),
        "early_pattern": " ".join(str(entry_data.get("early_resonance") or "").split()),
    }


def _urge_clause(impulse: str) -> str:
    if re.match(r"to\b", impulse, re.I):
        return "my first urge is " + _lower_first(impulse)
    if re.match(rf"I\b|I{_APOS}", impulse):
        return "then " + impulse
    return "my first urge is to " + _lower_first(impulse)


def build_script(parts: Mapping[str, str]) -> str:
    """A self-disclosure script ("I notice ...") from the four parts; missing parts are left out.

    Returns an empty string when there is nothing to build from.
    """
    trigger, sensation, impulse, early = (_clean(parts.get(k)) for k in SCRIPT_PARTS)
    if not (trigger or sensation or impulse or early):
        return ""
    clauses = []
    if sensation:
        clauses.append("I notice " + _lower_first(sensation))
    if impulse:
        clauses.append(_urge_clause(impulse))
    body = ", and ".join(clauses)
    sentences = [SCRIPT_OPENING]
    if trigger:
        sentences.append(f"When {_lower_first(trigger)}, {body or 'something in me gets stirred up'}.")
    elif body:
        sentences.append(f"Sometimes {body}.")
    if early:
        sentences.append(f"I think it connects to something from earlier in my life: {_lower_first(early)}.")
    sentences.append(SCRIPT_CLOSING)
    return " ".join(sentences)


# ----------------------------------------------------------------- 4. blame check

BLAME_KINDS = ("always_never", "character_verdict", "mind_reading", "demand", "you_complaint", "sarcasm")

BLAME_SUGGESTIONS = {
    "always_never": 'Describe the one time you have in mind ("last night", "on Sunday") instead of "always" or "never".',
    "character_verdict": "Say what they did and how it felt for you, rather than what kind of person they are.",
    "mind_reading": "Nobody can see inside someone else's head. Say what you felt, or ask them what was going on.",
    "demand": 'Turn it into a request they can say yes to: "Could we ...?" or "I\'d like ...".',
    "you_complaint": 'Try starting from your side: "I felt ... when ...".',
    "sarcasm": "Say it straight. A sharp tone makes it hard for them to hear what you need.",
}

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
_KIND_AFTER = re.compile(rf"\s*(?:have\s+to|need\s+to|worry|mind|owe|have\s+anything)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


@dataclass(frozen=True)
class Finding:
    """One sign of blame in a draft: its kind (a blame_signs choice value), where, and what to try."""

    kind: str
    start: int
    end: int
    text: str
    suggestion: str


def _pattern_findings(text: str) -> list[Finding]:
    found = []
    for kind, patterns in _BLAME_PATTERNS.items():
        for pattern in patterns:
            for m in re.finditer(rf"(?<![\w'’-])(?:{pattern})(?![\w'’-])", text, re.IGNORECASE):
                if not m.group(0).strip():
                    continue
                if m.group(0).lower().startswith("you") and _QUESTION_LEAD.search(text[: m.start()]):
                    continue
                start = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
                found.append(Finding(kind, start, m.end(), text[start:m.end()], BLAME_SUGGESTIONS[kind]))
    return found


def _sentence_you_findings(text: str) -> list[Finding]:
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
                found.append(Finding("you_complaint", start, end, text[start:end], BLAME_SUGGESTIONS["you_complaint"]))
                break
    return found


def check_accusations(text: str) -> list[Finding]:
    """Signs of blame in a draft, in reading order; overlapping finds of one kind count once."""
    text = text or ""
    candidates = sorted(_pattern_findings(text) + _sentence_you_findings(text), key=lambda f: (f.start, -f.end))
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
_FEELING_PLACEHOLDER = "[your feeling - hurt? lonely? worried?]"
_REQUEST_PLACEHOLDER = '[what would help - for example, "could we talk about ...?"]'
_SITUATION_PLACEHOLDER = "[the one moment you have in mind - what happened, and when]"
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


def _situation(text: str, findings: list[Finding]) -> str:
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
                moment += " and " + _lower_first(rest)
        elif _I_FEEL.match(part):
            continue
        else:
            moment = _lower_first(_soften(part))
        if len(_words(moment)) >= 2:
            return moment
    return ""


def suggest_rewording(text: str) -> str:
    """An I-statement to start from: "When ..., I feel .... I'd like ...".

    It reuses the draft's own words where it can (a "when ..." part, feelings it names, what a
    "you need to ..." asks for) and leaves [brackets] for the person to fill. It is a starting
    point only, never a finished message.
    """
    text = " ".join((text or "").split())
    if not _words(text):
        return ""
    findings = check_accusations(text)
    situation = _situation(text, findings) or _SITUATION_PLACEHOLDER
    feelings = _find([_words_pattern(FEELING_WORDS)], text)
    feeling = _and_list(feelings) if feelings else _FEELING_PLACEHOLDER
    demand = _DEMAND_REST.search(text)
    request = f"it if you could {_clean(demand.group(1))}" if demand else _REQUEST_PLACEHOLDER
    return f"When {situation}, I feel {feeling}. I'd like {request}."


# ----------------------------------------------------------------- 5. professional-help screen

SCREEN_REASONS = {
    "persisted_despite_self_help": "this pattern has gone on for years despite your own efforts",
    "out_of_control_behaviour": "there are moments when what you do feels out of your control",
    "relationship_crisis": "your relationship is going through a crisis right now",
    "significant_trauma": "a history of trauma seems to feed into these patterns",
}

REFER_MESSAGE = (
    "Your answers suggest that support from a professional could really help, because {reasons}. "
    "This is not a failure: some patterns are too heavy to shift with a workbook alone. "
    "Worth talking over with your clinician: couples therapy, such as emotionally focused therapy or "
    "attachment-based couples therapy, or individual therapy to work through past trauma."
)
DANGER_MESSAGE = (
    "If you or anyone else is in danger right now, contact emergency services or a crisis line now - "
    "don't wait for your next session."
)
NO_REFER_MESSAGE = (
    "Nothing in your answers points to extra support right now. "
    "You can always ask your clinician about it, now or whenever things change."
)
UNANSWERED_MESSAGE = "Answer each question to see what your answers suggest."


@dataclass(frozen=True)
class Referral:
    refer: bool                 # more support is suggested
    reasons: tuple[str, ...]    # a plain label for each "yes"
    message: str
    urgent: bool = False        # "yes" to out-of-control moments: the message includes the danger advice


def referral_message(answers: Mapping[str, Any]) -> Referral:
    """What the professional-help screen suggests, from its yes/no answers."""
    yes = [fid for fid in SCREEN_REASONS if answers.get(fid) is True]
    reasons = tuple(SCREEN_REASONS[fid] for fid in yes)
    if yes:
        message = REFER_MESSAGE.format(reasons=_and_list(list(reasons)))
        urgent = "out_of_control_behaviour" in yes
        if urgent:
            message += " " + DANGER_MESSAGE
        return Referral(True, reasons, message, urgent)
    if any(answers.get(fid) is None for fid in SCREEN_REASONS):
        return Referral(False, (), UNANSWERED_MESSAGE)
    return Referral(False, (), NO_REFER_MESSAGE)


def screen_lines(entries: Iterable[Any]) -> list[str]:
    """Plain-text lines for batch mode: what each saved professional-help screen suggests."""
    lines = []
    for e in sorted((e for e in entries if e.exercise_id == SCREEN), key=lambda e: e.occurred_at):
        lines.append(f"{e.occurred_at.replace('T', ' ')[:16]}: {referral_message(e.data).message}")
    return lines or ["No answers to the professional-help questions have been saved yet."]
