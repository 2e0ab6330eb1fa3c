"""API key tokens: random, shown once, stored only as a hash.

A token reads ``sl-<key id>.<secret>``. The key id finds the row; the secret is 24 random bytes,
so a plain SHA-256 (no slow KDF) is enough to make the stored hash useless to a thief.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from suanli.core.errors import Unauthenticated

TOKEN_PREFIX = "sl-"


def new_secret() -> str:
    return secrets.token_hex(24)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def format_token(key_id: str, secret: str) -> str:
    return f"{TOKEN_PREFIX}{key_id}.{secret}"


def parse_token(token: str) -> tuple[str, str]:
    """Split a token into key id and secret; a malformed token is a 401, not a 500."""
    if not token.startswith(TOKEN_PREFIX) or "." not in token:
        raise Unauthenticated("malformed API key: expected 'sl-<key id>.<secret>'")
    key_id, _, secret = token[len(TOKEN_PREFIX) :].partition(".")
    if not key_id or not secret:
        raise Unauthenticated("malformed API key: expected 'sl-<key id>.<secret>'")
    return key_id, secret


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
