"""argon2id password hashing (argon2-cffi defaults are RFC 9106's low-memory profile)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Compared against when the username is unknown, so both paths cost one argon2 verification.
_DUMMY_HASH = _hasher.hash("dummy-password-for-timing")

MIN_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problems(password: str) -> list[str]:
    """Why a new password is refused (empty list: acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"密码至少 {MIN_LENGTH} 位")
    if password.isdigit() or password.isalpha():
        problems.append("密码需同时包含字母和数字或符号")
    return problems
