"""Audit's tables (DB shape only), all in schema `audit`."""

from shouwang.common.auth.stream_tickets import stream_ticket_table
from shouwang.common.db.base import service_metadata
from shouwang.common.db.inbox import inbox_table
from shouwang.common.db.outbox import outbox_table
from shouwang.common.policy.projection import policy_calendars_table, policy_versions_table
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
    text,
)

metadata = service_metadata("audit")
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
stream_tickets = stream_ticket_table(metadata)
# the county policy (amber ratio of the deadline colours), projected from `policy.settings`
policy_versions = policy_versions_table(metadata)
policy_calendars = policy_calendars_table(metadata)
GENESIS_HASH = "0" * 64
COUNTY_TOTAL = ""  # township code of the county-wide rows of the counter tables

# Append-only, hash-chained log; UPDATE/DELETE/TRUNCATE refused by triggers (see the migration).
audit_log = Table(
    "audit_log",
    metadata,
    Column("position", BigInteger, Identity(), primary_key=True),
    Column("event_id", Text, nullable=False, unique=True),
    Column("type", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("topic", Text, nullable=False),
    Column("actor", Text),
    Column("county_code", Text),
    Column("township_code", Text),
    Column("person_ref", Text),
    Column("canonical", Text, nullable=False),
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_audit_log_subject_position", "subject", "position"),
    Index("ix_audit_log_type_position", "type", "position"),
    Index("ix_audit_log_actor_position", "actor", "position"),
    Index("ix_audit_log_county_position", "county_code", "position"),
    Index("ix_audit_log_person_ref", "person_ref"),
    Index("ix_audit_log_time", "time"),
)

# One row (id = 1): the last appended position and hash; locked FOR UPDATE to serialise appends.
chain_head = Table(
    "chain_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("position", BigInteger, nullable=False, server_default="0"),
    Column("hash", Text, nullable=False),
    Column("events", BigInteger, nullable=False, server_default="0"),
    CheckConstraint("id = 1", name="single_row"),
)

# Push compliance per county, department and period: batches by timeliness, missing flag.
compliance = Table(
    "compliance",
    metadata,
    Column("county_code", Text, nullable=False),
    Column("department", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("on_time", Integer, nullable=False, server_default="0"),
    Column("extended", Integer, nullable=False, server_default="0"),
    Column("urgent", Integer, nullable=False, server_default="0"),
    Column("missing", Boolean, nullable=False, server_default="false"),
    Column("accepted", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("county_code", "department", "period", name="pk_compliance"),
)

# Projection of each task's current state (needed to move counters between statuses).
task_state = Table(
    "task_state",
    metadata,
    Column("task_id", Text, primary_key=True),
    Column("county_code", Text, nullable=False),
    Column("township_code", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("created_at", DateTime(timezone=True)),
    Column("report_by", DateTime(timezone=True)),
    Column("reported_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("overdue_stage", Text),
    Column("overdue_due_at", DateTime(timezone=True)),
    # the deadline running now (assign while routed, report while assigned) and since when;
    # the colour (green/amber/red) depends on the clock, so it is computed at query time
    Column("assign_by", DateTime(timezone=True)),
    Column("deadline_start", DateTime(timezone=True)),
    Column("due_at", DateTime(timezone=True)),
    Index(
        "ix_task_state_overdue",
        "county_code",
        "overdue_stage",
        postgresql_where=text("overdue_stage IS NOT NULL AND closed_at IS NULL"),
    ),
    Index(
        "ix_task_state_running",
        "county_code",
        "township_code",
        "due_at",
        postgresql_where=text("due_at IS NOT NULL"),
    ),
)

# Counters per county, period and township (township "" = the county total).
task_counts = Table(
    "task_counts",
    metadata,
    Column("county_code", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("township_code", Text, nullable=False),
    Column("created", Integer, nullable=False, server_default="0"),
    Column("routed", Integer, nullable=False, server_default="0"),
    Column("assigned", Integer, nullable=False, server_default="0"),
    Column("reported", Integer, nullable=False, server_default="0"),
    Column("confirmed", Integer, nullable=False, server_default="0"),
    Column("returned", Integer, nullable=False, server_default="0"),
    Column("overdue", Integer, nullable=False, server_default="0"),
    Column("closed", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("county_code", "period", "township_code", name="pk_task_counts"),
)

# Histogram of created → reported durations, by whole hours (median/p90 without raw rows).
verify_hours = Table(
    "verify_hours",
    metadata,
    Column("county_code", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("hours", Integer, nullable=False),
    Column("count", BigInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("county_code", "period", "hours", name="pk_verify_hours"),
)

# Projection of each household's monitoring state (to move the counters below on a change).
household_state = Table(
    "household_state",
    metadata,
    Column("household_id", Text, primary_key=True),
    Column("county_code", Text, nullable=False),
    Column("township_code", Text, nullable=False),
    Column("monitored", Boolean, nullable=False, server_default="false"),
    Column("category", Text),
    Column("risk_types", ARRAY(Text)),
    Column("plan_counted", Boolean, nullable=False, server_default="false"),
)

# Monitoring objects per county and township ("" = county total) by dimension: category/risk_type.
household_counts = Table(
    "household_counts",
    metadata,
    Column("county_code", Text, nullable=False),
    Column("township_code", Text, nullable=False),
    Column("dimension", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("count", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint(
        "county_code", "township_code", "dimension", "value", name="pk_household_counts"
    ),
)

# Deadline keeping per month: identification within 15 days, first plan within 10 days.
timeliness = Table(
    "timeliness",
    metadata,
    Column("county_code", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("township_code", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("total", Integer, nullable=False, server_default="0"),
    Column("on_time", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("county_code", "period", "township_code", "kind", name="pk_timeliness"),
)

# Campaign problem lists (集中排查整改) per campaign and township ("" = county total).
rectification = Table(
    "rectification",
    metadata,
    Column("county_code", Text, nullable=False),
    Column("campaign_id", Text, nullable=False),
    Column("township_code", Text, nullable=False),
    Column("recorded", Integer, nullable=False, server_default="0"),
    Column("closed", Integer, nullable=False, server_default="0"),
    Column("closed_on_time", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("county_code", "campaign_id", "township_code", name="pk_rectification"),
)
