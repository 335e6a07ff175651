"""`shouwang outbox replay <service> --since ISO`: re-send retained outbox rows (topic recovery).

After a broker lost its topics (the embedded Tansu keeps them in memory), the outbox still holds
every published row for the retention period. Marking them unpublished hands them back to the
service's running relay; consumers drop the repeats through their inbox.
"""

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from shouwang.common.db.base import service_metadata
from shouwang.common.db.engine import build_engine
from shouwang.common.db.outbox import mark_for_replay, outbox_table
from shouwang.common.plugins import services_with


async def replay_outbox(database_url: str, service: str, since: datetime) -> int:
    """Queue `service`'s retained outbox rows with event time >= `since`; return how many."""
    table = outbox_table(service_metadata(service))
    engine = build_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            return await mark_for_replay(conn, table=table, since=since)
    finally:
        await engine.dispose()


def parse_since(raw: str) -> datetime:
    """Parse an ISO 8601 moment; a value without an offset is taken as UTC."""
    moment = datetime.fromisoformat(raw)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _run_replay(args: argparse.Namespace) -> int:
    """CLI handler: mark the rows for replay and print the count."""
    from shouwang.common.config import CommonSettings

    if args.service not in services_with("outbox"):
        print(f"error: unknown service {args.service!r}", file=sys.stderr)
        return 2
    try:
        since = parse_since(args.since)
    except ValueError:
        print(f"error: --since is not an ISO 8601 moment: {args.since!r}", file=sys.stderr)
        return 2
    url = args.database_url or CommonSettings().database_url
    count = asyncio.run(replay_outbox(url, args.service, since))
    print(f"queued {count} outbox row(s) of {args.service} since {since.isoformat()} for replay")
    return 0


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register `shouwang outbox replay <service> --since ISO`."""
    parser = subparsers.add_parser("outbox", help="transactional outbox maintenance")
    actions = parser.add_subparsers(dest="outbox_command", required=True)
    replay = actions.add_parser(
        "replay", help="re-send retained rows (the service's relay publishes them again)"
    )
    replay.add_argument("service", help="the service whose outbox to replay, e.g. warning")
    replay.add_argument("--since", required=True, help="event time, ISO 8601 (no offset: UTC)")
    replay.add_argument("--database-url", default=None, help="default: DATABASE_URL")
    replay.set_defaults(handler=_run_replay)
