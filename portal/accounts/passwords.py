"""Password hashing with argon2 (OWASP's first choice)."""

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_dummy_hash = _hasher.hash("feedloop-timing-equaliser")


def use_cheap_hashing_for_tests() -> None:
    """Argon2's cheapest parameters: only for test suites, where thousands of hashes are made."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    _dummy_hash = _hasher.hash("feedloop-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    """Verify; with no hash (unknown email) a dummy is verified, so both cost the same time."""
    try:
        return _hasher.verify(password_hash or _dummy_hash, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def upgraded_hash(password_hash: str, password: str) -> str | None:
    """A new hash of a just-verified password if the stored one uses outdated parameters."""
    try:
        outdated = _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return None
    return _hasher.hash(password) if outdated else None


# Stored for accounts made on someone's behalf: no password matches it until they reset one.
UNUSABLE_PASSWORD = "!unusable"
