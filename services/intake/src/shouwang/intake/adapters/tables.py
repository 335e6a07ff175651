"""Intake's tables (DB shape only), all in schema `intake`."""

from shouwang.common.db.base import service_metadata
from shouwang.common.db.idempotency import IdempotencyKeys, idempotency_table
from shouwang.common.db.inbox import inbox_table
from shouwang.common.db.outbox import outbox_table
from shouwang.common.policy.projection import policy_calendars_table, policy_versions_table
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = service_metadata("intake")
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
# the county policy and work calendars, projected from `policy.settings`
policy_versions = policy_versions_table(metadata)
policy_calendars = policy_calendars_table(metadata)
OPEN_STATUSES = ("received", "verifying", "verified")
OPEN_SQL = "status IN ('received', 'verifying', 'verified')"
# a stage still pending: not done, not flagged (the overdue sweep's candidates, kept small)
ACCEPT_PENDING_SQL = "accept_by IS NOT NULL AND accepted_at IS NULL AND accept_overdue_at IS NULL"
VISIT_PENDING_SQL = "visit_by IS NOT NULL AND visited_at IS NULL AND visit_overdue_at IS NULL"

declarations = Table(
    "declarations",
    metadata,
    Column("receipt", Text, primary_key=True),
    Column("county_code", Text, nullable=False),
    Column("township_code", Text, nullable=False),
    Column("village_code", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("person_ref", Text, nullable=False),
    Column("id_enc", LargeBinary, nullable=False),
    Column("name_enc", LargeBinary, nullable=False),
    Column("phone_enc", LargeBinary),
    Column("description_enc", LargeBinary),
    Column("id_masked", Text, nullable=False),
    Column("name_masked", Text, nullable=False),
    Column("phone_masked", Text),
    Column("household_size", Integer, nullable=False),
    Column("hardships", JSONB, nullable=False),
    Column("income_estimate_yuan", Numeric(14, 2)),
    Column("attachments", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("status", Text, nullable=False),
    Column("outcome", Text),
    Column("task_id", Text),
    Column("filed_by", Text, nullable=False),
    Column("filed_by_role", Text, nullable=False),
    # another caller's filing for a person whose declaration was open: status 'merged', joined
    # to the open one (its receipt here) and routed as a signal on the same task
    Column("merged_into", Text),
    # the dates the receipt promised (policy in force on the filing date; NULL before v1.1),
    # when the township accepted (its task opened) and visited (the task reported), and when
    # each stage was flagged overdue (once)
    Column("accept_by", Date),
    Column("visit_by", Date),
    Column("accepted_at", DateTime(timezone=True)),
    Column("visited_at", DateTime(timezone=True)),
    Column("accept_overdue_at", DateTime(timezone=True)),
    Column("visit_overdue_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_declarations_township_status", "township_code", "status"),
    Index("ix_declarations_county_created", "county_code", "created_at", "receipt"),
    Index("ix_declarations_task", "task_id"),
    Index("ix_declarations_filed_by", "filed_by"),
    Index("ix_declarations_merged_into", "merged_into"),
    Index("ix_declarations_accept_pending", "accept_by", postgresql_where=text(ACCEPT_PENDING_SQL)),
    Index("ix_declarations_visit_pending", "visit_by", postgresql_where=text(VISIT_PENDING_SQL)),
    # one open declaration per person: a repeat attaches to it
    Index(
        "uq_declarations_open_person", "person_ref", unique=True, postgresql_where=text(OPEN_SQL)
    ),
)

# A caller repeating their own open filing: kept, attached to their receipt, no new task.
repeats = Table(
    "declaration_repeats",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("receipt", Text, nullable=False, index=True),
    Column("channel", Text, nullable=False),
    Column("hardships", JSONB, nullable=False),
    Column("description_enc", LargeBinary),
    Column("filed_by", Text, nullable=False, index=True),
    Column("filed_by_role", Text, nullable=False),
    Column("filed_at", DateTime(timezone=True), nullable=False),
)

idempotency_keys = idempotency_table(metadata)
idempotency = IdempotencyKeys(idempotency_keys)

# Token buckets of the public endpoint, one row per principal (shared by every replica).
rate_buckets = Table(
    "rate_buckets",
    metadata,
    Column("principal", Text, primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
