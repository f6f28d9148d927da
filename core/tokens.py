"""Secret tokens for links and keys (an invitation's link, a firm's API key): made here, given
once (in a mail or on a page), and only their hash kept, so a copy of the database opens
nothing."""

from __future__ import annotations

import hashlib
import secrets


def token_new(*, prefix: str = "") -> str:
    """A new random token (256 bits, URL-safe), after `prefix`."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is kept of `token`: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()
