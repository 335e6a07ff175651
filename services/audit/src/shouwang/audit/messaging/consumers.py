"""Audit consumes every audited main topic of the catalogue in its own group: chain, then metrics.

DLQ topics are not consumed here: they carry the original, possibly undecodable bytes, and a record
the envelope decoder rejects would be dead-lettered again to a `<dlq>.dlq` topic that does not
exist. Recording DLQs would need a raw-record consumer; see the service README note.
"""

from shouwang.audit.runtime import AuditRuntime
from shouwang.audit.service.chain import append_event, append_events
from shouwang.audit.service.projection import project, project_many
from shouwang.common.db.inbox import INBOX_MARGIN_DAYS
from shouwang.common.events.envelope import EventEnvelope
from shouwang.common.events.topics import TOPICS
from shouwang.common.service import ConsumerSpec
from sqlalchemy.ext.asyncio import AsyncSession

# NOTE: the group also reads policy.settings (kept 3,650 days): with the default its inbox rows
# would be kept as long and never level off. An event redelivered after its inbox row is gone
# changes nothing here: the log skips a known event_id and the policy projection inserts on
# conflict do nothing. So the inbox needs to cover only the ordinary redelivery window.
SHORT_INBOX_DAYS = 30 + INBOX_MARGIN_DAYS


def audited_topics() -> list[str]:
    """Every audited main topic of the catalogue (DLQs excluded, see the module docstring; bulk
    facts for projections, such as `warning.indicators`, are not audited)."""
    return [topic.name for topic in TOPICS if topic.audited]


async def handle(envelope: EventEnvelope, session: AsyncSession) -> None:
    """Append the event to the chain and, if it is new, update the supervision metrics."""
    if await append_event(session, envelope) is not None:
        await project(session, envelope)


async def handle_many(envelopes: list[EventEnvelope], session: AsyncSession) -> None:
    """A whole poll at once: one chain lock, one insert, metrics in bulk where they can be."""
    await project_many(session, await append_events(session, envelopes))


def consumer_specs(runtime: AuditRuntime) -> list[ConsumerSpec]:
    """Declare audit's single consumer group over all main topics."""
    spec = ConsumerSpec(
        topics=audited_topics(),
        handler=handle,
        batch_handler=handle_many,
        inbox_retention_days=SHORT_INBOX_DAYS,
    )
    return [spec]
