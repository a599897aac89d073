"""HTTP models of issuance: activation, reissue and reset, a class's credentials."""

import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from auth.schemas import ActivationOut, Login, NewPassword, PersonName
from shared.inputs import RequestModel, Text

Code = Annotated[Text, StringConstraints(min_length=1, max_length=40)]
LoginText = Annotated[Text, StringConstraints(min_length=1, max_length=200)]


class ActivateRequest(RequestModel):
    """The first sign-in: the login and code from the slip, and a password of one's own."""

    login: LoginText
    code: Code
    new_password: NewPassword


class AttachRequest(RequestModel):
    """A signed-in parent adds the guardian record of another school (its slip's login and
    code) to their account: one account for children in several schools."""

    login: LoginText
    code: Code


class AccountIssued(BaseModel):
    """A new activation code for an account (reissue or reset)."""

    account_id: uuid.UUID
    login: str
    kind: Literal["staff", "student", "parent"]
    activation: ActivationOut


class PersonOnSlip(RequestModel):
    """A roster person's names, as journal's class list shows them to the deputy: printed
    on the slip and used to make the login, never stored by auth."""

    person_id: uuid.UUID
    last_name: PersonName
    first_name: PersonName
    middle_name: PersonName | None = None
    login: Login | None = None


def _unique_people(people: list[PersonOnSlip]) -> list[PersonOnSlip]:
    if len({p.person_id for p in people}) != len(people):
        raise ValueError("a person is named twice")
    return people


class ClassCredentialsRequest(RequestModel):
    class_name: (
        Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
        | None
    ) = Field(default=None, description="Printed in the document's title, e.g. 5А.")
    people: Annotated[
        list[PersonOnSlip],
        Field(min_length=1, max_length=500),
        AfterValidator(_unique_people),
    ]


class AccountRoles(BaseModel):
    account_id: uuid.UUID
    roles: list[str]


class AccountOut(BaseModel):
    """An account as its issuer sees it (no password, no code)."""

    account_id: uuid.UUID
    login: str
    kind: Literal["staff", "student", "parent"]
    roles: list[str]
    person_id: uuid.UUID | None = Field(description="The roster id of a student or a parent.")
    last_name: str | None = Field(description="Staff only.")
    first_name: str | None
    middle_name: str | None
    active: bool = Field(description="False once disabled.")
    activated: bool = Field(description="Whether its holder has set a password.")


class AccountsPage(BaseModel):
    items: list[AccountOut]
    next_offset: int | None
