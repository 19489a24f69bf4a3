"""The insecurity pattern: each journal entry as a chain, and the chains that recur.

Each entry reads trigger → automatic thought → body → behaviour → short-term relief →
long-term cost. Recurring sequences group entries by the kind of trigger and the kind of
response, and keep the feelings and body signals that come up in at least half of them,
which is how a sequence like "a slow reply → fear → racing heart → more messages" shows up.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from securebase.content import Exercise
from securebase.store import Entry

JOURNAL = "pattern_journal"  # the behaviour of the journal drawn here (one per program)
LINKS = (
    ("trigger", "Trigger"),
    ("automatic_thoughts", "Automatic thought"),
    ("body", "Body"),
    ("behaviour", "Behaviour"),
    ("short_term_outcome", "Short-term relief"),
    ("long_term_cost", "Long-term cost"),
)


@dataclass(frozen=True)
class Link:
    key: str
    title: str
    text: str          # client text or option labels: escape before showing as HTML


def chain(exercise: Exercise, entry: Entry) -> list[Link]:
    """The six links of one journal entry, in order (empty text where the client left it blank)."""
    data = entry.data

    def labels(field_id: str) -> list[str]:
        spec = exercise.field(field_id)
        value = data.get(field_id) or []
        return [spec.choice_label(v) for v in ([value] if isinstance(value, str) else value)]

    texts = {
        "trigger": " - ".join(p for p in (", ".join(labels("trigger_type")), data.get("trigger", "")) if p),
        "automatic_thoughts": data.get("automatic_thoughts", ""),
        "body": "; ".join(p for p in (", ".join(labels("emotions")), ", ".join(labels("body_sensations"))) if p),
        "behaviour": " - ".join(p for p in (", ".join(labels("behaviour_type")), data.get("behaviour", "")) if p),
        "short_term_outcome": data.get("short_term_outcome", ""),
        "long_term_cost": data.get("long_term_cost", ""),
    }
    return [Link(key, title, texts[key]) for key, title in LINKS]


def recurring_sequences(exercise: Exercise, entries: list[Entry], *, min_count: int = 2) -> list[dict[str, Any]]:
    """Sequences seen at least ``min_count`` times, most frequent first. Holds option labels only, no free text."""
    groups: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for e in entries:
        trigger = e.data.get("trigger_type")
        if trigger:
            groups[(trigger, e.data.get("behaviour_type") or "")].append(e)
    spec = exercise.field
    out = []
    for (trigger, behaviour), members in groups.items():
        if len(members) < min_count:
            continue
        half = len(members) / 2
        feelings = Counter(v for m in members for v in m.data.get("emotions", []))
        body = Counter(v for m in members for v in m.data.get("body_sensations", []))
        intensities = [m.data["intensity"] for m in members if isinstance(m.data.get("intensity"), int)]
        steps = [spec("trigger_type").choice_label(trigger)]
        steps.append(", ".join(spec("emotions").choice_label(v) for v, n in feelings.most_common() if n >= half) or "-")
        steps.append(", ".join(spec("body_sensations").choice_label(v) for v, n in body.most_common() if n >= half) or "-")
        steps.append(spec("behaviour_type").choice_label(behaviour) if behaviour else "(response not classified)")
        out.append({
            "trigger_type": trigger,
            "behaviour_type": behaviour or None,
            "count": len(members),
            "share": round(len(members) / len(entries), 3),
            "sequence": steps,
            "mean_intensity": round(sum(intensities) / len(intensities), 1) if intensities else None,
            "first": min(m.occurred_at[:10] for m in members),
            "last": max(m.occurred_at[:10] for m in members),
        })
    return sorted(out, key=lambda s: (-s["count"], s["sequence"]))
