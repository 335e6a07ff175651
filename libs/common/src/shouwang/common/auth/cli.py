"""`shouwang token`: mint a dev token for a role and scope."""

import argparse
from datetime import timedelta

from shouwang.common.auth.tokens import issue_token
from shouwang.common.config import CommonSettings


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("token", help="issue a dev JWT")
    parser.add_argument("--role", required=True)
    parser.add_argument("--scope", default="")
    parser.add_argument("--county", default=None, help="county code (department tokens)")
    parser.add_argument("--sub", default=None)
    parser.add_argument("--hours", type=float, default=12)
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    token = issue_token(
        CommonSettings(),
        role=args.role,
        scope=args.scope,
        county=args.county,
        sub=args.sub,
        ttl=timedelta(hours=args.hours),
    )
    print(token)
    return 0
