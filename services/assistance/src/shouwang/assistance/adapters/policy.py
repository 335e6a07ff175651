"""The county policy and province work calendars assistance projects from `policy.settings`."""

from shouwang.assistance.adapters.tables import policy_calendars, policy_versions
from shouwang.common.policy.projection import PolicyProjection

store = PolicyProjection(versions=policy_versions, calendars=policy_calendars)
