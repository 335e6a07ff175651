"""What policy consumes: the facts its what-if judges (households' months, thresholded items).

`assistance.households` carries every household event; only `followup.recorded` is of use here,
so the consumer pre-filters (no transaction, no inbox row for the rest).
"""

from shouwang.common.events.catalog.assistance import FollowupRecorded
from shouwang.common.events.catalog.warning import ItemIndicators
from shouwang.common.events.envelope import EventEnvelope
from shouwang.common.events.topics import ASSISTANCE_HOUSEHOLDS, WARNING_INDICATORS
from shouwang.common.service import ConsumerSpec
from shouwang.policy.runtime import PolicyRuntime
from shouwang.policy.service.fact_projection import project_fact

TOPICS = (ASSISTANCE_HOUSEHOLDS.name, WARNING_INDICATORS.name)


def relevant(envelope: EventEnvelope) -> bool:
    """True for the events the what-if facts are made of."""
    return isinstance(envelope.data, FollowupRecorded | ItemIndicators)


def consumer_specs(runtime: PolicyRuntime) -> list[ConsumerSpec]:
    """Declare policy's consumer (one group over both topics)."""
    return [ConsumerSpec(topics=TOPICS, handler=project_fact, accepts=relevant)]
