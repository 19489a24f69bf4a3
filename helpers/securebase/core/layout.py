"""Where the generated notebooks live, relative to the notebooks folder (``notebooks/`` in the
repository, the workbooks folder of the data directory in use). Links on the home page and the
notebook builders both use these names."""

from __future__ import annotations

from pathlib import Path

HOME_NOTEBOOK = "app/home.ipynb"                              # the clinician's home page, opened first by the app
PROGRESS_NOTEBOOK = "progress.ipynb"                          # per program: the clinician's view across its phases
INTAKE_DIR = "intake"                                         # one notebook per questionnaire in content/scales
WORKSHOP_NOTEBOOK = Path("workshop") / "live_session.ipynb"   # the facilitator's live session
