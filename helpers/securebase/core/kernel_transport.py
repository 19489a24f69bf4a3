"""Kernels that cannot collide on ports: IPC (Unix socket) transport in a private folder.

A Jupyter kernel on TCP gets its five ports by binding port 0 and releasing them, and the kernel
binds them again moments later. Two processes starting kernels at the same time (two batches,
a batch and a test run, the app and a batch) can be handed the same "free" port, and one kernel
dies with ``ZMQError: Address already in use``. Unix sockets have no such race: every kernel
started here gets its own socket path prefix (``<private folder>/k<random>``, the kernel adds
``-<n>`` per channel) in a folder only its owner can open (0700), created once per process with
:func:`tempfile.mkdtemp`, so no other process or user can take, or connect to, its sockets.

* :class:`IPCKernelManager`: for nbclient and papermill (``kernel_manager_class=``); a kernel that
  does not start raises :class:`KernelStartError`.
* :class:`BlockingIPCKernelManager`: the same for code that uses jupyter_client's blocking
  ``KernelManager`` (nbval, see the repository's ``conftest.py``).
* ``ServerIPCKernelManager``: for the Jupyter servers (Voila, JupyterLab), set with
  ``--MappingKernelManager.kernel_manager_class`` (:data:`SERVER_ARGUMENTS`). It is built on first
  use, so that batch workers do not import jupyter_server.
* :func:`kernel_lost`: whether an error means the kernel died or never started (worth one retry),
  as opposed to an error in the notebook's own code.

Unix socket paths are limited to about 104-108 bytes, so the folder is made under the system's
temporary folder only when that is short, else under ``/tmp``.
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import tempfile
import threading
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.connect import ConnectionFileMixin, localhost
from jupyter_client.manager import AsyncKernelManager, KernelManager
from traitlets import CaselessStrEnum, DottedObjectName, Type

MAX_SOCKET_PATH = 100        # bytes; the OS limit (sun_path) is 104 (macOS) or 108 (Linux) with the NUL
_CHANNEL_SUFFIX = len("-99999")
_SHORT_ENOUGH = 48           # a temporary folder longer than this is passed over for /tmp

SERVER_MANAGER = "securebase.core.kernel_transport.ServerIPCKernelManager"
# Command-line options for jupyter_server based apps (Voila, JupyterLab). Not secret.
SERVER_ARGUMENTS = (f"--MappingKernelManager.kernel_manager_class={SERVER_MANAGER}", "--KernelManager.transport=ipc")

_lock = threading.Lock()
_socket_dir: str | None = None
_socket_dir_pid: int | None = None


class KernelStartError(RuntimeError):
    """The kernel did not start, or died before it answered."""


def _remove_socket_dir(path: str, pid: int) -> None:
    if os.getpid() == pid:  # not in a forked child that inherited the handler
        shutil.rmtree(path, ignore_errors=True)


def socket_dir() -> str:
    """This process's private (0700) folder for kernel sockets, created on first use (and again
    if something removed it); removed when the process exits."""
    global _socket_dir, _socket_dir_pid
    with _lock:
        if _socket_dir is None or _socket_dir_pid != os.getpid() or not os.path.isdir(_socket_dir):
            base = tempfile.gettempdir()
            if len(base) > _SHORT_ENOUGH and os.path.isdir("/tmp"):
                base = "/tmp"
            _socket_dir = tempfile.mkdtemp(prefix="sb-kernels-", dir=base)  # mode 0700, a new name
            _socket_dir_pid = os.getpid()
            atexit.register(_remove_socket_dir, _socket_dir, _socket_dir_pid)
        return _socket_dir


def ipc_prefix() -> str:
    """A socket path prefix no other kernel uses."""
    prefix = os.path.join(socket_dir(), "k" + secrets.token_hex(8))
    if len(os.fsencode(prefix)) + _CHANNEL_SUFFIX > MAX_SOCKET_PATH:
        raise KernelStartError(f"the kernel socket path {prefix}-N is too long for a Unix socket; "
                               "set TMPDIR to a short folder such as /tmp")
    return prefix


class PrivateIPC(ConnectionFileMixin):
    """Mixin for kernel managers: IPC transport by default, sockets under a private unique prefix.
    ``--KernelManager.transport=tcp`` still selects TCP (with jupyter_client's usual address)."""

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    def _ip_default(self) -> str:  # overrides ConnectionFileMixin's (connection-file based) default
        return ipc_prefix() if self.transport == "ipc" else localhost()


class ReadyCheckedKernelClient(AsyncKernelClient):
    """An async kernel client whose failure to reach a starting kernel is a :class:`KernelStartError`."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:  # type: ignore[override]
        try:
            await super().wait_for_ready(timeout=timeout)
        except RuntimeError as exc:
            raise KernelStartError(f"the kernel did not start: {exc}") from exc


class IPCKernelManager(PrivateIPC, AsyncKernelManager):
    """nbclient's (async) kernel manager on IPC; for ``papermill.execute_notebook(...,
    kernel_manager_class=IPCKernelManager)`` and ``NotebookClient(kernel_manager_class=...)``."""

    client_class = DottedObjectName("securebase.core.kernel_transport.ReadyCheckedKernelClient", config=True)
    client_factory = Type(ReadyCheckedKernelClient, klass=AsyncKernelClient, config=True)

    async def _async_start_kernel(self, **kw: Any) -> None:
        try:
            await super()._async_start_kernel(**kw)
        except KernelStartError:
            raise
        except Exception as exc:
            raise KernelStartError(f"the kernel did not start: {type(exc).__name__}: {exc}") from exc

    start_kernel = _async_start_kernel


class BlockingIPCKernelManager(PrivateIPC, KernelManager):
    """jupyter_client's blocking kernel manager on IPC (what nbval uses)."""


def _server_manager() -> type:
    from jupyter_server.services.kernels.kernelmanager import ServerKernelManager

    class ServerIPCKernelManager(PrivateIPC, ServerKernelManager):
        """The Jupyter server's kernel manager (Voila, JupyterLab) on IPC."""

    ServerIPCKernelManager.__module__ = __name__
    ServerIPCKernelManager.__qualname__ = "ServerIPCKernelManager"
    return ServerIPCKernelManager


def __getattr__(name: str) -> Any:  # ServerIPCKernelManager is made on first use
    if name == "ServerIPCKernelManager":
        cls = _server_manager()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def kernel_lost(exc: BaseException) -> bool:
    """Whether ``exc`` (or an error it was raised from) means the kernel died or never started:
    nbclient's ``DeadKernelError``, a ZeroMQ error, or :class:`KernelStartError`. An error in a
    cell (papermill's ``PapermillExecutionError``, nbclient's ``CellExecutionError``) is not."""
    import zmq
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, CellExecutionError) or type(current).__name__ == "PapermillExecutionError":
            return False
        if isinstance(current, (DeadKernelError, zmq.ZMQError, KernelStartError)):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def use_ipc_for_nbval() -> None:
    """Make nbval start its kernels on IPC: nbval builds ``jupyter_client.manager.KernelManager``
    by its module-level name, with no configuration of ours, so that name is pointed at
    :class:`BlockingIPCKernelManager`. Called by the repository's ``conftest.py``."""
    try:
        import nbval.kernel
    except ImportError:
        return
    nbval.kernel.KernelManager = BlockingIPCKernelManager

