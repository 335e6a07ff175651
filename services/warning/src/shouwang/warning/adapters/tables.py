"""Warning's tables (DB shape only), all in schema `warning`."""

from shouwang.common.auth.stream_tickets import stream_ticket_table
from shouwang.common.db.base import service_metadata
from shouwang.common.db.idempotency import IdempotencyKeys, idempotency_table
from shouwang.common.db.inbox import inbox_table
from shouwang.common.db.outbox import outbox_table
from shouwang.common.policy.projection import policy_calendars_table, policy_versions_table
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = service_metadata("warning")
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
stream_tickets = stream_ticket_table(metadata)
policy_versions = policy_versions_table(metadata)
policy_calendars = policy_calendars_table(metadata)
OPEN_STATUSES = ("routed", "assigned", "reported", "returned")
# the predicate of the open-task indexes, as SQL text: a query that states it in these words (no
# bound parameters) can use the partial index under a prepared statement's generic plan too
OPEN_SQL = "status IN ('routed', 'assigned', 'reported', 'returned')"


def _created() -> Column[object]:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


batches = Table(
    "batches",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("seq", BigInteger, Identity(), nullable=False),  # arrival order
    Column("county_code", Text, nullable=False),
    Column("department", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("timeliness", Text, nullable=False),
    Column("urgent", Boolean, nullable=False),
    Column("urgent_reason", Text),
    Column("received", Integer, nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("rejections", JSONB, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("raw_content_type", Text, nullable=False),
    Column("submitted_by", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("processing", Text, nullable=False, server_default="pending"),
    Column("tasks_created", Integer, nullable=False, server_default="0"),
    Column("signals_attached", Integer, nullable=False, server_default="0"),
    Column("unroutable", Integer, nullable=False, server_default="0"),
    Column("below_threshold", Integer, nullable=False, server_default="0"),
    Column("comparison", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Index("ix_batches_county_department_period", "county_code", "department", "period"),
)

batch_items = Table(
    "batch_items",
    metadata,
    Column("batch_id", Uuid, nullable=False),
    Column("idx", Integer, nullable=False),
    Column("person_ref", Text, nullable=False),
    Column("id_enc", LargeBinary, nullable=False),
    Column("name_enc", LargeBinary, nullable=False),
    Column("id_masked", Text, nullable=False),
    Column("name_masked", Text, nullable=False),
    Column("village_code", Text, nullable=False),
    Column("routable", Boolean, nullable=False),
    Column("indicator", Text, nullable=False),
    Column("values", JSONB, nullable=False),
    Column("observed_on", Date),
    Column("note", Text, nullable=False, server_default=""),
    PrimaryKeyConstraint("batch_id", "idx", name="pk_batch_items"),
)

idempotency_keys = idempotency_table(metadata)
idempotency = IdempotencyKeys(idempotency_keys)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("county_code", Text, nullable=False),
    Column("township_code", Text, nullable=False),
    Column("village_code", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("person_ref", Text, nullable=False),
    Column("id_enc", LargeBinary, nullable=False),
    Column("name_enc", LargeBinary, nullable=False),
    Column("id_masked", Text, nullable=False),
    Column("name_masked", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("source_ref", Text, nullable=False),
    Column("comparison", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("assigned_village", Text),
    Column("cadre_name", Text),
    Column("assign_by", DateTime(timezone=True), nullable=False),
    Column("report_by", DateTime(timezone=True), nullable=False),
    Column("assigned_at", DateTime(timezone=True)),
    Column("reported_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("outcome", Text),
    Column("reason", Text),
    Column("visited_on", Date),
    Column("note", Text),
    Column("target_township_code", Text),
    Column("risk_type", Text),  # the risk a village reported with risk_confirmed
    Column("overdue_stages", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_tasks_township_status", "township_code", "status"),
    Index("ix_tasks_county_status", "county_code", "status"),
    Index(
        "uq_tasks_open_person_period",
        "person_ref",
        "period",
        unique=True,
        postgresql_where=text(OPEN_SQL),
    ),
)

signals = Table(
    "signals",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("task_id", Uuid, nullable=False, index=True),
    Column("channel", Text, nullable=False),
    Column("department", Text),
    Column("indicator", Text),
    Column("values", JSONB, nullable=False),
    Column("source_ref", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

task_history = Table(
    "task_history",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("task_id", Uuid, nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("action", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
)

# Live feed per township for SSE; ids are the resumable Last-Event-ID.
task_feed = Table(
    "task_feed",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("township_code", Text, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("task_id", Uuid, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_task_feed_township_id", "township_code", "id"),
)

unroutable = Table(
    "unroutable",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("county_code", Text, nullable=False, index=True),
    Column("village_code", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("person_ref", Text, nullable=False),
    Column("id_enc", LargeBinary, nullable=False),
    Column("name_enc", LargeBinary, nullable=False),
    Column("id_masked", Text, nullable=False),
    Column("name_masked", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("department", Text),
    Column("indicator", Text),
    Column("values", JSONB, nullable=False),
    Column("source_ref", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="open"),
    Column("task_id", Uuid),
    _created(),
)

# Items under the county's indicator threshold for their period: filed, listed, no task.
below_threshold = Table(
    "below_threshold",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("county_code", Text, nullable=False),
    Column("village_code", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("department", Text, nullable=False),
    Column("indicator", Text, nullable=False),
    Column("values", JSONB, nullable=False),
    Column("minimums", JSONB, nullable=False),  # the minimums the item did not reach
    Column("person_ref", Text, nullable=False),
    Column("id_masked", Text, nullable=False),
    Column("name_masked", Text, nullable=False),
    Column("source_ref", Text, nullable=False),
    _created(),
    Index("ix_below_threshold_county_period", "county_code", "period", "created_at", "id"),
)

extensions = Table(
    "extensions",
    metadata,
    Column("county_code", Text, nullable=False),
    Column("department", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("until", DateTime(timezone=True), nullable=False),
    Column("created_by", Text, nullable=False),
    _created(),
    PrimaryKeyConstraint("county_code", "department", "period", name="pk_extensions"),
)

registry = Table(
    "registry",
    metadata,
    Column("person_ref", Text, primary_key=True),
    Column("county_code", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("household_id", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

push_missing_sent = Table(
    "push_missing_sent",
    metadata,
    Column("county_code", Text, nullable=False),
    Column("department", Text, nullable=False),
    Column("period", Text, nullable=False),
    PrimaryKeyConstraint("county_code", "department", "period", name="pk_push_missing_sent"),
)
