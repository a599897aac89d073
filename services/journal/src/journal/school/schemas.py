"""HTTP shapes of the school domain."""

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator

from journal.schemas import RequestModel, Title

WorkTypeCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
Weight = Annotated[int, Field(ge=1, le=10, strict=True)]


class WorkTypeCreate(RequestModel):
    code: WorkTypeCode = Field(description="Stable: marks and events refer to it.")
    name: Title
    weight: Weight


class WorkTypeChange(RequestModel):
    name: Title | None = None
    weight: Weight | None = None
    active: Annotated[bool, Field(strict=True)] | None = Field(
        default=None, description="false: takes no new marks; its marks keep it."
    )

    @model_validator(mode="after")
    def something_changes(self) -> "WorkTypeChange":
        given = self.model_dump(exclude_unset=True)
        if not given:
            raise ValueError("Give at least one of name, weight, active.")
        if any(value is None for value in given.values()):
            raise ValueError("name, weight and active cannot be null.")
        return self


class WorkTypeOut(BaseModel):
    code: str
    name: str
    weight: int
    active: bool
    version: int


class WorkTypeList(BaseModel):
    items: list[WorkTypeOut]
