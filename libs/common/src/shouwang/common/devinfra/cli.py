"""`shouwang dev up|down|status`: the embedded dev infrastructure from the command line."""

import argparse
import json
import os
from pathlib import Path

from shouwang.common.devinfra import stack


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=stack.DEFAULT_DATA_DIR,
        help="where the embedded servers keep data, logs and pid files",
    )


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register the `dev` command and its `up`, `down`, `status` sub-commands."""
    dev = subparsers.add_parser("dev", help="embedded Postgres + Kafka-protocol broker")
    commands = dev.add_subparsers(dest="dev_command", required=True)
    up = commands.add_parser("up", help="start (idempotent) and create the topics")
    _add_data_dir(up)
    up.add_argument("--pg-port", type=int, default=stack.DEFAULT_PG_PORT)
    up.add_argument("--kafka-port", type=int, default=stack.DEFAULT_KAFKA_PORT)
    up.set_defaults(handler=handle_up)
    down = commands.add_parser("down", help="stop the embedded servers (data is kept)")
    _add_data_dir(down)
    down.set_defaults(handler=handle_down)
    status = commands.add_parser("status", help="show whether the embedded servers run")
    _add_data_dir(status)
    status.set_defaults(handler=handle_status)


def handle_up(args: argparse.Namespace) -> int:
    """Bring the stack up and print its URLs and start-up timings."""
    info = stack.up(args.data_dir, args.pg_port, args.kafka_port)
    mode = "embedded" if info.embedded else "external"
    print(f"mode:                    {mode}")
    print(f"DATABASE_URL:            {info.database_url}")
    print(f"KAFKA_BOOTSTRAP_SERVERS: {info.kafka_bootstrap}")
    for step, seconds in info.timings.items():
        print(f"  {step:<22} {seconds:.3f} s")
    if info.embedded:
        print(f"logs: {os.path.join(args.data_dir, 'logs')}")
    return 0


def handle_down(args: argparse.Namespace) -> int:
    """Stop the embedded servers."""
    stack.down(args.data_dir)
    print("embedded Postgres and broker stopped")
    return 0


def handle_status(args: argparse.Namespace) -> int:
    """Print the stack status as JSON; exit 1 when an embedded server is down."""
    report = stack.status(args.data_dir)
    print(json.dumps(report, indent=2))
    running = report["postgres"]["running"] and report["broker"]["running"]
    return 0 if running else 1
