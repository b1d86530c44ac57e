"""Password and API-password hashing (argon2; bcrypt hashes imported from Kimai verify too)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict

import bcrypt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Verified when there is no stored hash, so that an unknown user costs the same as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def configure_hasher(time_cost: int, memory_cost: int) -> None:
    """Changes the cost of new hashes (existing hashes keep theirs); test suites lower it."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)
    _DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(plain: str) -> str:
    return _hasher.hash(plain)


def verify_password(stored_hash: str | None, plain: str) -> bool:
    """Checks a password against an argon2 or bcrypt hash; never raises for a bad hash."""
    if not stored_hash:
        _burn(plain)
        return False
    if stored_hash.startswith(("$2y$", "$2b$", "$2a$")):
        try:
            return bcrypt.checkpw(plain.encode(), stored_hash.replace("$2y$", "$2b$", 1).encode())
        except ValueError:
            return False
    try:
        return _hasher.verify(stored_hash, plain)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _burn(plain: str) -> None:
    """Spends one hash verification, so that a missing user is not faster than a wrong password."""
    with contextlib.suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH, plain)


def needs_rehash(stored_hash: str) -> bool:
    if stored_hash.startswith(("$2y$", "$2b$", "$2a$")):
        return True
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def generate_password(length: int = 16) -> str:
    return secrets.token_urlsafe(length)[:length]


class VerifiedSecretCache:
    """Remembers (stored hash, presented secret) pairs that verified, so a request never pays a hash.

    The key includes the stored hash, so changing a password invalidates its entries in every
    process without any coordination. Only a keyed digest of the secret is kept in memory.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()
        self._key = secrets.token_bytes(32)

    def _digest(self, stored_hash: str, secret: str) -> bytes:
        return hmac.new(self._key, f"{stored_hash}\x00{secret}".encode(), hashlib.sha256).digest()

    def verify(self, stored_hash: str | None, secret: str) -> bool:
        if not stored_hash:
            _burn(secret)
            return False
        digest = self._digest(stored_hash, secret)
        with self._lock:
            if digest in self._entries:
                self._entries.move_to_end(digest)
                return True
        if not verify_password(stored_hash, secret):
            return False
        with self._lock:
            self._entries[digest] = None
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
        return True


api_password_cache = VerifiedSecretCache()


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def generate_access_token() -> str:
    """A new Bearer token: lowercase hex like Kimai's, longer for more entropy."""
    return secrets.token_hex(20)
