"""`shouwang keys reencrypt <service>`: move a service's PII onto the current encryption key.

The ring comes from SHOUWANG_ENCRYPTION_KEY (current) and SHOUWANG_ENCRYPTION_KEYS_PREVIOUS;
the columns from the service's registry (`shouwang.<service>.adapters.encrypted`). Run it once
every replica of every service encrypts under the new key (deploy/README.md, "Rotate keys").
"""

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime

from shouwang.common.crypto import PiiCipher
from shouwang.common.db.encrypted import EncryptedColumn
from shouwang.common.db.engine import build_engine
from shouwang.common.db.outbox import add_events
from shouwang.common.db.rekey import Progress, RekeyError, TableReport, reencrypt, registry
from shouwang.common.events.catalog.access import KeysReencrypted
from shouwang.common.events.envelope import new_envelope
from shouwang.common.plugins import service, services_with

PROGRESS_EVERY_S = 5.0


async def reencrypt_service(
    database_url: str,
    columns: tuple[EncryptedColumn, ...],
    cipher: PiiCipher,
    *,
    batch_size: int,
    dry_run: bool,
    progress: Progress | None = None,
) -> list[TableReport]:
    """Re-encrypt `columns` in the database at `database_url`."""
    engine = build_engine(database_url, pool_size=1)
    try:
        return await reencrypt(
            engine, columns, cipher, batch_size=batch_size, dry_run=dry_run, progress=progress
        )
    finally:
        await engine.dispose()


async def record_run(database_url: str, event: KeysReencrypted) -> None:
    """Stage the run's event in the service's outbox: its relay publishes it, audit chains it."""
    found = service(event.service)
    if found.outbox is None:
        raise LookupError(f"service {event.service!r} has no outbox")
    outbox = found.load(found.outbox)
    envelope = new_envelope(event, source=f"/shouwang/{event.service}/keys",
                            subject=event.service, time=datetime.now(UTC))  # fmt: skip
    engine = build_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await add_events(conn, table=outbox, envelopes=[envelope])
    finally:
        await engine.dispose()


def _printer(verb: str) -> Progress:
    """Print each table's count when it is done, and every few seconds while it runs."""
    last = time.monotonic()

    def show(report: TableReport) -> None:
        nonlocal last
        if report.done or time.monotonic() - last >= PROGRESS_EVERY_S:
            state = "" if report.done else " …"
            print(
                f"{report.table}: scanned {report.scanned}, {verb} {report.reencrypted}{state}",
                flush=True,
            )
            last = time.monotonic()

    return show


def _run(args: argparse.Namespace) -> int:
    """CLI handler: re-encrypt, print progress and a summary."""
    from shouwang.common.config import CommonSettings

    columns = _columns(args)
    if columns is None:
        return 2
    settings = CommonSettings()
    cipher = PiiCipher.from_secret(
        settings.encryption_key.get_secret_value(), previous=settings.previous_encryption_keys
    )
    current, *previous = cipher.key_ids
    print(f"{args.service}: current key {current}, previous {', '.join(previous) or 'none'}")
    if not columns:
        print(f"{args.service} stores nothing to re-encrypt (see its adapters/encrypted.py)")
        return 0
    url = args.database_url or settings.database_url
    reports = _reencrypt(args, url, columns, cipher)
    if reports is None:
        return 1
    if not args.dry_run:
        asyncio.run(record_run(url, _recorded(args, reports, current, previous)))
    _summarise(args, reports)
    return 0


def _columns(args: argparse.Namespace) -> tuple[EncryptedColumn, ...] | None:
    """The service's encrypted columns; None (after saying why) when the call is off."""
    if args.batch_size < 1:
        print("error: --batch-size must be at least 1", file=sys.stderr)
        return None
    try:
        return registry(args.service)
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def _verb(args: argparse.Namespace) -> str:
    return "to re-encrypt" if args.dry_run else "re-encrypted"


def _reencrypt(
    args: argparse.Namespace, url: str, columns: tuple[EncryptedColumn, ...], cipher: PiiCipher
) -> list[TableReport] | None:
    """Run the re-encryption with progress; None (after saying why) when a row fails."""
    try:
        return asyncio.run(
            reencrypt_service(
                url,
                columns,
                cipher,
                batch_size=args.batch_size,
                dry_run=args.dry_run,
                progress=_printer(_verb(args)),
            )
        )
    except RekeyError as exc:
        print(
            f"error: {exc} (batches before it are committed; fix the ring and run again)",
            file=sys.stderr,
        )
        return None


def _recorded(
    args: argparse.Namespace, reports: list[TableReport], current: str, previous: list[str]
) -> KeysReencrypted:
    """The audited record of a run that wrote."""
    return KeysReencrypted(
        actor=args.actor, service=args.service, current_key=current, previous_keys=previous,
        scanned=sum(r.scanned for r in reports), reencrypted=sum(r.reencrypted for r in reports),
        tables={r.table: r.reencrypted for r in reports},
    )  # fmt: skip


def _summarise(args: argparse.Namespace, reports: list[TableReport]) -> None:
    scanned = sum(r.scanned for r in reports)
    changed = sum(r.reencrypted for r in reports)
    note = " (dry run: nothing written)" if args.dry_run else ""
    print(
        f"{args.service}: scanned {scanned} row(s) in {len(reports)} table(s), "
        f"{_verb(args)} {changed}{note}"
    )


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register `shouwang keys reencrypt <service> [--batch-size N] [--dry-run]`."""
    parser = subparsers.add_parser("keys", help="PII encryption key rotation")
    actions = parser.add_subparsers(dest="keys_command", required=True)
    rekey = actions.add_parser(
        "reencrypt", help="re-encrypt a service's PII under SHOUWANG_ENCRYPTION_KEY"
    )
    rekey.add_argument("service", choices=services_with("encrypted_columns"))
    rekey.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
    rekey.add_argument(
        "--dry-run",
        action="store_true",
        help="count and check that the ring opens every blob; write nothing",
    )
    rekey.add_argument("--database-url", default=None, help="default: DATABASE_URL")
    rekey.add_argument(
        "--actor",
        default=os.environ.get("USER") or "operator",
        help="who runs it, recorded in the audit log (default: $USER)",
    )
    rekey.set_defaults(handler=_run)
