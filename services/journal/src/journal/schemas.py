"""Building blocks of journal's HTTP shapes (each domain has its own schemas module)."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints


class RequestModel(BaseModel):
    """Base of request bodies: an unknown field is a client error (422), never ignored."""

    model_config = ConfigDict(extra="forbid")


PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
