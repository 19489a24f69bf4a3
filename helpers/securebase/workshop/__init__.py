"""Workshops: the content (:mod:`.model`), the live session's agenda and polls (:mod:`.session`),
rosters, batches of participant workbooks, collecting them back and small-cell suppression."""

from securebase.workshop.model import *  # noqa: F401,F403
from securebase.workshop.model import __all__ as _model
from securebase.workshop.session import *  # noqa: F401,F403
from securebase.workshop.session import __all__ as _session

__all__ = [*_model, *_session]
