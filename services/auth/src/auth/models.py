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
    # None until the person activates the account with their code (auth.issuance).
    password_hash: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    person_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    last_name: Mapped[str | None] = mapped_column(String(100))
    first_name: Mapped[str | None] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    created_at: Mapped[datetime] = _created_at()
    # The aggregate's version in its events: raised by every published change (activation,
    # a role granted or revoked, disabling).
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")


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
    # A student's current class (from enrolments and transfers, at the student's version);
    # the deputy issues a class's credentials from it. None: not known, or left the school.
    class_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    class_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


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
    # Attempts counted since the last success (each counted before its password is
    # checked, so parallel attempts see each other) and when the next may be checked.
    failures: Mapped[int] = mapped_column(Integer, nullable=False)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    next_check_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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
    # Published from creation, signing from activates_at (a rotation publishes the new key
    # ahead, so every service knows it before its first token), until retired_at.
    activates_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuthSession(Base):
    """A sign-in: the family of its refresh tokens (`family_id`) and the `sid` of its
    access tokens. Revoked, it refreshes no more, and every service refuses its tokens."""

    __tablename__ = "sessions"
    __table_args__ = (
        Index(
            "ix_sessions_account_id_live", "account_id", postgresql_where=text("revoked_at IS NULL")
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    # The services its access tokens are for (their `aud`).
    audience: Mapped[list[str]] = mapped_column(ARRAY(String(32)), nullable=False)
    # What the client said it is (User-Agent, cut short), to tell sessions apart in the list.
    client: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = _created_at()
    last_used_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class KnownDevice(Base):
    """A device that signed in successfully (a device token, OWASP's device cookie): its
    attempts at that account are slowed by their own failures, not the login's, so the
    owner signs in while someone else guesses their password."""

    __tablename__ = "known_devices"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    created_at: Mapped[datetime] = _created_at()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    next_check_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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


class AccountPerson(Base):
    """A further roster person an account stands for: a parent whose children are in
    several schools is a guardian on each school's roster (one roster id per school) and
    signs in with one account, whose own `person_id` is the first of them."""

    __tablename__ = "account_people"

    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    created_at: Mapped[datetime] = _created_at()


class ActivationCode(Base):
    """A one-time code the issuer hands over; the person sets their password with it.

    Only its argon2id hash is kept. One live code per account: issuing another revokes
    the old one; too many wrong tries revoke it too."""

    __tablename__ = "activation_codes"
    __table_args__ = (
        Index(
            "uq_activation_codes_live",
            "account_id",
            unique=True,
            postgresql_where=text("used_at IS NULL AND revoked_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    code_hash: Mapped[str] = mapped_column(Text, nullable=False)
    issued_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Every issuance, reset, activation, disabling, role change and consent, with who did
    it. Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE (migration 0005)."""

    __tablename__ = "audit_trail"
    __table_args__ = (Index("ix_audit_trail_school_id_at", "school_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # None: the system (provisioning, the demo seed).
    actor_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    account_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )


class Consent(Base):
    """A guardian's consent (152-FZ) for one child and one purpose: given, or revoked.

    The row holds the current state at its version; the audit trail keeps every change."""

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint(
            "purpose IN ('portal_marks', 'district_systems', 'email_notifications')",
            name="purpose",
        ),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    given: Mapped[bool] = mapped_column(Boolean, nullable=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
