"""The county policy and province work calendars warning projects from `policy.settings`."""

from shouwang.common.policy.projection import PolicyProjection
from shouwang.warning.adapters.tables import policy_calendars, policy_versions

store = PolicyProjection(versions=policy_versions, calendars=policy_calendars)
