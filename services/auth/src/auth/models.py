"""The auth database: schools, accounts and roles, the roster projection, sessions, keys."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import new_metadata

ACCOUNT_KINDS = ("staff", "student", "parent")
ROSTER_KINDS = ("student", "guardian")


class Base(DeclarativeBase):
    metadata = new_metadata()


def _created_at() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class School(Base):
    __tablename__ = "schools"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = _created_at()


class Account(Base):
    """Everyone who can log in: staff (named here), students and parents (named in journal)."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("kind IN ('staff', 'student', 'parent')", name="kind"),
        # Staff carry their names and no roster id; students and parents the reverse.
        CheckConstraint(
            "(kind = 'staff' AND person_id IS NULL AND last_name IS NOT NULL "
            "AND first_name IS NOT NULL) OR (kind <> 'staff' AND person_id IS NOT NULL "
            "AND last_name IS NULL AND first_name IS NULL AND middle_name IS NULL)",
            name="identity",
        ),
        Index("uq_accounts_login_ci", text("lower(login)"), unique=True),
        Index(
            "uq_accounts_person_id",
            "person_id",
            unique=True,
            postgresql_where=text("person_id IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("schools.id"), nullable=False, index=True
    )
    login: Mapped[str] = mapped_column(String(100), nullable=False)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    person_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    last_name: Mapped[str | None] = mapped_column(String(100))
    first_name: Mapped[str | None] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    created_at: Mapped[datetime] = _created_at()


class AccountRole(Base):
    __tablename__ = "account_roles"

    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)


class RosterPerson(Base):
    """A student or guardian known from journal's roster events (ids only, no names)."""

    __tablename__ = "roster_people"
    __table_args__ = (CheckConstraint("kind IN ('student', 'guardian')", name="kind"),)

    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = _created_at()


class Guardianship(Base):
    """A guardian's link to a student: the `children` of a parent's token while linked.

    An unlink leaves a tombstone (`unlinked`) at the link's version, so that a link event
    of an older version arriving late does not bring the child back, and a relink (a newer
    version) does. `version` 0: a link recorded before auth kept versions."""

    __tablename__ = "guardianships"

    guardian_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    unlinked: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=false())
    created_at: Mapped[datetime] = _created_at()


class LoginFailure(Base):
    """Recent failed logins, per login name (a digest, not the text).

    Keyed by the login rather than the account so that unknown logins are delayed the same
    way as known ones: the delay must not reveal which logins exist.
    """

    __tablename__ = "login_failures"

    login_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    school_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    failures: Mapped[int] = mapped_column(Integer, nullable=False)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class LoginAudit(Base):
    """Every login attempt; the login text is never stored."""

    __tablename__ = "login_audit"
    __table_args__ = (Index("ix_login_audit_school_id_at", "school_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    school_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    succeeded: Mapped[bool] = mapped_column(Boolean, nullable=False)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class SigningKey(Base):
    """An Ed25519 key signing access tokens; retired keys stay in the JWKS for a while."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_key: Mapped[str] = mapped_column(Text, nullable=False)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = _created_at()
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RefreshToken(Base):
    """An opaque refresh token (stored as its SHA-256); one family per login."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    family_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False, index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = _created_at()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ServiceClient(Base):
    """A service that obtains tokens with OAuth2 client credentials (the archive, say).

    The secret is stored as an argon2id hash; the scopes bound what it may ask for. A
    disabled client keeps its row (who had access, and when) and gets no more tokens."""

    __tablename__ = "service_clients"
    __table_args__ = (
        Index(
            "uq_service_clients_active_name",
            "name",
            unique=True,
            postgresql_where=text("disabled_at IS NULL"),
        ),
    )

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    secret_hash: Mapped[str] = mapped_column(Text, nullable=False)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(64)), nullable=False)
    created_at: Mapped[datetime] = _created_at()
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
