"""HTTP shapes of external sign-in."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from auth.schemas import SignInResponse
from shared.inputs import RequestModel

# What providers put in `state`, `code` and `error` (RFC 6749 §A.5, A.11, A.7): printable
# ASCII, bounded; ours are url-safe base64.
State = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{20,128}$")]
Code = Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{1,2048}$")]
ErrorCode = Annotated[str, StringConstraints(pattern=r"^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,128}$")]


class ProviderOut(BaseModel):
    """Whether sign-in through an external provider is offered, and under which name."""

    configured: bool
    name: str | None = Field(default=None, description="As the sign-in page names it.")


class AuthorizationOut(BaseModel):
    """Where to send the browser: the provider's page, with state, nonce and PKCE."""

    authorization_url: str


class CallbackIn(RequestModel):
    """What the provider sent the browser back with (the callback page's query)."""

    state: State
    code: Code | None = None
    error: ErrorCode | None = None
    error_description: Annotated[str, StringConstraints(max_length=500)] | None = None
    # RFC 9207: the provider names itself in the answer; checked when present.
    iss: Annotated[str, StringConstraints(max_length=200)] | None = None

    @model_validator(mode="after")
    def _code_or_error(self) -> "CallbackIn":
        if (self.code is None) == (self.error is None):
            raise ValueError("exactly one of code and error is given")
        return self


class CallbackOut(BaseModel):
    """A sign-in (its tokens, as /login answers) or a link made."""

    outcome: Literal["signed_in", "linked"]
    tokens: SignInResponse | None = None
    linked_at: datetime | None = None


class LinkOut(BaseModel):
    """The caller's link to the provider."""

    provider_name: str
    may_link: bool = Field(description="False for students: they keep their passwords.")
    linked: bool
    linked_at: datetime | None = None
