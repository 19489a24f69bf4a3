"""Applies to every pytest run in this repository, tests/ and the nbval run of notebooks/ alike:
nothing under test may read or write the real Secure Base data folder."""

from __future__ import annotations

import os
import shutil
import tempfile

_home: str | None = None


def pytest_configure(config) -> None:
    global _home
    _home = tempfile.mkdtemp(prefix="securebase-test-home-")
    os.environ["SECUREBASE_HOME"] = _home  # inherited by the kernels nbval and papermill start
    # nbval's kernels on IPC sockets, so that they cannot collide on ports with kernels that
    # other processes (a second test run, a batch) start at the same time
    from securebase.core.kernel_transport import use_ipc_for_nbval

    use_ipc_for_nbval()


def pytest_unconfigure(config) -> None:
    if _home:
        shutil.rmtree(_home, ignore_errors=True)
