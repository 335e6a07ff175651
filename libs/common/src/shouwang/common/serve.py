"""Run one service under uvicorn with our logging (uvicorn's own config would bypass the scrub)."""

import argparse

import uvicorn
from shouwang.common.plugins import installed_services
from shouwang.common.plugins import service as plugin


def serve(service: str, *, host: str = "127.0.0.1", port: int | None = None) -> None:
    """Serve the service's app factory until SIGTERM/SIGINT (graceful)."""
    found = plugin(service)
    uvicorn.run(
        found.app_factory,
        factory=True,
        host=host,
        port=port or found.port,
        log_config=None,
        timeout_graceful_shutdown=20,
    )


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("serve", help="run one service")
    parser.add_argument("service", choices=sorted(installed_services()))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=None)
    parser.set_defaults(handler=lambda args: serve(args.service, host=args.host, port=args.port))
