"""HTTP shapes of the school domain."""

from pydantic import BaseModel


class WorkTypeOut(BaseModel):
    code: str
    name: str
    weight: int


class WorkTypeList(BaseModel):
    items: list[WorkTypeOut]
