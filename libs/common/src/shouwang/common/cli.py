"""The `shouwang` command: dev infrastructure, dev tokens, geography, the local stack."""

import argparse
import importlib
import sys

# sub-command -> module exposing `register(subparsers)`; each registers its own parser and handler
_COMMANDS = {
    "dev": "shouwang.common.devinfra.cli",
    "token": "shouwang.common.auth.cli",
    "geo": "shouwang.common.geography_cli",
    "migrate": "shouwang.common.migrate",
    "run": "shouwang.common.runner",
    "serve": "shouwang.common.serve",
    "dlq": "shouwang.common.dlq",
    "outbox": "shouwang.common.outbox_cli",
    "keys": "shouwang.common.keys_cli",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shouwang", description="Shouwang (守望) developer tools")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in _COMMANDS.values():
        importlib.import_module(module_name).register(subparsers)
    args = parser.parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
