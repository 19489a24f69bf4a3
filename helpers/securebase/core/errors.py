"""Exceptions with messages a clinician, researcher or content author can act on."""

from __future__ import annotations

from pathlib import Path


class SecureBaseError(Exception):
    """Base class for every error this package raises on purpose."""


class ContentError(SecureBaseError):
    """A content file is missing, unreadable or does not fit the schema."""

    def __init__(self, path: Path, where: str, problem: str, more: list[tuple[str, str]] | None = None):
        self.path = Path(path)
        self.where = where
        self.problem = problem
        self.more = list(more or [])
        lines = [f"{self.path}: at {where}: {problem}"]
        lines += [f"{self.path}: at {w}: {p}" for w, p in self.more]
        super().__init__("\n".join(lines))


class EntryValidationError(SecureBaseError):
    """One or more answers are not acceptable. ``problems`` maps field id to a message."""

    def __init__(self, problems: dict[str, str]):
        self.problems = dict(problems)
        details = "; ".join(f"{field}: {message}" for field, message in self.problems.items())
        super().__init__(f"The entry was not saved. Please fix: {details}")


class StoreError(SecureBaseError):
    """The store could not complete an operation."""


class StoreBusyError(StoreError):
    """Another program held the store for too long."""


class NotFoundError(StoreError):
    """A client or an entry does not exist."""


class ClientIdError(SecureBaseError):
    """A client id is not a valid pseudonymous id."""


class ParameterError(SecureBaseError):
    """A notebook parameter has a value the workbook cannot use."""


class CoupleError(SecureBaseError):
    """A couples operation that cannot be done (a clear message says why and what to do)."""
