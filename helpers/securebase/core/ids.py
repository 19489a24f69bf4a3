"""Pseudonymous client ids."""

from __future__ import annotations

import re
import secrets

from securebase.core.errors import ClientIdError

_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,39}\Z")
_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: easy to read aloud
_DIGITS = "23456789"


def validate_client_id(client_id: object) -> str:
    """Accept a pseudonymous code such as ``C-7KQ2M9``; refuse names, e-mail addresses and the like."""
    if not isinstance(client_id, str) or not _PATTERN.match(client_id):
        raise ClientIdError(
            f"{client_id!r} is not a valid client id. Use a pseudonymous code of 3-40 letters, digits, "
            "'-' or '_' (for example C-7KQ2M9), never a name or an e-mail address."
        )
    if not any(ch.isdigit() for ch in client_id):
        raise ClientIdError(
            f"{client_id!r} looks like a name. Client ids are pseudonymous codes and must contain at least "
            "one digit (for example C-7KQ2M9); keep the link to the person outside Secure Base."
        )
    return client_id


def new_client_id(prefix: str = "C") -> str:
    """A fresh random pseudonymous id such as ``C-7KQ2M9``: six characters, at least one of them a digit."""
    chars = [secrets.choice(_ALPHABET) for _ in range(5)]
    chars.insert(secrets.randbelow(6), secrets.choice(_DIGITS))
    return validate_client_id(f"{prefix}-" + "".join(chars))
