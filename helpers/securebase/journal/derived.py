"""Values computed from an entry's answers: never stored, always recomputed, so they follow any edit.

Each is a behaviour, registered here by name (:func:`register`); an exercise has the ones its content
declares (``behaviours:``), so nothing here names an exercise.

* ``prediction_error`` (behavioural experiment): predicted intensity minus what was actually
  felt, on the 0-10 scale. Positive means the fear overestimated what happened.
* ``belief_change`` (thought record): belief after minus belief before, in points of 0-100.
* ``intensity_change`` (guided practices): intensity after minus before.
* ``calm_change`` (meditation): calm after minus calm before.
* ``defused`` (defusion): the thought rephrased as "I'm having the thought that ...".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from securebase.content import Exercise, programs
from securebase.content.behaviours import behaviour

DEFUSION_PREFIX = "I'm having the thought that"

_LEADING = re.compile(
    r"^\s*(?:i\s*(?:'|’)?m\s+having\s+the\s+thought\s+that|i\s+am\s+having\s+the\s+thought\s+that|i\s+think\s+that|i\s+think|that)\s+",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"^(I|I'm|I’m|I've|I’ve|I'll|I’ll|I'd|I’d)\b")


def defuse(thought: str) -> str:
    """Rephrase a thought as "I'm having the thought that ..."; idempotent.

    >>> defuse("He doesn't care anymore!")
    "I'm having the thought that he doesn't care anymore."
    """
    text = " ".join(str(thought).split())
    while True:  # "I think that ...", or a thought already defused
        stripped = _LEADING.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    text = text.strip().strip("\"“”'‘’").rstrip(" .!?…")
    if not text:
        return ""
    first, rest = text.split(" ", 1)[0], text[len(text.split(" ", 1)[0]):]
    if not _FIRST_PERSON.match(first) and not (len(first) > 1 and first.isupper()):
        first = first[0].lower() + first[1:]  # keep "I", names are left as typed after the first word
    return f"{DEFUSION_PREFIX} {first}{rest}."


def _difference(after: str, before: str) -> Callable[[dict[str, Any]], Any]:
    def compute(data: dict[str, Any]) -> Any:
        a, b = data.get(after), data.get(before)
        return a - b if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
    return compute


def _prediction_error(data: dict[str, Any]) -> Any:
    predicted, actual = data.get("predicted_intensity"), data.get("actual_intensity")
    if isinstance(predicted, (int, float)) and isinstance(actual, (int, float)):
        return predicted - actual
    return None


def _defused(data: dict[str, Any]) -> Any:
    thought = data.get("thought")
    return defuse(thought) if isinstance(thought, str) and thought.strip() else None


# behaviour name -> (label, function). Content says which exercises have each (``behaviours:``).
DERIVED: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {}


def register(name: str, label: str, compute: Callable[[dict[str, Any]], Any]) -> None:
    """Make ``name`` (a behaviour of :mod:`securebase.content.behaviours`) a derived value:
    every exercise that declares it gets ``compute(answers)`` (``None`` when it cannot be computed)."""
    behaviour(name)  # an unknown name is refused
    if name in DERIVED:
        raise ValueError(f"derived value {name!r} is registered already")
    DERIVED[name] = (label, compute)


register("prediction_error", "Prediction error (predicted - felt)", _prediction_error)
register("belief_change", "Change in belief (after - before)", _difference("belief_after", "belief_before"))
register("intensity_change", "Change in intensity (after - before)", _difference("intensity_after", "intensity_before"))
register("calm_change", "Change in calm (after - before)", _difference("calm_after", "calm_before"))
register("defused", "Rephrased", _defused)


def _declared(exercise: Exercise | str) -> tuple[str, ...]:
    """The behaviours of an exercise; for an exercise id, those of the exercises with that id in content."""
    if not isinstance(exercise, str):
        return exercise.behaviours
    names: list[str] = []
    for program in programs().values():
        for phase in program.phases:
            names += [n for e in phase.exercises if e.id == exercise for n in e.behaviours if n not in names]
    return tuple(names)


def derive(exercise: Exercise | str, data: dict[str, Any]) -> dict[str, Any]:
    """The derived values of one entry (only those that can be computed from its answers)."""
    out = {}
    for name in _declared(exercise):
        if name in DERIVED:
            value = DERIVED[name][1](data)
            if value is not None:
                out[name] = value
    return out


def derived_labels(exercise: Exercise | str) -> dict[str, str]:
    return {name: DERIVED[name][0] for name in _declared(exercise) if name in DERIVED}
