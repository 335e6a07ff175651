"""Run one service under uvicorn with our logging (uvicorn's own config would bypass the scrub)."""

import argparse

import uvicorn

PORTS = {"intake": 8001, "warning": 8002, "assistance": 8003, "audit": 8004, "web": 8005}


def serve(service: str, *, host: str = "127.0.0.1", port: int | None = None) -> None:
    """Serve `shouwang.<service>.main:create_app` until SIGTERM/SIGINT (graceful)."""
    uvicorn.run(
        f"shouwang.{service}.main:create_app",
        factory=True,
        host=host,
        port=port or PORTS[service],
        log_config=None,
        timeout_graceful_shutdown=20,
    )


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("serve", help="run one service")
    parser.add_argument("service", choices=sorted(PORTS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=None)
    parser.set_defaults(handler=lambda args: serve(args.service, host=args.host, port=args.port))
