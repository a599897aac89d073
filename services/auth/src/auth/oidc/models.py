"""The tables of external sign-in: the links of accounts to a provider's subjects, and
the sign-ins and links started and not yet completed (their state, nonce and verifier)."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from auth.models import Base

PURPOSES = ("sign_in", "link")


class ExternalIdentity(Base):
    """An account linked to a subject (`sub`) of an OpenID Connect provider (`issuer`):
    one subject signs in to one account, and an account has one link per provider."""

    __tablename__ = "external_identities"
    __table_args__ = (
        UniqueConstraint("issuer", "subject", name="uq_external_identities_issuer_subject"),
        UniqueConstraint("account_id", "issuer", name="uq_external_identities_account_id_issuer"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    issuer: Mapped[str] = mapped_column(String(200), nullable=False)
    # The provider's pseudonymous id of the person (never logged or published).
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class OidcFlow(Base):
    """A sign-in or link sent to the provider and not yet back: single-use (deleted when
    the browser returns), bound to the browser that started it, expiring."""

    __tablename__ = "oidc_flows"
    __table_args__ = (CheckConstraint("purpose IN ('sign_in', 'link')", name="purpose"),)

    # SHA-256 of `state` and of the browser's cookie: neither is kept in the clear.
    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    browser_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    nonce: Mapped[str] = mapped_column(String(64), nullable=False)
    # The PKCE verifier, needed in the clear at the token request.
    code_verifier: Mapped[str] = mapped_column(String(128), nullable=False)
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)
    # The signed-in account that asked to link (None for a sign-in).
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, index=True
    )
