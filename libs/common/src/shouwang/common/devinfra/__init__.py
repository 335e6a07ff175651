"""Embedded dev infrastructure (Postgres + Kafka-protocol broker) behind one small module."""

from shouwang.common.devinfra.broker import EmbeddedBroker
from shouwang.common.devinfra.postgres import EmbeddedPostgres
from shouwang.common.devinfra.stack import StackInfo, down, status, up

__all__ = ["EmbeddedBroker", "EmbeddedPostgres", "StackInfo", "down", "status", "up"]
