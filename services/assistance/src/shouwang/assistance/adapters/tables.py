"""Assistance's tables (DB shape only), all in schema `assistance`."""

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
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = service_metadata("assistance")
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
policy_versions = policy_versions_table(metadata)
policy_calendars = policy_calendars_table(metadata)
idempotency_keys = idempotency_table(metadata)
idempotency = IdempotencyKeys(idempotency_keys)


def _jsonb(name: str, default: str = "'[]'::jsonb") -> Column[object]:
    return Column(name, JSONB, nullable=False, server_default=text(default))


households = Table(
    "households",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("county_code", Text, nullable=False),
    Column("township_code", Text, nullable=False),
    Column("village_code", Text, nullable=False),
    Column("external_no", Text),
    Column("category", Text),
    Column("status", Text, nullable=False),
    _jsonb("risk_types"),
    _jsonb("protection"),
    _jsonb("security", "'{}'::jsonb"),
    Column("size", Integer, nullable=False),
    Column("address_enc", LargeBinary),
    Column("head_name_masked", Text, nullable=False, server_default=""),
    Column("source", Text, nullable=False),
    Column("monitored_since", Date),
    Column("approved_on", Date),
    Column("guarantee_household", Boolean, nullable=False, server_default=text("false")),
    Column("remarked", Boolean, nullable=False, server_default=text("false")),
    Column("last_year_income_per_person", Float),
    Column("elimination_way", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_households_village_status", "village_code", "status"),
    Index(
        "uq_households_county_external_no",
        "county_code",
        "external_no",
        unique=True,
        postgresql_where=text("external_no IS NOT NULL"),
    ),
)

members = Table(
    "members",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "household_id", Uuid, ForeignKey("assistance.households.id"), nullable=False, index=True
    ),
    Column("county_code", Text, nullable=False),
    Column("person_ref", Text, nullable=False),
    Column("id_enc", LargeBinary, nullable=False),
    Column("name_enc", LargeBinary, nullable=False),
    Column("phone_enc", LargeBinary),
    Column("id_masked", Text, nullable=False),
    Column("name_masked", Text, nullable=False),
    Column("phone_masked", Text),
    Column("relation", Text, nullable=False),
    Column("labour", Text, nullable=False),
    Column("is_head", Boolean, nullable=False),
    Index("uq_members_county_person", "county_code", "person_ref", unique=True),
)

identifications = Table(
    "identifications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("household_id", Uuid, nullable=False, index=True),
    Column("status", Text, nullable=False),
    Column("trigger", Text, nullable=False),
    Column("source_ref", Text),
    Column("started_by", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True)),
    _jsonb("steps", "'{}'::jsonb"),
    Index(
        "uq_identifications_open",
        "household_id",
        unique=True,
        postgresql_where=text("status = 'open'"),
    ),
)

plans = Table(
    "plans",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("household_id", Uuid, nullable=False, index=True),
    Column("cadre_name", Text, nullable=False),  # the cadre's name when the plan was made
    Column("cadre_id", Uuid),  # the household's cadre (household_cadres) the plan refers to
    Column("measures", JSONB, nullable=False),
    Column("made_on", Date, nullable=False),
    Column("due_on", Date),
    Column("late", Boolean, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

followups = Table(
    "followups",
    metadata,
    Column("household_id", Uuid, nullable=False),
    Column("month", Text, nullable=False),
    Column("income", JSONB, nullable=False),
    Column("expense", JSONB, nullable=False),
    Column("flags", JSONB, nullable=False),
    _jsonb("checks", "'{}'::jsonb"),
    Column("annual_income_per_person", Float, nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("household_id", "month", name="pk_followups"),
)

eliminations = Table(
    "eliminations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("household_id", Uuid, nullable=False, index=True),
    Column("status", Text, nullable=False),
    Column("way", Text, nullable=False),
    _jsonb("steps", "'{}'::jsonb"),
    _jsonb("quality_flags"),
    _jsonb("evidence", "'{}'::jsonb"),  # what the way of elimination rests on (seed 004)
    Column("outcome", Text),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Index(
        "uq_eliminations_open",
        "household_id",
        unique=True,
        postgresql_where=text("status = 'open'"),
    ),
)

history = Table(
    "history",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("household_id", Uuid, nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("action", Text, nullable=False),
    Column("actor", Text, nullable=False),
    _jsonb("details", "'{}'::jsonb"),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("county_code", Text, nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("phases", JSONB, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # manual, or a scheduled screening (quarterly_screening, half_yearly_screening) of a period
    Column("kind", Text, nullable=False, server_default="manual"),
    Column("period", Text),
    Index(
        "uq_campaigns_scheduled",
        "county_code",
        "kind",
        "period",
        unique=True,
        postgresql_where=text("period IS NOT NULL"),
    ),
)

campaign_townships = Table(
    "campaign_townships",
    metadata,
    Column("campaign_id", Uuid, ForeignKey("assistance.campaigns.id"), nullable=False),
    Column("township_code", Text, nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=False),
    Column("completed_by", Text, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    PrimaryKeyConstraint("campaign_id", "township_code", name="pk_campaign_townships"),
)

campaign_problems = Table(
    "campaign_problems",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("seq", BigInteger, Identity(), nullable=False),
    Column("campaign_id", Uuid, ForeignKey("assistance.campaigns.id"), nullable=False),
    Column("household_id", Uuid, ForeignKey("assistance.households.id")),  # None: a project
    Column("subject", Text, nullable=False, server_default="household"),
    Column("project_name", Text),  # a fund or industry project's name (seed 003)
    Column("county_code", Text, nullable=False),
    Column("township_code", Text, nullable=False),
    Column("village_code", Text, nullable=False),
    Column("problem_type", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("measure", Text, nullable=False),
    Column("responsible_unit", Text, nullable=False),
    Column("responsible_person", Text, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("status", Text, nullable=False),
    Column("found_on", Date, nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("evidence", JSONB),
    Column("closed_by", Text),
    Column("closed_at", DateTime(timezone=True)),
    Index("ix_campaign_problems_campaign_township", "campaign_id", "township_code"),
)

deadline_flags = Table(
    "deadline_flags",
    metadata,
    Column("stage", Text, nullable=False),
    Column("ref", Text, nullable=False),
    Column("household_id", Uuid, nullable=False, index=True),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("flagged_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("stage", "ref", name="pk_deadline_flags"),
)

household_cadres = Table(
    "household_cadres",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "household_id", Uuid, ForeignKey("assistance.households.id"), nullable=False, index=True
    ),
    Column("name", Text, nullable=False),
    Column("phone_enc", LargeBinary),
    Column("phone_masked", Text),
    Column("post", Text),
    Column("assigned_by", Text, nullable=False),
    Column("assigned_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    Column("ended_by", Text),
    Index(
        "uq_household_cadres_current",
        "household_id",
        unique=True,
        postgresql_where=text("ended_at IS NULL"),
    ),
)

# the latest data-quality findings of each household (the scheduled sweep's result)
data_quality = Table(
    "data_quality",
    metadata,
    Column("household_id", Uuid, primary_key=True),
    Column("county_code", Text, nullable=False),
    Column("township_code", Text, nullable=False),
    Column("village_code", Text, nullable=False),
    _jsonb("flags"),
    Column("checked_at", DateTime(timezone=True), nullable=False),
    Index("ix_data_quality_county_township", "county_code", "township_code"),
)
