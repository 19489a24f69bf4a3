"""The scale engine: questionnaires are data in ``content/scales/``, scored by one function.

An instrument file gives its items, the response scale, which items are reverse-keyed, the
subscales with their scoring method (``mean`` or ``sum``) and missing-item rule, the
interpretation bands, optional classification rules (for example a pattern named from two
subscales), recommendations, reliable-change parameters, and two versions: ``version`` (the
wording) and ``scoring_version`` (the scoring rules). A new instrument is a new file: nothing
in the code names an instrument.

:func:`score` turns responses into a :class:`ScaleResult`, which carries the instrument id and
both versions, so a stored result can always be traced to the rules that produced it.

Rules, in one place:

* a reverse-keyed answer ``x`` counts as ``min + max - x``;
* a subscale is scored only when no more than ``max_missing`` of its items are unanswered;
  otherwise its score is ``None`` and it says why;
* ``mean`` is the mean of the answered items; ``sum`` is prorated when items are missing
  (the mean of the answered items times the number of items), so scores stay comparable;
* scores are rounded to ``decimals`` places *before* bands are looked up, so the band shown
  always matches the number shown; a band runs from its ``from`` value (inclusive) to the
  next band's ``from`` (exclusive);
* the reliable change index is ``(post - pre) / (sqrt(2) * sd * sqrt(1 - reliability))``
  (Jacobson and Truax); an absolute value of at least 1.96 is a reliable change.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping

from pydantic import Field, model_validator

from securebase.content.loader import content_dir, read_yaml, validate
from securebase.content.model import Identifier, Model, Text
from securebase.core.errors import ContentError, SecureBaseError

RELIABLE_CHANGE = 1.96


class ScaleError(SecureBaseError):
    """Responses that cannot be scored (an unknown item, a value off the scale)."""


class ResponseScale(Model):
    min: int
    max: int
    labels: dict[int, Text] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> "ResponseScale":
        if self.min >= self.max:
            raise ValueError(f"'min' ({self.min}) must be below 'max' ({self.max})")
        outside = [k for k in self.labels if not self.min <= k <= self.max]
        if outside:
            raise ValueError(f"labels for values {outside} lie outside {self.min}-{self.max}")
        return self


class Item(Model):
    id: Identifier
    text: Text
    subscale: Identifier
    reverse: bool = False


class Band(Model):
    from_: float = Field(alias="from")
    label: Text
    text: str = ""


class ReliableChange(Model):
    sd: float = Field(gt=0)
    reliability: float = Field(gt=0, lt=1)
    source: Text


class Subscale(Model):
    id: Identifier
    label: Text
    method: Literal["mean", "sum"] = "mean"
    max_missing: int = Field(default=0, ge=0)
    decimals: int = Field(default=2, ge=0, le=4)
    bands: tuple[Band, ...] = ()
    reliable_change: ReliableChange | None = None

    @model_validator(mode="after")
    def _check(self) -> "Subscale":
        edges = [b.from_ for b in self.bands]
        if edges != sorted(edges) or len(set(edges)) != len(edges):
            raise ValueError(f"bands must be in increasing order of 'from', got {edges}")
        return self


class Condition(Model):
    """``subscale`` compared with ``value``: for example anxiety >= 4."""

    subscale: Identifier
    op: Literal["<", "<=", ">", ">=", "=="]
    value: float

    def holds(self, scores: Mapping[str, float | None]) -> bool:
        x = scores.get(self.subscale)
        if x is None:
            return False
        return {"<": x < self.value, "<=": x <= self.value, ">": x > self.value,
                ">=": x >= self.value, "==": x == self.value}[self.op]


class Rule(Model):
    id: Identifier
    when: tuple[Condition, ...] = ()      # all must hold; empty means "otherwise"
    label: Text
    text: str = ""


class Classification(Model):
    """Named outcomes from subscale scores; the first rule whose conditions all hold wins."""

    id: Identifier
    label: Text
    rules: tuple[Rule, ...] = Field(min_length=1)


class Recommendation(Model):
    when: tuple[Condition, ...] = ()
    program: Identifier
    phase: Identifier
    exercises: tuple[Identifier, ...] = ()
    why: Text


class Axes(Model):
    x: Identifier
    y: Identifier
    cut: float | None = None


class Instrument(Model):
    id: Identifier
    title: Text
    version: Text
    scoring_version: Text
    purpose: Text
    instructions: Text
    response_scale: ResponseScale
    items: tuple[Item, ...] = Field(min_length=1)
    subscales: tuple[Subscale, ...] = Field(min_length=1)
    classifications: tuple[Classification, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    plot: Axes | None = None

    @model_validator(mode="after")
    def _check(self) -> "Instrument":
        ids = [i.id for i in self.items]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"item ids must be unique; repeated: {', '.join(dup)}")
        known = {s.id for s in self.subscales}
        for item in self.items:
            if item.subscale not in known:
                raise ValueError(f"item {item.id!r} names subscale {item.subscale!r}, which is not defined")
        for sub in self.subscales:
            n = sum(1 for i in self.items if i.subscale == sub.id)
            if n == 0:
                raise ValueError(f"subscale {sub.id!r} has no items")
            if sub.max_missing >= n:
                raise ValueError(f"subscale {sub.id!r}: max_missing ({sub.max_missing}) must be below its {n} items")
        conditions = [c for cl in self.classifications for r in cl.rules for c in r.when]
        conditions += [c for rec in self.recommendations for c in rec.when]
        for c in conditions:
            if c.subscale not in known:
                raise ValueError(f"a rule names subscale {c.subscale!r}, which is not defined")
        if self.plot and not {self.plot.x, self.plot.y} <= known:
            raise ValueError(f"plot axes {self.plot.x!r}, {self.plot.y!r} must be subscales")
        return self

    def subscale(self, subscale_id: str) -> Subscale:
        return next(s for s in self.subscales if s.id == subscale_id)

    def items_of(self, subscale_id: str) -> list[Item]:
        return [i for i in self.items if i.subscale == subscale_id]


# ---------------------------------------------------------------- loading


def load_instrument_file(path: Path) -> Instrument:
    return validate(Instrument, path, read_yaml(path))


@functools.cache
def _load(root: Path) -> dict[str, Instrument]:
    found: dict[str, Instrument] = {}
    for path in sorted((root / "scales").glob("*.yaml")):
        instrument = load_instrument_file(path)
        if instrument.id in found:
            raise ContentError(path, "id", f"instrument id {instrument.id!r} is already used by another file")
        found[instrument.id] = instrument
    return found


def instruments() -> dict[str, Instrument]:
    """Every instrument in ``content/scales``, validated, keyed by id."""
    return _load(content_dir())


def instrument(instrument_id: str) -> Instrument:
    found = instruments()
    if instrument_id not in found:
        raise KeyError(f"unknown instrument {instrument_id!r}; known: {', '.join(sorted(found)) or 'none'}")
    return found[instrument_id]


def clear_cache() -> None:
    _load.cache_clear()


def check_references(instrument: Instrument) -> None:
    """Refuse recommendations that name a program, phase or exercise the content does not have."""
    from securebase import content

    path = content_dir() / "scales" / f"{instrument.id}.yaml"
    for n, rec in enumerate(instrument.recommendations):
        try:
            phase = content.program(rec.program).phase(rec.phase)
            for exercise_id in rec.exercises:
                phase.exercise(exercise_id)
        except KeyError as exc:
            raise ContentError(path, f"recommendations[{n}]", str(exc.args[0])) from None


# ---------------------------------------------------------------- scoring


@dataclass(frozen=True)
class SubscaleScore:
    id: str
    label: str
    score: float | None
    answered: int
    items: int
    band: str | None = None
    band_text: str = ""
    note: str = ""           # why there is no score


@dataclass(frozen=True)
class ScaleResult:
    instrument_id: str
    instrument_version: str
    scoring_version: str
    subscales: dict[str, SubscaleScore]
    classifications: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def scores(self) -> dict[str, float | None]:
        return {k: s.score for k, s in self.subscales.items()}

    def as_dict(self) -> dict[str, Any]:
        return {
            "instrument_id": self.instrument_id,
            "instrument_version": self.instrument_version,
            "scoring_version": self.scoring_version,
            "subscales": {k: vars(s) for k, s in self.subscales.items()},
            "classifications": self.classifications,
        }


def check_responses(instrument: Instrument, responses: Mapping[str, Any]) -> dict[str, int]:
    """Responses as ``{item id: int}``; unanswered items (None or missing) are left out."""
    known = {i.id for i in instrument.items}
    unknown = sorted(set(responses) - known)
    if unknown:
        raise ScaleError(f"{instrument.title}: unknown item(s) {', '.join(unknown)}; check the item ids.")
    scale = instrument.response_scale
    clean = {}
    for item_id, value in responses.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise ScaleError(f"item {item_id}: {value!r} is not a whole number from {scale.min} to {scale.max}.")
        if not scale.min <= value <= scale.max:
            raise ScaleError(f"item {item_id}: {value} is off the scale; answers run from {scale.min} to {scale.max}.")
        clean[item_id] = int(value)
    return clean


def band_for(subscale: Subscale, value: float) -> Band | None:
    chosen = None
    for band in subscale.bands:
        if value >= band.from_:
            chosen = band
    return chosen


def score(instrument: Instrument, responses: Mapping[str, Any]) -> ScaleResult:
    """Score responses by the instrument's rules (see the module docstring)."""
    answers = check_responses(instrument, responses)
    lo, hi = instrument.response_scale.min, instrument.response_scale.max
    results = {}
    for sub in instrument.subscales:
        items = instrument.items_of(sub.id)
        values = [(lo + hi - answers[i.id]) if i.reverse else answers[i.id] for i in items if i.id in answers]
        missing = len(items) - len(values)
        if missing > sub.max_missing:
            results[sub.id] = SubscaleScore(
                sub.id, sub.label, None, len(values), len(items),
                note=f"{missing} of {len(items)} items unanswered; at most {sub.max_missing} may be missing",
            )
            continue
        mean = sum(values) / len(values)
        raw = mean if sub.method == "mean" else mean * len(items)
        value = round(raw, sub.decimals)
        band = band_for(sub, value)
        results[sub.id] = SubscaleScore(
            sub.id, sub.label, value, len(values), len(items),
            band=band.label if band else None, band_text=band.text if band else "",
        )
    scores = {k: s.score for k, s in results.items()}
    classes = {}
    for cl in instrument.classifications:
        if any(scores.get(c.subscale) is None for r in cl.rules for c in r.when):
            continue  # a subscale it needs has no score: no name rather than a wrong one
        rule = next((r for r in cl.rules if all(c.holds(scores) for c in r.when)), None)
        if rule is not None:
            classes[cl.id] = {"label": cl.label, "rule": rule.id, "name": rule.label, "text": rule.text}
    return ScaleResult(instrument.id, instrument.version, instrument.scoring_version, results, classes)


def recommendations(instrument: Instrument, result: ScaleResult) -> list[Recommendation]:
    """The recommendations whose conditions all hold, in file order."""
    return [r for r in instrument.recommendations if all(c.holds(result.scores) for c in r.when)]


def reliable_change(subscale: Subscale, before: float, after: float) -> dict[str, Any] | None:
    """The reliable change index between two scores, or ``None`` without parameters."""
    rc = subscale.reliable_change
    if rc is None:
        return None
    s_diff = math.sqrt(2) * rc.sd * math.sqrt(1 - rc.reliability)
    rci = (after - before) / s_diff
    return {
        "before": before, "after": after, "change": round(after - before, 4), "rci": round(rci, 3),
        "reliable": abs(rci) >= RELIABLE_CHANGE, "s_diff": round(s_diff, 4),
    }
