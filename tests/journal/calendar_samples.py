"""A school year as a Russian school keeps it: 2026/27 with quarters, halves and holidays."""

from typing import Any

YEAR_2026: dict[str, Any] = {
    "starts_on": "2026-09-01",
    "ends_on": "2027-05-31",
    "periods": [
        {"kind": "quarter", "number": 1, "starts_on": "2026-09-01", "ends_on": "2026-10-25"},
        {"kind": "quarter", "number": 2, "starts_on": "2026-11-05", "ends_on": "2026-12-28"},
        {"kind": "quarter", "number": 3, "starts_on": "2027-01-12", "ends_on": "2027-03-21"},
        {"kind": "quarter", "number": 4, "starts_on": "2027-03-31", "ends_on": "2027-05-31"},
        {"kind": "half", "number": 1, "starts_on": "2026-09-01", "ends_on": "2026-12-28"},
        {"kind": "half", "number": 2, "starts_on": "2027-01-12", "ends_on": "2027-05-31"},
    ],
    "holidays": [
        {"name": "Осенние каникулы", "starts_on": "2026-10-26", "ends_on": "2026-11-04"},
        {"name": "Зимние каникулы", "starts_on": "2026-12-29", "ends_on": "2027-01-11"},
        {"name": "День защитника Отечества", "starts_on": "2027-02-23"},
        {"name": "Весенние каникулы", "starts_on": "2027-03-22", "ends_on": "2027-03-30"},
    ],
}


def year(**changes: Any) -> dict[str, Any]:
    """YEAR_2026 with some fields replaced (a deep enough copy to edit its lists)."""
    body: dict[str, Any] = {
        **YEAR_2026,
        "periods": [dict(p) for p in YEAR_2026["periods"]],
        "holidays": [dict(h) for h in YEAR_2026["holidays"]],
    }
    body.update(changes)
    return body
