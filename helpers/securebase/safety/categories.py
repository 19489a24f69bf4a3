"""The concerns the safety screen looks for. A text is flagged in named categories, never scored."""

from __future__ import annotations

from typing import Literal

CATEGORIES: tuple[str, ...] = ("self_harm", "abuse_danger", "harm_to_others")

Category = Literal["self_harm", "abuse_danger", "harm_to_others"]
