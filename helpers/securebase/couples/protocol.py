"""The couple's security protocol: a versioned artefact that both partners consent to.

* **Versions.** Saving the protocol (:func:`propose_version`) adds version N+1 for the couple;
  no version is ever changed or removed (the store refuses it). Saving a protocol identical to
  the latest version is refused, since nothing changed.
* **Consent per partner.** Each partner gives (or withdraws) consent to a version from their own
  workbook (:func:`set_consent`). Proposing counts as the proposer's consent unless they say
  otherwise. A version is *agreed* when both partners' latest decision on it is consent.
* **In force.** The protocol in force (:func:`in_force`) is the newest agreed version. While a
  newer version waits for consent, the older agreed one stays in force.
* **Paused.** While the couple is paused after an abuse-or-danger flag (:mod:`securebase.couples.pause`),
  proposing a version and agreeing to one are refused with a neutral message; withdrawing stays possible.
* **Timeout floor.** A timeout shorter than :data:`MIN_TIMEOUT_MINUTES` is refused here, in the
  content (``min: 20``) and by a CHECK constraint in the store, so editing the content cannot
  lower it.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from securebase.content import Exercise, Program, program as load_program
from securebase.couples.dyads import CoupleError, Dyad, dyad_of, get_dyad
from securebase.couples.pause import CouplePaused, pause_of, paused_message, require_not_paused
from securebase.core.errors import EntryValidationError
from securebase.journal.entries import Checked, SaveResult, check_answers
from securebase.store import (
    AlreadySaved, CouplePausedError, Entry, EntryRef, ProtocolRecord, Store, UnchangedProtocol, protocol_screen_id, utc_now,
)

PROTOCOL = "couple_protocol"  # the behaviour of the protocol exercise (one per program)
MIN_TIMEOUT_MINUTES = 20
# "an explicit return time": the commitment must say when, as a clock time or a span of time
_WHEN = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
    r"forty-five|sixty|ninety|half|quarter|noon|midnight|o'clock|minutes?|mins?|hours?|hrs?)\b",
    re.IGNORECASE,
)


class AlreadyProposed(CoupleError):
    """This proposal was saved before (same source key)."""

    def __init__(self, version: int):
        self.version = version
        super().__init__(f"This proposal was already saved as version {version}; it was not saved twice.")


class ProtocolVersion(ProtocolRecord):
    """One version of the couple's protocol with each partner's latest decision (``consents``)."""

    def consented(self, client_id: str) -> bool:
        return self.consents.get(client_id, False)

    def agreed(self, dyad: Dyad) -> bool:
        return all(self.consented(member) for member in dyad.members)


def protocol_exercise(program: Program) -> Exercise:
    return program.find_exercise_with(PROTOCOL)[1]


def check_protocol(program: Program, answers: Mapping[str, Any]) -> Checked:
    """Validate a protocol against the content and the timeout floor, derive and screen it
    (:func:`~securebase.journal.entries.check_answers`, like every entry)."""
    phase, _ = program.find_exercise_with(PROTOCOL)
    checked = check_answers(phase, protocol_exercise(program), answers)
    cleaned = checked.answers
    problems = {}
    minutes = cleaned.get("timeout_minutes")
    if not isinstance(minutes, int) or minutes < MIN_TIMEOUT_MINUTES:
        problems["timeout_minutes"] = (f"A timeout must last at least {MIN_TIMEOUT_MINUTES} minutes: a stirred-up "
                                       f"body needs that long to settle. Enter {MIN_TIMEOUT_MINUTES} or more.")
    if not _WHEN.search(cleaned.get("return_commitment") or ""):
        problems["return_commitment"] = ("Say when you will come back, as a time or a span of time - for example "
                                         "\"I'll come and find you at eight\" or \"I'll be back in 30 minutes\".")
    if problems:
        raise EntryValidationError(problems)
    return checked


def _couple(store: Store, client_id: str) -> Dyad:
    dyad = dyad_of(store, client_id)
    if dyad is None:
        raise CoupleError(
            f"{client_id} is not linked with a partner. The protocol belongs to a couple: ask your clinician "
            "to link you with your partner on the clients page, then save it again."
        )
    return dyad


def versions(store: Store, dyad_id: str) -> list[ProtocolVersion]:
    """Every version of the couple's protocol, oldest first, with each partner's latest decision."""
    return [ProtocolVersion(**vars(record)) for record in store.protocol_versions(dyad_id)]


def in_force(store: Store, dyad_id: str) -> ProtocolVersion | None:
    """The newest version both partners agreed to, or ``None``."""
    dyad = get_dyad(store, dyad_id)
    agreed = [v for v in versions(store, dyad_id) if v.agreed(dyad)]
    return agreed[-1] if agreed else None


def save_protocol(
    store: Store,
    program: Program,
    client_id: str,
    answers: Mapping[str, Any],
    *,
    consent: bool = True,
    proposed_at: str | None = None,
    source_key: str | None = None,
) -> SaveResult:
    """Save the protocol as the couple's next version, with the proposer's consent unless ``consent``
    is False; its safety flag is written in the same transaction. The result's reference is
    ``protocol-v<N>``, revision N.

    ``source_key`` makes batch imports idempotent: a proposal already saved under that key is
    refused with :class:`AlreadyProposed`, and nothing changes.
    """
    dyad = _couple(store, client_id)
    require_not_paused(store, dyad, client_id)
    checked = check_protocol(program, answers)
    try:
        number = store.add_protocol_version(
            dyad.dyad_id, checked.answers, content_version=program.version, proposed_by=client_id,
            proposed_at=proposed_at or utc_now(), source_key=source_key, safety_categories=checked.safety,
            consent=consent, check_in_categories=checked.screening.check_in,
        )
    except AlreadySaved as exc:
        raise AlreadyProposed(int(exc.existing)) from None
    except CouplePausedError:  # paused by a save that landed a moment ago
        raise CouplePaused(paused_message(store, client_id)) from None
    except UnchangedProtocol as exc:
        raise CoupleError(f"This is the same as version {exc.version}; change something to make a new version.") from None
    return SaveResult(EntryRef(f"protocol-v{number}", number), checked.answers, checked.safety, checked.derived,
                      checked.screening.check_in, screened_as=protocol_screen_id(dyad.dyad_id, number))


def propose_version(
    store: Store,
    program: Program,
    client_id: str,
    answers: Mapping[str, Any],
    *,
    consent: bool = True,
    proposed_at: str | None = None,
    source_key: str | None = None,
) -> ProtocolVersion:
    """:func:`save_protocol`, returning the new :class:`ProtocolVersion` with its consents."""
    saved = save_protocol(store, program, client_id, answers, consent=consent, proposed_at=proposed_at,
                          source_key=source_key)
    dyad = _couple(store, client_id)
    return next(v for v in versions(store, dyad.dyad_id) if v.version == saved.revision)


def set_consent(
    store: Store, client_id: str, version: int | str, *, consent: bool = True, at: str | None = None
) -> ProtocolVersion:
    """Record ``client_id``'s consent to (or withdrawal from) one version of their couple's protocol.

    ``version`` may be ``"latest"``. Repeating the decision the partner already holds changes nothing.
    """
    dyad = _couple(store, client_id)
    if consent:
        require_not_paused(store, dyad, client_id)
    known = {v.version: v for v in versions(store, dyad.dyad_id)}
    if version == "latest" and known:
        version = max(known)
    if version not in known:
        numbers = ", ".join(map(str, known)) or "none yet"
        raise CoupleError(f"There is no version {version} of your protocol (versions: {numbers}).")
    if known[version].consented(client_id) == consent:
        return known[version]  # nothing to change (also makes re-running a batch file harmless)
    current = in_force(store, dyad.dyad_id)
    if consent and current is not None and version < current.version:
        raise CoupleError(
            f"Version {version} is older than version {current.version}, which you both agreed to. "
            "To go back to it, save it again as a new version."
        )
    try:
        store.add_protocol_consent(dyad.dyad_id, version, client_id, consent, at or utc_now())
    except CouplePausedError:  # paused by a save that landed a moment ago
        raise CouplePaused(paused_message(store, client_id)) from None
    return next(v for v in versions(store, dyad.dyad_id) if v.version == version)


def changed_fields(exercise: Exercise, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The labels of the protocol's parts that differ between two versions, in form order."""
    return [spec.short_label or spec.label for spec in exercise.fields if old.get(spec.id) != new.get(spec.id)]


def status_text(version: ProtocolVersion, dyad: Dyad, current: ProtocolVersion | None) -> str:
    """Plain words for where a version stands: in force, waiting for someone, or superseded."""
    waiting = [f"partner {dyad.role_of(m)}" for m in dyad.members if not version.consented(m)]
    if current is not None and version.version == current.version:
        return "In force: agreed by both"
    if version.agreed(dyad):
        return "Agreed earlier, replaced by a newer agreed version"
    if current is not None and version.version < current.version:
        return "Not agreed; replaced"
    return "Waiting for " + " and ".join(waiting)


def as_entries(store: Store, client_id: str) -> list[Entry]:
    """The couple's protocol versions shaped as entries (one per version), for history tables,
    summaries and progress counts. The entry id is ``protocol-v<N>`` and the revision is N."""
    dyad = dyad_of(store, client_id)
    if dyad is None:
        return []
    program_id = dyad.program_id or "asb"
    phase, exercise = load_program(program_id).find_exercise_with(PROTOCOL)
    return [
        Entry(
            entry_id=f"protocol-v{v.version}", revision=v.version, client_id=v.proposed_by,
            program_id=program_id, phase_id=phase.id, exercise_id=exercise.id,
            content_version=v.content_version, occurred_at=v.proposed_at[:19], recorded_at=v.proposed_at,
            recorded_by=v.proposed_by, deleted=False, data=v.data, source_key=None,
        )
        for v in versions(store, dyad.dyad_id)
    ]


def visible_entries(store: Store, client_id: str) -> list[Entry]:
    """:func:`as_entries` as the client's own workbook shows them: while the couple is paused, only the
    versions the client proposed (the partner's are not shown until a clinician lifts the pause)."""
    entries = as_entries(store, client_id)
    if pause_of(store, dyad_of(store, client_id)) is not None:
        entries = [e for e in entries if e.client_id == client_id]
    return entries
