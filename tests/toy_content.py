"""Editing a private copy of content/ (the ``content_copy`` fixture), and a toy exercise that no code
names: whatever it does beyond its form comes only from the behaviours it declares."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable

import yaml

TOY_ID = "toy_worry_check"
TOY_EXERCISE: dict[str, Any] = {
    "id": TOY_ID,
    "kind": "practice",
    "title": "Toy worry check",
    "instructions": "A made-up exercise for tests.",
    "behaviours": ["intensity_change", "trigger_nudge"],
    "fields": [
        {"id": "trigger", "type": "long_text", "label": "What happened?"},
        {"id": "intensity_before", "type": "rating", "label": "Worry before", "min": 0, "max": 10},
        {"id": "intensity_after", "type": "rating", "label": "Worry after", "min": 0, "max": 10},
    ],
}


def edit_yaml(path: Path, change: Callable[[Any], Any]) -> None:
    """Load a YAML file, let ``change`` edit the data in place, write it back."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def add_toy_exercise(root: Path, program: str = "sie", phase: int = 0, **changes: Any) -> dict[str, Any]:
    """Add the toy exercise (with ``changes``) to a phase of a program in the content copy at ``root``."""
    toy = {**copy.deepcopy(TOY_EXERCISE), **changes}
    edit_yaml(root / "programs" / f"{program}.yaml", lambda d: d["phases"][phase]["exercises"].append(toy))
    return toy
