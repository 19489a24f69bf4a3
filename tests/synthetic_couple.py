"""A deterministic synthetic couple for the "Autonomy-Security Balance" program.

``synthetic_couple(seed, start)`` returns the batch sessions of partner A (who tends to pursue)
and partner B (who tends to withdraw), in order, each a list of answers-file items dated inside
its phase's weeks counted from ``start``:

* weeks 1-2, awareness: activation-journal entries (some shared with the partner) and naming;
* week 3, safe disclosure: a disclosure script each and a blame check;
* weeks 4-6, co-creation: A proposes protocol version 1 (30-minute timeout), B agrees; B
  proposes version 2 (45 minutes, an emoji signal), A agrees; rehearsals;
* weeks 7-8, integration: daily check-ins by both (some days missed, a few days on which
  their reports differ), weekly reviews, wins, repairs and the professional-help screen.

Everything is invented; no entry describes a real person. The same seed gives the same couple.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from synthetic import NoAliasDumper

Item = dict[str, Any]
PHASES = ("awareness", "safe_disclosure", "co_creation", "integration")

_MOMENTS = {
    "A": [
        ("They looked at their phone while I was telling them about my day at dinner.", "pursue"),
        ("I sent a long message at lunch and the reply at 6pm was just 'ok'.", "pursue"),
        ("They said 'I need a quiet evening' and went to the study at 8pm.", "pursue"),
        ("They left for work without saying goodbye this morning.", "attack"),
    ],
    "B": [
        ("They asked three times in an hour whether I was annoyed with them.", "withdraw"),
        ("They said 'we never talk any more' while I was cooking on Sunday.", "withdraw"),
        ("They wanted to plan the whole weekend in detail on Friday night.", "freeze"),
        ("They followed me into the study to keep talking after I said I needed a break.", "withdraw"),
    ],
}
_BODY = {"A": (["chest", "throat"], ["tightness", "constriction"]), "B": (["shoulders", "jaw"], ["pressure", "numbness"])}
_ACTIVATION = {"A": "anxious_hyperactivation", "B": "avoidant_deactivation"}


def _at(start: date, day: int, hour: int, minute: int = 0) -> str:
    return f"{start + timedelta(days=day - 1):%Y-%m-%d} {hour:02d}:{minute:02d}"


def _awareness(rng: random.Random, start: date, who: str) -> list[Item]:
    items = []
    for n, day in enumerate(sorted(rng.sample(range(1, 15), 6))):
        trigger, response = _MOMENTS[who][n % len(_MOMENTS[who])]
        body, kind = _BODY[who]
        items.append({
            "exercise": "activation_journal", "occurred_at": _at(start, day, 21, rng.randrange(60)),
            "share": n < 2,  # the first two are shared with the partner
            "answers": {
                "trigger": trigger, "body_locations": body, "sensation_kind": kind, "response": response,
                "response_detail": "Sent two more messages." if who == "A" else "Went quiet and left the room.",
                "early_resonance": "It feels like waiting for a parent who was often late.",
                "feels_familiar": rng.randint(6, 9), "intensity": rng.randint(5, 8),
            },
        })
        if n % 2 == 0:
            items.append({
                "exercise": "naming_activation", "occurred_at": _at(start, day, 21, 30),
                "answers": {
                    "activation": _ACTIVATION[who],
                    "statement": "I notice my anxious system is activated; my chest is tight." if who == "A"
                    else "I notice my avoidant system is shutting down; I want to be alone.",
                    "history_predicts": "They are pulling away from me." if who == "A" else "I am about to be swallowed up.",
                    "actually_happening": "They are tired after a long day.",
                },
            })
    return items


def _safe_disclosure(rng: random.Random, start: date, who: str) -> list[Item]:
    trigger = _MOMENTS[who][0][0]
    return [
        {"exercise": "disclosure_script", "occurred_at": _at(start, 16 + rng.randrange(2), 19),
         "answers": {
             "trigger": trigger, "sensation": "a tight chest" if who == "A" else "heavy shoulders",
             "impulse": "to keep messaging" if who == "A" else "to leave the room",
             "early_pattern": "waiting for someone who did not come",
             "script": f"I've noticed something about how I react. When {trigger[0].lower() + trigger[1:-1]}, "
                       "I feel it in my body and my first urge is to act on it. I'm not asking you to fix it; "
                       "I'd just like you to know this part of me.",
             "moment": "Sunday morning over coffee", "shared": True,
             "partner_response": "They listened and thanked me.",
         }},
        {"exercise": "accusation_check", "occurred_at": _at(start, 18, 20),
         "answers": {
             "draft": "You never put your phone down when I talk to you." if who == "A"
             else "You always want to talk when I'm exhausted.",
             "blame_signs": ["always_never", "you_complaint"],
             "revised": "When the phone comes out while I'm talking, I feel unimportant. Could we put phones away at dinner?"
             if who == "A" else "When I'm exhausted I can't listen well. Could we talk after I've had a short rest?",
         }},
    ]


PROTOCOL_V1 = {
    "signal_type": "word", "signal": "anchor", "who_can_call": "either", "timeout_minutes": 30,
    "self_soothing_activities": ["walk", "breathing"],
    "return_commitment": "I'll come and find you in half an hour and we'll carry on.",
    "reconnection_phrases": ["I'm still with you.", "We'll be all right."],
}
PROTOCOL_V2 = {**PROTOCOL_V1, "signal_type": "emoji", "signal": "⚓", "timeout_minutes": 45,
               "self_soothing_activities": ["walk", "breathing", "music"]}


def _co_creation(rng: random.Random, start: date, who: str) -> tuple[list[Item], list[Item]]:
    """Two sessions: week 4 (version 1 proposed by A, agreed by B) and weeks 5-6 (version 2
    proposed by B, agreed by A), each with a rehearsal."""
    first: list[Item] = []
    second: list[Item] = []
    if who == "A":
        first.append({"exercise": "security_protocol", "occurred_at": _at(start, 23, 19), "answers": PROTOCOL_V1})
        second.append({"exercise": "security_protocol", "action": "consent", "version": 2,
                       "occurred_at": _at(start, 31, 8)})
    else:
        first.append({"exercise": "security_protocol", "action": "consent", "version": 1,
                      "occurred_at": _at(start, 24, 8)})
        second.append({"exercise": "security_protocol", "occurred_at": _at(start, 30, 19), "answers": PROTOCOL_V2})
    for week, day in enumerate((25, 32, 39)):
        (first if week == 0 else second).append({
            "exercise": "protocol_rehearsal", "occurred_at": _at(start, day, 18),
            "answers": {
                "scenario": "An invented argument about whose turn it was to cook.",
                "parts_practised": ["signal", "timeout", "return", "reconnection"],
                "went_well": "We both came back on time.", "to_adjust": "Say the return time out loud.",
                "comfort": min(10, 3 + 2 * week + rng.randint(0, 1)),
            },
        })
    return first, second


def _integration(rng: random.Random, start: date, who: str, shared_days: dict[int, dict[str, Any]]) -> list[Item]:
    items: list[Item] = []
    for day in range(43, 57):
        truth = shared_days[day]
        if rng.random() < 0.12:  # a missed check-in
            continue
        signal = truth["signal"] if rng.random() > 0.1 else not truth["signal"]  # sometimes remembered differently
        answers = {
            "connected": truth["connected"], "minutes": truth["minutes"] + rng.randint(-2, 2) if truth["connected"] else 0,
            "signal_used": signal, "timeout_called": truth["timeout"],
            "returned_on_time": ("yes" if truth["on_time"] else "no") if truth["timeout"] else "not_applicable",
            "felt_connected": max(0, min(10, truth["closeness"] + rng.randint(-1, 1))),
        }
        items.append({"exercise": "daily_checkin", "occurred_at": _at(start, day, 21, 30), "answers": answers})
    for day in (49, 56):
        items.append({"exercise": "weekly_review", "occurred_at": _at(start, day, 10),
                      "answers": {"what_works": "Coming back on time.", "needs_adjusting": "Use the signal earlier."}})
    items.append({"exercise": "wins_log", "occurred_at": _at(start, 47, 22),
                  "share": True, "answers": {"win": "We used the signal and it worked.", "pattern_used": "signal"}})
    items.append({"exercise": "repair_log", "occurred_at": _at(start, 52, 22),
                  "answers": {"what_disconnected": "A tense talk about money.", "how_repaired": "A walk, then a hug.",
                              "minutes_to_reconnect": 90 if who == "A" else 75}})
    items.append({"exercise": "professional_help_screen", "occurred_at": _at(start, 54, 20),
                  "answers": {"persisted_despite_self_help": who == "B", "out_of_control_behaviour": False,
                              "relationship_crisis": False, "significant_trauma": False}})
    return items


Session = tuple[str, str, list[Item]]  # (phase id, "A" or "B", items)


def synthetic_couple(seed: int, start: date) -> list[Session]:
    """The couple's batch sessions in the order they happen: each partner's awareness, safe
    disclosure, two co-creation sessions (A proposes, B agrees; B proposes, A agrees) and integration."""
    rng = random.Random(seed)
    days = {}
    for day in range(43, 57):
        timeout = rng.random() < 0.25
        days[day] = {"connected": rng.random() < 0.85, "minutes": rng.randint(3, 20), "signal": timeout or rng.random() < 0.1,
                     "timeout": timeout, "on_time": rng.random() < 0.8, "closeness": rng.randint(4, 9)}
    own = {who: random.Random(f"{seed}-{who}") for who in ("A", "B")}
    co = {who: _co_creation(own[who], start, who) for who in ("A", "B")}
    sessions: list[Session] = []
    for who in ("A", "B"):
        sessions.append(("awareness", who, _awareness(own[who], start, who)))
    for who in ("A", "B"):
        sessions.append(("safe_disclosure", who, _safe_disclosure(own[who], start, who)))
    sessions += [("co_creation", "A", co["A"][0]), ("co_creation", "B", co["B"][0]),
                 ("co_creation", "B", co["B"][1]), ("co_creation", "A", co["A"][1])]
    for who in ("A", "B"):
        sessions.append(("integration", who, _integration(own[who], start, who, days)))
    return sessions


def write_couple_answers(sessions: list[Session], folder: Path) -> list[tuple[str, str, Path]]:
    """One answers file per session; returns ``[(phase id, role, path)]`` in order."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for n, (phase_id, who, items) in enumerate(sessions, start=1):
        path = folder / f"asb_{n:02d}_{who}_{phase_id}.yaml"
        path.write_text(yaml.dump({"entries": items}, Dumper=NoAliasDumper, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
        out.append((phase_id, who, path))
    return out
