"""Structured JSON logging for every service; PII is scrubbed from structlog and stdlib records."""

from __future__ import annotations

import logging
import logging.config
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog
from shouwang.common.pii_scrub import scrub_pii_processor
from structlog.typing import FilteringBoundLogger, Processor

# library loggers that configure their own handlers; we take them over so they go through the scrub
_LIBRARY_LOGGERS = (
    "uvicorn", "uvicorn.error", "uvicorn.access", "fastapi", "aiokafka", "kafka",
    "sqlalchemy", "sqlalchemy.engine", "asyncpg", "httpx", "httpcore", "alembic",
)  # fmt: skip
# loggers that are too chatty (or may echo SQL parameters) below WARNING
_QUIET_LOGGERS = ("sqlalchemy.engine", "sqlalchemy.pool", "httpcore", "aiokafka.conn")
_HANDLER_MARK = "_shouwang_handler"
# credentials a URL may carry (a stream ticket; a bearer token from an old or foreign client)
_URL_CREDENTIAL = re.compile(r"(?i)([?&](?:ticket|token|access_token|jwt)=)[^&\s\"'#]*")


class _LazyStdout:
    """File-like object resolving sys.stdout on each write (keeps pytest capture working)."""

    def write(self, text: str) -> int:
        """Write to the current sys.stdout."""
        return sys.stdout.write(text)

    def flush(self) -> None:
        """Flush the current sys.stdout."""
        sys.stdout.flush()


def _service_adder(service_name: str) -> Processor:
    """Return a processor adding `service` to every event."""

    def add_service(
        logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        event_dict.setdefault("service", service_name)
        return event_dict

    return add_service


def redact_url_credentials(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Blank `ticket=`/`token=` query values in every string field (uvicorn access lines too)."""
    for key, value in event_dict.items():
        if isinstance(value, str) and "=" in value:
            event_dict[key] = _URL_CREDENTIAL.sub(r"\1***", value)
    return event_dict


def _shared_processors(service_name: str) -> list[Processor]:
    """Processors common to structlog and foreign (stdlib) records, before scrub and render."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        _service_adder(service_name),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def _renderer(json: bool) -> Processor:
    """JSON lines (non-ASCII kept) for production, a console renderer for humans."""
    if json:
        return structlog.processors.JSONRenderer(ensure_ascii=False)
    return structlog.dev.ConsoleRenderer(colors=False)


def _configure_stdlib(
    shared: list[Processor], renderer: Processor, level: int, stream: TextIO | _LazyStdout
) -> None:
    """Send every stdlib record (uvicorn, aiokafka, sqlalchemy…) through scrub + renderer."""
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            *shared,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            redact_url_credentials,
            scrub_pii_processor,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    # replace our previous handler and plain stream handlers (basicConfig); keep others (pytest…)
    for old in list(root.handlers):
        if getattr(old, _HANDLER_MARK, False) or type(old) is logging.StreamHandler:
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _LIBRARY_LOGGERS:
        lib = logging.getLogger(name)
        lib.handlers.clear()
        lib.propagate = True
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    logging.captureWarnings(True)


def configure_logging(
    *,
    service_name: str,
    level: str = "INFO",
    json: bool = True,
    stream: TextIO | None = None,
) -> None:
    """Configure structlog and stdlib logging: JSON lines to stdout, PII scrubbed last."""
    level_num = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    out: TextIO | _LazyStdout = stream if stream is not None else _LazyStdout()
    shared = _shared_processors(service_name)
    renderer = _renderer(json)
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            redact_url_credentials,
            scrub_pii_processor,  # last before rendering: nothing unscrubbed reaches a sink
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level_num),
        logger_factory=structlog.PrintLoggerFactory(file=out),  # type: ignore[arg-type]
        context_class=dict,
        cache_logger_on_first_use=False,  # allow reconfiguration (tests, CLI) to take effect
    )
    _configure_stdlib(shared, renderer, level_num, out)


def get_logger(name: str | None = None, **initial_values: Any) -> FilteringBoundLogger:
    """Return a structlog logger, bound to `logger=name` when a name is given."""
    logger: FilteringBoundLogger = structlog.get_logger(**initial_values)
    # `logger` cannot be an initial value (it clashes with wrap_logger's parameter): bind it
    return logger.bind(logger=name) if name is not None else logger
