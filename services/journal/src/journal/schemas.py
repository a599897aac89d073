"""Building blocks of journal's HTTP shapes (each domain has its own schemas module)."""

from typing import Annotated

from pydantic import StringConstraints

from shared.inputs import RequestModel
from shared.inputs import Text as PlainText

__all__ = ["PersonName", "RequestModel", "Text", "Title"]

PersonName = Annotated[
    PlainText, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]
Title = Annotated[PlainText, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[PlainText, StringConstraints(strip_whitespace=True, max_length=4000)]
