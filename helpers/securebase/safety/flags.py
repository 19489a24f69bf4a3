"""Safety flags on saved entries: raised when a free-text save is screened as a possible
disclosure, kept until a clinician clears them with a reason.

* :func:`screen_answers` screens every free-text answer of an entry with
  :func:`securebase.safety.screen.screen_text` and returns the categories found (no score).
* The store writes a flag in the same transaction as the entry it belongs to (see
  :mod:`securebase.store.flags`), so a saved disclosure is never left unflagged. The entry itself is
  always saved: a flag never blocks a save.
* :func:`clear_flag` records who cleared a flag, when and why; a flag cannot be cleared twice
  and is never deleted. Both raising and clearing are audited, by categories and ids only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from securebase.content import Exercise
from securebase.core.errors import NotFoundError, SecureBaseError
from securebase.store import Store

CATEGORY_LABELS = {
    "self_harm": "self-harm or suicide",
    "abuse_danger": "abuse or danger in the relationship",
    "harm_to_others": "harm to others",
    "unscreened": "not screened: the safety word list could not be loaded (run securebase check-content)",
}


@dataclass(frozen=True)
class Screening:
    """What the screen found in an entry's free text: categories to flag, and categories to check in
    about (close to risk, not flagged: the workbook asks the person). Both in a fixed order."""

    flag: tuple[str, ...] = ()
    check_in: tuple[str, ...] = ()


def screen_answers(exercise: Exercise, answers: Mapping[str, Any]) -> Screening:
    """Screen every free-text answer of an entry (empty :class:`Screening` when nothing is found)."""
    from securebase.core.errors import ContentError
    from securebase.safety.screen import screen_text

    try:
        screen_text("")
    except ContentError:
        # a broken word list or model must never block a save, nor hide one from the clinician
        return Screening(("unscreened",))
    flagged: set[str] = set()
    asked: set[str] = set()
    for spec in exercise.fields:
        if not spec.type.is_free_text:
            continue
        value = answers.get(spec.id)
        texts = value if isinstance(value, list) else [value]
        for text in texts:
            if isinstance(text, str) and text.strip():
                result = screen_text(text)
                flagged.update(result.categories)
                asked.update(result.check_in_categories)
    return Screening(tuple(c for c in CATEGORY_LABELS if c in flagged),
                     tuple(c for c in CATEGORY_LABELS if c in asked and c not in flagged))


@dataclass(frozen=True)
class Flag:
    flag_id: str
    client_id: str
    entry_id: str
    revision: int
    categories: tuple[str, ...]
    flagged_at: str
    cleared_at: str | None = None
    cleared_by: str | None = None
    reason: str | None = None

    @property
    def open(self) -> bool:
        return self.cleared_at is None

    def describe(self) -> str:
        return ", ".join(CATEGORY_LABELS.get(c, c) for c in self.categories)


def flags(store: Store, client_id: str | None = None, *, open_only: bool = False) -> list[Flag]:
    """Flags, oldest first, with how each was cleared (if it was)."""
    return [Flag(*row) for row in store.flag_rows(client_id, open_only=open_only)]


def entry_flags(store: Store, entry_id: str) -> list[Flag]:
    return [f for f in flags(store) if f.entry_id == entry_id]


def clear_flag(store: Store, flag_id: str, *, reason: str, clinician: str | None = None) -> Flag:
    """Clear a flag with the clinician's reason (at least a few words); the reason is kept."""
    reason = " ".join((reason or "").split())
    if len(reason) < 3:
        raise SecureBaseError("Say why the flag is cleared (for example: 'discussed in session, safety plan in place').")
    found = [f for f in flags(store) if f.flag_id == flag_id]
    if not found:
        raise NotFoundError(f"There is no safety flag {flag_id!r}.")
    if not found[0].open:
        raise SecureBaseError(f"Flag {flag_id} was already cleared on {found[0].cleared_at[:10]} by {found[0].cleared_by}.")
    who = clinician or store.actor
    store.clear_flag_row(flag_id, found[0].client_id, cleared_by=who, reason=reason)
    return next(f for f in flags(store) if f.flag_id == flag_id)


def safety_box_html(categories: tuple[str, ...], loc: Any) -> str:
    """The box shown at once under a flagged save: a short note and the crisis resources (escaped)."""
    import html

    from securebase.safety.resources import resources, resources_html

    if not categories:
        return ""
    return ('<div class="sb-safety" role="alert" style="border:2px solid #9a2a1f;border-radius:4px;'
            'padding:0.5rem 0.8rem;margin:0.5rem 0;max-width:46rem">'
            f"{resources_html(resources(loc.language), categories)}"
            f"<p><strong>{html.escape(loc.text('safety_saved_note'))}</strong></p></div>")


def safety_lines(categories: tuple[str, ...], language: str = "en") -> list[str]:
    """The same in plain text, for batch mode."""
    from securebase.safety.resources import resources, resources_text

    return resources_text(resources(language), categories) if categories else []


def flag_summary(store: Store, client_id: str) -> dict[str, Any]:
    """Flags for a clinician's view and reports: categories, where and status, never the text."""
    found = flags(store, client_id)
    rows = []
    for f in found:
        if f.entry_id.startswith("protocol:"):
            where = "the couple's protocol"
        else:
            try:
                where = store.get_entry(f.entry_id).exercise_id.replace("_", " ")
            except NotFoundError:
                where = "an entry"
        rows.append({"flag_id": f.flag_id, "flagged_at": f.flagged_at, "categories": f.describe(), "where": where,
                     "open": f.open, "cleared_at": f.cleared_at, "reason": f.reason})
    open_flags = [f for f in found if f.open]
    categories = tuple(c for c in CATEGORY_LABELS if any(c in f.categories for f in open_flags))
    return {"open": len(open_flags), "cleared": len(found) - len(open_flags), "flags": rows,
            "resources": safety_lines(categories) if open_flags else []}


def summary_lines(summary: dict[str, Any]) -> list[str]:
    if not summary["flags"]:
        return ["Safety flags: none."]
    lines = [f"Safety flags: {summary['open']} open, {summary['cleared']} cleared."]
    for f in summary["flags"]:
        status = "OPEN" if f["open"] else f"cleared {f['cleared_at'][:10]}: {f['reason']}"
        lines.append(f"  {f['flagged_at'][:10]} {f['categories']} ({f['where']}) - {status} [flag {f['flag_id'][:8]}]")
    if summary.get("resources"):
        lines += ["Crisis resources to go over with the client:", *("  " + r for r in summary["resources"])]
    return lines
