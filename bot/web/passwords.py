"""Console passwords: scrypt, a memory-hard KDF from the standard library.

n = 2**15, r = 8, p = 1 costs 32 MiB and tens of milliseconds per guess; the parameters and
a random 16-byte salt are stored with the hash, so they can be raised later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N, R, P = 2**15, 8, 1
MAXMEM = 64 * 1024 * 1024
LENGTH = 32
MIN_PASSWORD = 12  # characters


class WeakPassword(ValueError):
    """A password too short to protect personal data."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str) -> str:
    """ "scrypt$n$r$p$salt$hash" of a password of at least MIN_PASSWORD characters."""
    if len(password) < MIN_PASSWORD:
        raise WeakPassword(f"a password needs at least {MIN_PASSWORD} characters")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=N, r=R, p=P, maxmem=MAXMEM, dklen=LENGTH
    )
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether the password matches the stored hash (in constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=MAXMEM,
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


# A hash to check against when the account does not exist, so timing tells nothing.
DUMMY_HASH = hash_password("not-a-password-" + secrets.token_hex(8))
