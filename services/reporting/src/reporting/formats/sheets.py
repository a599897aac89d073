"""A report as sheets: one table per scope (groups, classes, parallels, the school...),
with Russian column titles, which every file format renders."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Chart:
    """A bar chart of some columns of a sheet (PDF only): one bar group per row."""

    title: str
    label_column: str
    value_columns: Sequence[str]


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[tuple[str, str]]  # (key in the rows, title shown)
    rows: Sequence[dict[str, Any]]
    chart: Chart | None = None


@dataclass(frozen=True)
class Document:
    """What a file holds: a title, a subtitle (the period, the month...) and its sheets."""

    title: str
    subtitle: str
    sheets: Sequence[Sheet] = field(default_factory=list)


def cell(value: Any) -> Any:
    """A value as a table shows it: lists joined, None empty."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, bool):
        return "да" if value else "нет"
    return value
