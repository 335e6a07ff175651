"""Alembic per service: each service migrates its own schema; `shouwang migrate <service>`."""

import argparse
import asyncio

from alembic import command, context
from alembic.config import Config
from shouwang.common.config import CommonSettings, to_async_url
from shouwang.common.plugins import service as plugin
from shouwang.common.plugins import services_with
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def available_services() -> list[str]:
    """Services installed with packaged migrations."""
    return services_with("migrations")


def alembic_config(name: str, database_url: str) -> Config:
    """Return the Alembic config of a service's packaged migrations."""
    cfg = Config()
    location = plugin(name).migrations
    if location is None:
        raise LookupError(f"service {name!r} has no migrations")
    cfg.set_main_option("script_location", location)
    cfg.set_main_option("sqlalchemy.url", to_async_url(database_url))
    cfg.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s")
    return cfg


def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    """Migrate one service's schema (blocking; call from a thread inside an event loop)."""
    command.upgrade(alembic_config(service, database_url), revision)


def run_env(metadata: MetaData) -> None:
    """Body of every service's migrations/env.py: online, async, schema-scoped."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set"
    asyncio.run(_run_online(url, metadata))


async def _run_online(url: str, metadata: MetaData) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{metadata.schema}"'))
    async with engine.connect() as conn:
        await conn.run_sync(_configure_and_run, metadata)
        await conn.commit()
    await engine.dispose()


def _configure_and_run(connection: Connection, metadata: MetaData) -> None:
    schema = metadata.schema

    def include_name(name: str | None, type_: str, _parent: object) -> bool:
        return name == schema if type_ == "schema" else True

    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table_schema=schema,
        include_schemas=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("migrate", help="apply a service's migrations")
    parser.add_argument("service", choices=[*available_services(), "all"])
    parser.add_argument("--revision", default="head")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    url = CommonSettings().database_url
    for service in available_services() if args.service == "all" else (args.service,):
        upgrade(service, url, args.revision)
        print(f"migrated {service}")
    return 0


def revision(service: str, database_url: str, message: str) -> None:
    """Autogenerate a migration for a service against a migrated database (dev only)."""
    command.revision(alembic_config(service, database_url), message=message, autogenerate=True)
