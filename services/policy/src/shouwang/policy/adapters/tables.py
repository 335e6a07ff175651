"""Policy's tables (DB shape only), all in schema `policy`: the store is the projection's shape."""

from shouwang.common.db.base import service_metadata
from shouwang.common.db.inbox import inbox_table
from shouwang.common.db.outbox import outbox_table
from shouwang.common.policy.projection import policy_calendars_table, policy_versions_table

metadata = service_metadata("policy")
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)  # nothing consumed yet; the service runtime expects one
versions = policy_versions_table(metadata)
calendars = policy_calendars_table(metadata)
