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


def get_flag(store: Store, flag_id: str) -> Flag:
    """One flag by its id, or by the start of it (the first 8 characters are enough)."""
    found = [f for f in flags(store) if f.flag_id.startswith(flag_id or "\0")]
    if len(found) != 1:
        raise NotFoundError(f"There is no safety flag {flag_id!r}." if not found else
                            f"{len(found)} safety flags start with {flag_id!r}: give more of the id.")
    return found[0]


def clear_flag(store: Store, flag_id: str, *, reason: str, clinician: str | None = None) -> Flag:
    """Clear a flag with the clinician's reason (at least a few words); the reason is kept."""
    reason = " ".join((reason or "").split())
    if len(reason) < 3:
        raise SecureBaseError("Say why the flag is cleared (for example: 'discussed in session, safety plan in place').")
    found = [f for f in flags(store) if f.flag_id == flag_id]
    if not found:
        raise NotFoundError(f"There is no safety flag {flag_id!r}.")
    if not found[0].open:
        raise SecureBaseError(f"That flag was already cleared on {found[0].cleared_at[:10]} by {found[0].cleared_by}.")
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


def exercise_title(store: Store, flag: Flag) -> str:
    """Where the flagged text was written, in the program's own words (the exercise title)."""
    return written_in(store, flag.entry_id, flag.revision)


def written_in(store: Store, entry_id: str, revision: int) -> str:
    """The exercise title of an entry's revision (or "the couple's protocol")."""
    from securebase import content

    if entry_id.startswith("protocol:"):
        return "the couple's protocol"
    entry = store.entry_at(entry_id, revision)
    if entry is None:
        return "an entry"
    try:
        return content.program(entry.program_id).find_exercise(entry.exercise_id)[1].title
    except (KeyError, SecureBaseError):
        return entry.exercise_id.replace("_", " ")


def _flagged_texts(store: Store, flag: Flag) -> list[str]:
    """The free text of the flagged revision (or protocol version), to screen again; never shown as such."""
    from securebase import content

    if flag.entry_id.startswith("protocol:"):
        dyad_id, _, version = flag.entry_id[len("protocol:"):].rpartition(":v")
        found = [v for v in store.protocol_versions(dyad_id) if str(v.version) == version]
        data, fields = (found[0].data if found else {}), None
    else:
        entry = store.entry_at(flag.entry_id, flag.revision)
        if entry is None:
            return []
        data = entry.data
        try:
            exercise = content.program(entry.program_id).find_exercise(entry.exercise_id)[1]
            fields = [f.id for f in exercise.fields if f.type.is_free_text]
        except (KeyError, SecureBaseError):
            fields = None  # an exercise no longer in the content: screen every text answer
    texts: list[str] = []
    for key, value in data.items():
        if fields is not None and key not in fields:
            continue
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and text.strip():
                texts.append(text)
    return texts


def matched_words(store: Store, flag: Flag) -> tuple[str, ...]:
    """The words the screen matches in the flagged revision, each once, in the order written (shown only on
    request). Empty when no single words stand out (a "yes" to a check-in, or the overall wording)."""
    from securebase.core.errors import ContentError
    from securebase.safety.screen import BACKSTOP, screen_text

    seen: dict[str, str] = {}
    try:
        for text in _flagged_texts(store, flag):
            for match in screen_text(text).matches:
                if match.entry == BACKSTOP:   # the model reads a whole sentence: no words to show, and never the text
                    continue
                words = " ".join(match.text.split())
                seen.setdefault(words.casefold(), words)
    except ContentError:
        return ()
    return tuple(seen.values())


def flag_summary(store: Store, client_id: str) -> dict[str, Any]:
    """Flags for a clinician's view and reports: category, date, exercise and status, never the text."""
    found = flags(store, client_id)
    answered_yes = store.yes_check_in_revisions() if found else set()
    rows = []
    for f in found:
        rows.append({"flag_id": f.flag_id, "flagged_at": f.flagged_at, "categories": f.describe(),
                     "where": exercise_title(store, f), "check_in": (f.entry_id, f.revision) in answered_yes,
                     "open": f.open, "cleared_at": f.cleared_at, "reason": f.reason})
    open_flags = [f for f in found if f.open]
    categories = tuple(c for c in CATEGORY_LABELS if any(c in f.categories for f in open_flags))
    unanswered = [{"asked_at": row[5], "categories": ", ".join(CATEGORY_LABELS.get(c, c) for c in row[4]),
                   "where": written_in(store, row[2], row[3])}
                  for row in store.check_in_rows(client_id) if row[6] is None]
    return {"open": len(open_flags), "cleared": len(found) - len(open_flags), "flags": rows,
            "check_ins_unanswered": unanswered, "resources": _clinician_resources(categories) if open_flags else []}


def _clinician_resources(categories: tuple[str, ...]) -> list[str]:
    """The crisis lines for the clinician to go over with the client: the help section's framing
    (where to turn), not the words said to the person just after a flagged save."""
    from securebase.safety.resources import resources, resources_text

    return resources_text(resources("en"), categories, after_save=False)


def flag_line(row: dict[str, Any]) -> str:
    """One flag in plain words: date, category, exercise and status (no text, no ids)."""
    how = ", answered yes when asked directly" if row.get("check_in") else ""
    status = "open" if row["open"] else f"cleared {row['cleared_at'][:10]}: {row['reason']}"
    return f"{row['flagged_at'][:10]}: {row['categories']} (in {row['where']}{how}) - {status}"


def summary_lines(summary: dict[str, Any]) -> list[str]:
    asked = summary.get("check_ins_unanswered", [])
    lines = ([f"Safety flags: {summary['open']} open, {summary['cleared']} cleared."] if summary["flags"]
             else ["Safety flags: none."])
    for f in summary["flags"]:
        lines.append("  " + flag_line(f))
    if asked:
        lines.append(f"Check-ins nobody answered ({len(asked)}): an entry close to risk, and the client was not asked "
                     "or did not answer; ask them yourself.")
        lines += [f"  {c['asked_at'][:10]}, {c['categories']}, in {c['where']}" for c in asked]
    if summary.get("resources"):
        lines += ["Crisis resources to go over with the client:", *("  " + r for r in summary["resources"])]
    return lines
