"""Logins made from names when the issuer gives none.

The rule: the last name transliterated as in Russian passports (ICAO Doc 9303, МВД order
of 2019), a dot, and the initials of the first and middle names, each transliterated:
Иванова Мария Петровна → `ivanova.mp`, Щукин Юрий → `shchukin.iu`. Letters other than
Cyrillic and Latin ones are dropped (a hyphen of a double last name stays). When the
login is taken, the lowest free number is appended: `ivanova.mp2`, `ivanova.mp3`, ...
"""

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import Account

TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia",
}  # fmt: skip
MAX_LAST_NAME = 40


def transliterate(text: str) -> str:
    """Lower-case Latin letters, digits and hyphens for a Cyrillic or Latin name."""
    out: list[str] = []
    for ch in text.lower():
        if ch in TRANSLIT:
            out.append(TRANSLIT[ch])
        elif ch.isascii() and (ch.isalnum() or ch == "-"):
            out.append(ch)
    return "".join(out).strip("-")


def login_base(last_name: str, first_name: str, middle_name: str | None = None) -> str:
    """The login a person's names give before any number is added."""
    last = transliterate(last_name)[:MAX_LAST_NAME] or "user"
    # Each initial is its letter transliterated: Юрий → iu, Щукин → shch.
    initials = "".join(transliterate(name.strip()[:1]) for name in (first_name, middle_name or ""))
    base = f"{last}.{initials}" if initials else last
    return base if len(base) >= 3 else base + "0" * (3 - len(base))


async def free_logins(
    session: AsyncSession, bases: Iterable[str], also_taken: set[str] | None = None
) -> list[str]:
    """A free login for each base, in order: taken ones (in the database or earlier in the
    list) get the lowest free number appended. A concurrent issuance taking the same login
    meanwhile gets 409 `login-taken` from the unique index."""
    bases = list(bases)
    taken = set(also_taken or ())
    for base in set(bases):
        rows = await session.scalars(
            select(func.lower(Account.login)).where(
                func.lower(Account.login).like(base.replace("_", r"\_") + "%")
            )
        )
        taken.update(rows)
    logins: list[str] = []
    for base in bases:
        login, n = base, 1
        while login in taken:
            n += 1
            login = f"{base}{n}"
        taken.add(login)
        logins.append(login)
    return logins
