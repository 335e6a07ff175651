"""The policy projection: a consumer applies policy.settings events once; reads resolve layers."""

from datetime import UTC, date, datetime

from shouwang.common.db.base import service_metadata
from shouwang.common.events.catalog.policy import CalendarChanged, PolicyChanged
from shouwang.common.events.envelope import new_envelope, to_kafka
from shouwang.common.kafka.producer import send_raw
from shouwang.common.policy.projection import (
    effective_policy,
    policy_calendars_table,
    policy_handler,
    policy_versions_table,
    work_calendar,
)
from shouwang.common.testing.fixtures import wait_until
from sqlalchemy import func, select

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


def _changed(region: str, version: int, since: date, **settings: object) -> PolicyChanged:
    return PolicyChanged(region_code=region, version=version, effective_from=since,
                         actor="county:test", reason="测试", settings=settings,
                         recorded_at=NOW)  # fmt: skip


async def _tables(scratch):  # type: ignore[no-untyped-def]
    metadata = service_metadata(scratch.schema)
    versions, calendars = policy_versions_table(metadata), policy_calendars_table(metadata)
    async with scratch.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return versions, calendars


async def test_consumed_events_project_once_and_resolve_by_layer(scratch) -> None:
    versions, calendars = await _tables(scratch)
    topic = await scratch.new_topic()
    events = [
        _changed("23", 1, date(2026, 1, 1), monitoring_line_yuan=7000.0),
        _changed("231226", 1, date(2027, 1, 1), monitoring_line_yuan=7300.0),
    ]
    calendar = CalendarChanged(region_code="23", year=2099, version=1,
                               holidays=[date(2099, 1, 1)], workdays=[], actor="province:test",
                               reason="测试", recorded_at=NOW)  # fmt: skip
    envelopes = [new_envelope(e, source="/test", subject=e.region_code) for e in
                 [*events, calendar]]  # fmt: skip
    for envelope in [*envelopes, envelopes[0]]:  # the first one redelivered
        key, value, headers = to_kafka(envelope)
        await send_raw(scratch.producer, topic=topic, key=key, value=value, headers=headers)

    consumer = scratch.consumer(
        [topic], handler=policy_handler(versions=versions, calendars=calendars)
    )
    async with scratch.consuming(consumer):

        async def handled() -> bool:
            return consumer.handled >= 4

        await wait_until(handled, timeout=60, what="policy events handled")

    async with scratch.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(versions))).scalar() == 2
        before = await effective_policy(conn, table=versions, region_code="231226",
                                        on_date=date(2026, 12, 31))  # fmt: skip
        after = await effective_policy(conn, table=versions, region_code="231226001",
                                       on_date=date(2027, 1, 1))  # fmt: skip
        cal = await work_calendar(conn, table=calendars, province_code="23")
    assert before.entries[("monitoring_line_yuan",)].source == "province"
    assert before.value("monitoring_line_yuan") == 7000.0
    assert after.entries[("monitoring_line_yuan",)].source == "county"
    assert not cal.is_working_day(date(2099, 1, 1))
    assert cal.year(2099).source == "province"
    assert cal.year(2026).source == "national"
