"""Policy's tables (DB shape only), all in schema `policy`: the store is the projection's shape.

Besides the store, the facts its what-if judges, projected from other services' events: each
household's recorded months (`followup_facts`) and, per county and department, the thresholded
items of the latest filed period (`item_facts`).
"""

from shouwang.common.db.base import service_metadata
from shouwang.common.db.inbox import inbox_table
from shouwang.common.db.outbox import outbox_table
from shouwang.common.policy.projection import policy_calendars_table, policy_versions_table
from sqlalchemy import Column, DateTime, Float, Index, Integer, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

metadata = service_metadata("policy")
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
versions = policy_versions_table(metadata)
calendars = policy_calendars_table(metadata)

followup_facts = Table(
    "followup_facts",
    metadata,
    Column("household_id", Text, primary_key=True),
    Column("month", Text, primary_key=True),  # YYYY-MM
    Column("county_code", Text, nullable=False),
    Column("township_code", Text, nullable=False),
    Column("village_code", Text, nullable=False),
    Column("per_person_yuan", Float, nullable=False),  # annualised income per person
    Column("household_size", Integer, nullable=False),
    Column("flags", JSONB, nullable=False),  # as recorded, under the settings of that month
    Column("recorded_at", DateTime(timezone=True), nullable=False),  # the event's time
    Index("ix_followup_facts_county", "county_code", "household_id", "month"),
)

item_facts = Table(
    "item_facts",
    metadata,
    Column("item_id", Text, primary_key=True),  # warning's `<batch_id>:<index>`
    Column("batch_id", Text, nullable=False),
    Column("county_code", Text, nullable=False),
    Column("department", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("township_code", Text, nullable=False),
    Column("village_code", Text, nullable=False),
    Column("indicator", Text, nullable=False),
    Column("values", JSONB, nullable=False),
    Column("qualifiers", JSONB, nullable=False),
    Index("ix_item_facts_county_department", "county_code", "department", "period"),
    Index("ix_item_facts_county_indicator", "county_code", "indicator"),
)
