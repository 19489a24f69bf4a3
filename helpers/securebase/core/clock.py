"""Today's date and the time of day, as the workbooks use them.

The committed notebooks under ``notebooks/`` keep the outputs of one run on a throw-away store as
nbval's baseline. For ``securebase notebooks --execute`` to write the same bytes on every run,
the baseline build (:func:`securebase.nbgen.phase.execute_on_demo_store`) sets
``SECUREBASE_TODAY=YYYY-MM-DD`` in the environment of the kernels it starts, and the dates the
notebooks show come from :func:`today` and :func:`now`. With the variable set, ``now`` is 09:00 on
that day and does not move. Nothing else sets it: unset (always, in real use) these are
``date.today()`` and ``datetime.now()``.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time, tzinfo

TODAY_ENV = "SECUREBASE_TODAY"
PINNED_TIME = time(9, 0)


def pinned_today() -> date | None:
    """The day set by ``SECUREBASE_TODAY``, or ``None`` when it is unset or empty."""
    value = os.environ.get(TODAY_ENV, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{TODAY_ENV} must be a day written as YYYY-MM-DD, not {value!r}; "
                         "unset it to use the real date") from None


def today() -> date:
    return pinned_today() or date.today()


def now(tz: tzinfo | None = None) -> datetime:
    """The current time (in ``tz`` if given, else naive local time), or 09:00 on the pinned day."""
    pinned = pinned_today()
    if pinned is None:
        return datetime.now(tz)
    return datetime.combine(pinned, PINNED_TIME, tzinfo=tz)
