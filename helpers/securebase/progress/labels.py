"""Private labels: a clinician's own short note to tell clients apart ("JK", "Tues 3pm"), kept outside
the client record.

What was chosen, and why
------------------------
Client codes (``C-7KQ2M9``) are all the store knows of a person, and the store, its backups, the
audit log, research exports and reports are built from the store alone. A label that helps a
clinician recognise a client is close to identifying, so it is **never written to the store**:

* It lives in one file per operating-system user in the data folder,
  ``<data folder>/private-labels/<user>.json``, created owner-only (0600, in a 0700 folder) before
  anything is written, and replaced atomically (a temporary file, then ``os.replace``). Another user
  of the same data folder has a file of their own and cannot read this one.
* A label is at most :data:`MAX_LABEL` (40) characters of ordinary text: no control characters,
  no line breaks; an empty label removes it. At most :data:`MAX_LABELS` labels are kept.
* Nothing logs a label, and the pages HTML-escape it wherever it is shown.
* ``securebase.research``, ``securebase.reports``, the couples export and the store cannot import
  this module (a contract in ``pyproject.toml``, checked by ``lint-imports``), and the exports read
  only the store, so a label cannot reach an export. Backups (``store.backup``) copy the store only.

A clinician who moves to another machine takes the file along by hand, or writes the labels again:
losing a label loses no client data.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from securebase.core import config
from securebase.core.errors import SecureBaseError
from securebase.core.ids import validate_client_id

MAX_LABEL = 40
MAX_LABELS = 5000
_MAX_FILE = 1_000_000          # bytes; a larger file is not read (it is not one this module wrote)
_USER = re.compile(r"[^A-Za-z0-9_.-]")


class LabelError(SecureBaseError):
    """A label that cannot be kept, with what to do instead."""


def labels_path(user: str | None = None) -> Path:
    """``<data folder>/private-labels/<operating-system user>.json``."""
    if user is None:
        try:
            user = getpass.getuser()
        except (OSError, KeyError):   # no login name (a bare container): the numeric user id
            user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    name = _USER.sub("_", user)[:64] or "user"
    return config.data_dir() / "private-labels" / f"{name}.json"


def check_label(text: str) -> str:
    """The label as it will be kept (trimmed), or :class:`LabelError` saying what is wrong."""
    if not isinstance(text, str):
        raise LabelError("A label is text, such as initials or 'Tues 3pm'.")
    label = " ".join(text.split())
    if len(label) > MAX_LABEL:
        raise LabelError(f"A label can be at most {MAX_LABEL} characters (this one has {len(label)}). "
                         "Use initials or a short reminder.")
    if any(unicodedata.category(ch)[0] == "C" for ch in label):
        raise LabelError("A label cannot hold control characters. Type it again as plain text.")
    return label


def load_labels(path: Path | None = None) -> dict[str, str]:
    """``{client id: label}``; an absent file means no labels. A file that is not one this module wrote
    (too large, not JSON, not owner-only) is not used, with a message that says how to fix it."""
    path = path or labels_path()
    try:
        info = path.stat()
    except FileNotFoundError:
        return {}
    if info.st_mode & 0o077:
        raise LabelError(f"Your private labels file {path} can be read by other users, so it is not used. "
                         f"Make it private (chmod 600 {path}) and reload the page.")
    if info.st_size > _MAX_FILE:
        raise LabelError(f"Your private labels file {path} is larger than a labels file can be; move it away "
                         "and reload the page to start a new one.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise LabelError(f"Your private labels file {path} could not be read; move it away and reload the page "
                         "to start a new one.") from None
    if not isinstance(data, dict):
        raise LabelError(f"Your private labels file {path} is not a labels file; move it away and reload the page.")
    out = {}
    for client_id, label in data.items():
        try:
            out[validate_client_id(client_id)] = check_label(label)
        except (SecureBaseError, ValueError):
            continue   # a hand-edited entry that is not a label is left out, never shown
    return out


def set_label(client_id: str, text: str, path: Path | None = None) -> dict[str, str]:
    """Keep (or, with an empty ``text``, remove) the label of ``client_id``; returns every label."""
    path = path or labels_path()
    validate_client_id(client_id)
    label = check_label(text)
    labels = load_labels(path)
    if label:
        if client_id not in labels and len(labels) >= MAX_LABELS:
            raise LabelError(f"You have {MAX_LABELS} labels already; remove some you no longer need first.")
        labels[client_id] = label
    else:
        labels.pop(client_id, None)
    _write(path, labels)
    return labels


def _write(path: Path, labels: dict[str, str]) -> None:
    config.ensure_private_dir(path.parent)
    os.chmod(path.parent, 0o700)
    fd, tmp = tempfile.mkstemp(prefix=".labels-", dir=path.parent)   # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(dict(sorted(labels.items())), f, ensure_ascii=False, indent=0)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
