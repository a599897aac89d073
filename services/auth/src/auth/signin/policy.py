"""The password policy: long enough, not too long, and not one of the common passwords.

The list is Django's `common-passwords.txt.gz` (django/contrib/auth, BSD-3-Clause, copied
unchanged from Django 5.1.4): the 20 000 most common passwords of Royce Williams'
compilation (https://gist.github.com/roycewilliams/226886fd01572964e1431ac8afc999ce),
lowercased; it holds Russian keyboard walks too (`йцукен`). A password is compared
lowercased, with surrounding spaces ignored.
"""

import gzip
from functools import cache
from pathlib import Path

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")
MIN_LENGTH = 8
MAX_LENGTH = 256


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def is_common(password: str) -> bool:
    return password.strip().lower() in common_passwords()


def weaknesses(
    password: str, *, login: str | None = None, min_length: int = MIN_LENGTH
) -> list[str]:
    """Why a new password is refused (empty: it is acceptable)."""
    reasons = []
    if len(password) < min_length:
        reasons.append(f"shorter than {min_length} characters")
    if len(password) > MAX_LENGTH:
        reasons.append(f"longer than {MAX_LENGTH} characters")
    if is_common(password):
        reasons.append("one of the most common passwords")
    if login and password.strip().lower() == login.strip().lower():
        reasons.append("the same as the login")
    return reasons


def not_common(password: str) -> str:
    """A pydantic validator of new passwords (schemas.NewPassword)."""
    if is_common(password):
        raise ValueError("this password is one of the most common passwords")
    return password
