"""The blame check of the Autonomy-Security Balance writing helpers: finding always/never
statements, character verdicts, mind reading, demands, "you" complaints and sarcasm in a message
(:func:`check_accusations`), and a gentler first-person rewording (:func:`suggest_rewording`).
Plain word lists and patterns, so a clinician can see why something was found; nothing is blocked.
The wording comes from the locale's ``asb_*`` strings."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from securebase.content import Locale
from securebase.journal.wording import APOS, and_list, clean_line, find_words, lower_first, split_words, use_locale, words_pattern


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
_COPULA = (rf"(?:you{APOS}re|you\s+are|you\s+were|you\s+can\s+be|you\s+have\s+been|you\s+seem|you\s+sound|"
           rf"you\s+act|you{APOS}re\s+being|you\s+are\s+being|stop\s+being)")

_BLAME_PATTERNS: dict[str, list[str]] = {
    "always_never": [r"always|never|constantly|every\s+(?:single\s+)?time|all\s+the\s+time|each\s+and\s+every"],
    "you_complaint": [
        r"you\s+(?:never|always|keep|kept|only|constantly)",
        rf"you{APOS}re\s+so|you\s+are\s+so|you\s+were\s+so",
        r"you\s+(?:make|made|makes)\s+me\s+(?:so\s+)?(?:angry|mad|sad|crazy|sick|miserable|anxious|nervous|upset|"
        r"furious|wait|beg|chase|doubt|worry|cry|scream|feel\s+like|feel\s+(?:so\s+)?(?:bad|stupid|small|worthless|"
        r"unwanted|invisible|alone|lonely|ignored|guilty|crazy|insecure|awful|terrible|unloved))",
        rf"you\s+(?:don{APOS}t|didn{APOS}t)\s+even",
    ],
    "mind_reading": [
        rf"you\s+(?:just\s+|obviously\s+|clearly\s+|secretly\s+|probably\s+)?(?:don{APOS}t|do\s+not|didn{APOS}t)\s+"
        r"(?:care|love|respect|value|want\s+me|want\s+to\s+be|even\s+want|like\s+me|think\s+about\s+me|notice)",
        rf"you\s+(?:just\s+|obviously\s+|clearly\s+|secretly\s+|probably\s+)?(?:think|thought|want(?:ed)?\s+to|"
        rf"only\s+care|care\s+more|couldn{APOS}t\s+care|would\s+rather|{APOS}d\s+rather|enjoy|like\s+it\s+when|"
        r"did\s+it\s+on\s+purpose|meant\s+to|feel\s+like|know\s+(?:full\s+well|exactly)|are\s+trying\s+to|"
        rf"{APOS}re\s+trying\s+to|just\s+want)",
        rf"you{APOS}d\s+rather",
    ],
    "demand": [
        rf"you\s+(?:need\s+to|have\s+to|should|must|{APOS}d\s+better|better|{APOS}ve\s+got\s+to|have\s+got\s+to|"
        rf"gotta|ought\s+to|shouldn{APOS}t)",
        rf"you{APOS}d\s+better|you{APOS}ve\s+got\s+to",
        r"(?:^|(?<=[.!?]\s))\s*(?:just\s+)?(?:stop|grow\s+up|get\s+over\s+it|deal\s+with\s+it|fix\s+it)",
    ],
    "character_verdict": [
        rf"{_COPULA}\s+(?:{_INTENSIFIERS})*(?:{words_pattern(VERDICT_WORDS)})",
        rf"{_COPULA}\s+(?:such\s+)?an?\s+(?:\w+\s+)?(?:{words_pattern(VERDICT_NOUNS)})",
        rf"such\s+an?\s+(?:{words_pattern(VERDICT_WORDS + VERDICT_NOUNS)})",
        words_pattern(INSULTS),
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
    text, loc = text or "", use_locale(loc)
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
    (re.compile(rf"\b(didn{APOS}t|don{APOS}t)\s+even\b", re.I), r"\1"),
    (re.compile(r"\bnever\s+(?=\w+ed\b)", re.I), "hadn't "),   # "never replied" -> "hadn't replied"
    (re.compile(r"\bnever\b", re.I), "didn't"),                  # "never listen" -> "didn't listen"
    (re.compile(r"\b(?:always|constantly|every\s+(?:single\s+)?time|all\s+the\s+time)\b\s*", re.I), ""),
)
_WHEN_CLAUSE = re.compile(r"\b(?:when|after|while|whenever)\s+([^.!?,;]+)", re.IGNORECASE)
_TRAILING_JOIN = re.compile(r"[\s,;:-]*\b(?:and|but|because|so|then)?[\s,;:-]*$", re.IGNORECASE)
_DEMAND_REST = re.compile(
    rf"\byou\s+(?:really\s+)?(?:need\s+to|have\s+to|should|must|{APOS}d\s+better|better|have\s+got\s+to|ought\s+to)\s+([^.!?]+)",
    re.IGNORECASE,
)
# Signs of blame that end the part of a sentence kept as the situation. Sarcasm is dropped, and
# "always"/"never" and "you never" are softened instead.
_CUT_KINDS = ("character_verdict", "mind_reading", "demand")
_I_FEEL = re.compile(rf"\s*I(?:\s+|{APOS})(?:feel|felt|am\s+feeling|m\s+feeling|was\s+feeling)\b", re.IGNORECASE)


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
            if len(split_words(rest)) >= 2 and not _I_FEEL.match(rest):
                moment = loc.text("asb_rewording_and", moment=moment, rest=lower_first(rest))
        elif _I_FEEL.match(part):
            continue
        else:
            moment = lower_first(_soften(part))
        if len(split_words(moment)) >= 2:
            return moment
    return ""


def suggest_rewording(text: str, *, loc: Locale | None = None) -> str:
    """An I-statement to start from: "When ..., I feel .... I'd like ...".

    It reuses the draft's own words where it can (a "when ..." part, feelings it names, what a
    "you need to ..." asks for) and leaves [brackets] for the person to fill. It is a starting
    point only, never a finished message.
    """
    text = " ".join((text or "").split())
    if not split_words(text):
        return ""
    loc = use_locale(loc)
    findings = check_accusations(text, loc=loc)
    situation = _situation(text, findings, loc) or loc.text("asb_rewording_situation_blank")
    feelings = find_words([words_pattern(FEELING_WORDS)], text)
    feeling = and_list(feelings, loc) if feelings else loc.text("asb_rewording_feeling_blank")
    demand = _DEMAND_REST.search(text)
    request = (loc.text("asb_rewording_request", request=clean_line(demand.group(1))) if demand
               else loc.text("asb_rewording_request_blank"))
    return loc.text("asb_rewording", situation=situation, feeling=feeling, request=request)
