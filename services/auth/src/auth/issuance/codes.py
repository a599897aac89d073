"""One-time activation codes: readable to print and to type, stored only as a hash."""

import secrets

# Digits and capitals without the look-alikes 0/O, 1/I/L: 31 symbols.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10  # 31^10 ≈ 8·10^14 (49 bits), against at most a few tries per code
GROUP = 5


def new_code() -> str:
    """A fresh code, grouped for reading: `7KQ2M-XR9TD`."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def normalize_code(text: str) -> str:
    """What a person typed, as it was issued: case, spaces and dashes do not matter."""
    raw = "".join(ch for ch in text.upper() if ch not in " -\t")
    if len(raw) != LENGTH:
        return raw
    return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))
