"""The assessments table of the store: questionnaire results, one append-only row each.

A mixin of :class:`~securebase.store.database.Store`; :mod:`securebase.intake.assessments` scores and
interprets, this module only keeps.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from securebase.store.records import AlreadySaved, Assessment, utc_now

if TYPE_CHECKING:  # pragma: no cover
    from securebase.store.database import Store

_COLUMNS = ("assessment_id, client_id, instrument_id, instrument_version, scoring_version, occasion, "
            "administered_at, responses, result")


def _assessment(row: tuple) -> Assessment:
    values = list(row)
    values[7], values[8] = json.loads(values[7]), json.loads(values[8])
    return Assessment(*values)


class AssessmentTables:
    def add_assessment(
        self: "Store", client_id: str, *, instrument_id: str, instrument_version: str, scoring_version: str,
        occasion: str, administered_at: str, responses: dict[str, Any], result: dict[str, Any],
        source_key: str | None = None,
    ) -> Assessment:
        """Store one administration (audited); :class:`AlreadySaved` when ``source_key`` was saved before."""
        assessment_id = uuid.uuid4().hex
        with self._write() as db:
            if source_key is not None:
                found = db.execute("SELECT assessment_id FROM assessments WHERE client_id = ? AND source_key = ?",
                                   (client_id, source_key)).fetchone()
                if found:
                    raise AlreadySaved(found[0])
            db.execute(
                f"INSERT INTO assessments ({_COLUMNS}, recorded_at, source_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (assessment_id, client_id, instrument_id, instrument_version, scoring_version, occasion,
                 administered_at, json.dumps(responses, sort_keys=True), json.dumps(result, sort_keys=True),
                 utc_now(), source_key),
            )
            self._audit(db, "assessment", "assessment", assessment_id, client_id,
                        {"instrument_id": instrument_id, "scoring_version": scoring_version, "occasion": occasion})
        row = self._db.execute(f"SELECT {_COLUMNS} FROM assessments WHERE assessment_id = ?", (assessment_id,)).fetchone()
        return _assessment(row)

    def assessments(self: "Store", client_id: str, instrument_id: str | None = None) -> list[Assessment]:
        """A client's results, oldest first."""
        sql = f"SELECT {_COLUMNS} FROM assessments WHERE client_id = ?"
        params: list[Any] = [client_id]
        if instrument_id is not None:
            sql += " AND instrument_id = ?"
            params.append(instrument_id)
        return [_assessment(r) for r in self._db.execute(sql + " ORDER BY administered_at, recorded_at", params)]
