"""The county policy audit projects from `policy.settings` (for the deadline colours)."""

from shouwang.audit.adapters.tables import policy_calendars, policy_versions
from shouwang.common.policy.projection import PolicyProjection

store = PolicyProjection(versions=policy_versions, calendars=policy_calendars)
record_policy_event = store.handler()  # project a policy or calendar change
county_policy = store.county_policy  # every setting in force for the county on a date
