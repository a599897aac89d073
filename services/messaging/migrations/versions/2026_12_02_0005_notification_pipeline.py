"""notification pipeline: projections for addressing and wording, versions told, stream
positions, preferences, email outbox, progress letters

Revision ID: 0005_notification_pipeline
Revises: 0004_internal_mail
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_notification_pipeline"
down_revision: str | None = "0004_internal_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE: tuple[str, ...] = (
    "ALTER TABLE guardianships ADD COLUMN version integer NOT NULL DEFAULT 1",
    "ALTER TABLE guardianships ADD COLUMN unlinked boolean NOT NULL DEFAULT false",
    "ALTER TABLE notifications ALTER COLUMN student_id DROP NOT NULL",
    "ALTER TABLE notifications ADD COLUMN aggregate varchar(120)",
    "ALTER TABLE notifications ADD COLUMN version integer",
    "ALTER TABLE notifications ADD COLUMN seq bigint",
    "ALTER TABLE notifications ADD COLUMN superseded_at timestamptz",
    "CREATE INDEX ix_notifications_recipient_seq ON notifications (recipient_person_id, seq)",
    """CREATE INDEX ix_notifications_aggregate
        ON notifications (school_id, aggregate, recipient_person_id)""",
    """CREATE TABLE schools (
        school_id uuid PRIMARY KEY, timezone varchar(64) NOT NULL, version integer NOT NULL)""",
    """CREATE TABLE work_types (
        school_id uuid NOT NULL, code varchar(50) NOT NULL, name varchar(200) NOT NULL,
        weight integer NOT NULL, version integer NOT NULL,
        CONSTRAINT pk_work_types PRIMARY KEY (school_id, code))""",
    """CREATE TABLE classes (
        class_id uuid PRIMARY KEY, school_id uuid NOT NULL, grade smallint NOT NULL,
        class_teacher_id uuid, version integer NOT NULL)""",
    """CREATE TABLE enrollments (
        student_id uuid PRIMARY KEY, school_id uuid NOT NULL, class_id uuid NOT NULL,
        active boolean NOT NULL, version integer NOT NULL)""",
    "CREATE INDEX ix_enrollments_class_id ON enrollments (class_id)",
    """CREATE TABLE grading (
        school_id uuid PRIMARY KEY, half_year_grades integer[] NOT NULL,
        version integer NOT NULL)""",
    """CREATE TABLE periods (
        period_id uuid PRIMARY KEY, school_id uuid NOT NULL, kind varchar(10) NOT NULL,
        number smallint NOT NULL, starts_on date NOT NULL, ends_on date NOT NULL,
        version integer NOT NULL)""",
    """CREATE TABLE marks (
        mark_id uuid PRIMARY KEY, school_id uuid NOT NULL, student_id uuid NOT NULL,
        class_id uuid NOT NULL, subject_id uuid NOT NULL, subject_name varchar(200) NOT NULL,
        lesson_date date NOT NULL, value smallint NOT NULL, work_type varchar(50) NOT NULL,
        weight integer NOT NULL, removed boolean NOT NULL, version integer NOT NULL)""",
    "CREATE INDEX ix_marks_class_id ON marks (class_id, lesson_date)",
    """CREATE TABLE attendance (
        lesson_id uuid NOT NULL, student_id uuid NOT NULL, school_id uuid NOT NULL,
        class_id uuid NOT NULL, lesson_date date NOT NULL, code varchar(4),
        version integer NOT NULL,
        CONSTRAINT pk_attendance PRIMARY KEY (lesson_id, student_id))""",
    "CREATE INDEX ix_attendance_class_id ON attendance (class_id, lesson_date)",
    """CREATE TABLE remarks (
        remark_id uuid PRIMARY KEY, school_id uuid NOT NULL, student_id uuid NOT NULL,
        class_id uuid NOT NULL, kind varchar(20) NOT NULL, "on" date NOT NULL,
        version integer NOT NULL)""",
    'CREATE INDEX ix_remarks_class_id ON remarks (class_id, "on")',
    """CREATE TABLE notified_versions (
        school_id uuid NOT NULL, aggregate varchar(120) NOT NULL, version integer NOT NULL,
        removed boolean NOT NULL,
        CONSTRAINT pk_notified_versions PRIMARY KEY (school_id, aggregate))""",
    """CREATE TABLE notification_streams (
        recipient_id uuid PRIMARY KEY, last_seq bigint NOT NULL)""",
    """CREATE TABLE notification_preferences (
        recipient_id uuid PRIMARY KEY, school_id uuid NOT NULL,
        muted varchar(30)[] NOT NULL, delivery varchar(10) NOT NULL,
        digest_hour smallint NOT NULL, quiet_from time, quiet_to time, email varchar(254),
        last_digest_at timestamptz, updated_at timestamptz NOT NULL)""",
    """CREATE INDEX ix_notification_preferences_digest ON notification_preferences (school_id)
        WHERE delivery = 'digest'""",
    """CREATE TABLE school_email_settings (
        school_id uuid PRIMARY KEY, enabled boolean NOT NULL, sender varchar(254) NOT NULL,
        updated_at timestamptz NOT NULL)""",
    """CREATE TABLE email_outbox (
        id uuid PRIMARY KEY, school_id uuid NOT NULL, recipient_id uuid NOT NULL,
        notification_id uuid, to_address varchar(254) NOT NULL, subject varchar(300) NOT NULL,
        body text NOT NULL, created_at timestamptz NOT NULL, due_at timestamptz NOT NULL,
        attempts integer NOT NULL DEFAULT 0, last_error varchar(200), sent_at timestamptz,
        cancelled_at timestamptz)""",
    """CREATE INDEX ix_email_outbox_due ON email_outbox (due_at)
        WHERE sent_at IS NULL AND cancelled_at IS NULL""",
    "CREATE INDEX ix_email_outbox_notification_id ON email_outbox (notification_id)",
    """CREATE TABLE progress_letter_batches (
        id uuid PRIMARY KEY, school_id uuid NOT NULL, class_id uuid NOT NULL,
        author_id uuid NOT NULL, period_from date NOT NULL, period_to date NOT NULL,
        comment text, scheduled boolean NOT NULL, created_at timestamptz NOT NULL,
        CONSTRAINT uq_progress_letter_batches_class_id
            UNIQUE (class_id, period_from, period_to))""",
    """CREATE TABLE progress_letters (
        id uuid PRIMARY KEY, batch_id uuid NOT NULL, school_id uuid NOT NULL,
        student_id uuid NOT NULL, subject varchar(300) NOT NULL, body text NOT NULL,
        summary jsonb NOT NULL, created_at timestamptz NOT NULL)""",
    "CREATE INDEX ix_progress_letters_batch_id ON progress_letters (batch_id)",
    """CREATE TABLE progress_letter_deliveries (
        letter_id uuid NOT NULL, parent_id uuid NOT NULL, school_id uuid NOT NULL,
        read_at timestamptz,
        CONSTRAINT pk_progress_letter_deliveries PRIMARY KEY (letter_id, parent_id))""",
    """CREATE INDEX ix_progress_letter_deliveries_parent_id
        ON progress_letter_deliveries (parent_id, school_id)""",
    """CREATE TABLE progress_letter_schedules (
        class_id uuid PRIMARY KEY, school_id uuid NOT NULL, author_id uuid NOT NULL,
        weekday smallint NOT NULL, hour smallint NOT NULL, comment text,
        last_sent_on date)""",
)

TABLES = (
    "progress_letter_schedules",
    "progress_letter_deliveries",
    "progress_letters",
    "progress_letter_batches",
    "email_outbox",
    "school_email_settings",
    "notification_preferences",
    "notification_streams",
    "notified_versions",
    "remarks",
    "attendance",
    "marks",
    "periods",
    "grading",
    "enrollments",
    "classes",
    "work_types",
    "schools",
)


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TABLE {table}")
    op.execute("DROP INDEX ix_notifications_aggregate")
    op.execute("DROP INDEX ix_notifications_recipient_seq")
    for column in ("superseded_at", "seq", "version", "aggregate"):
        op.execute(f"ALTER TABLE notifications DROP COLUMN {column}")
    op.execute("DELETE FROM notifications WHERE student_id IS NULL")
    op.execute("ALTER TABLE notifications ALTER COLUMN student_id SET NOT NULL")
    op.execute("ALTER TABLE guardianships DROP COLUMN unlinked")
    op.execute("ALTER TABLE guardianships DROP COLUMN version")
