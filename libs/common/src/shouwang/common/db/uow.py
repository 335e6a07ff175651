"""Unit of work: one transaction covering the state change and its outbox rows."""

from types import TracebackType

from shouwang.common.db.outbox import add_events
from shouwang.common.events.envelope import EventEnvelope
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class UnitOfWork:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], outbox: Table) -> None:
        self._sessionmaker = sessionmaker
        self._outbox = outbox
        self._events: list[EventEnvelope] = []
        self.session: AsyncSession

    async def __aenter__(self) -> "UnitOfWork":
        self.session = self._sessionmaker()
        await self.session.begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.session.in_transaction():
            await self.session.rollback()
        await self.session.close()

    @classmethod
    def joined(cls, session: AsyncSession, outbox: Table) -> "UnitOfWork":
        """A unit of work inside a transaction someone else owns (a consumer's inbox txn)."""
        uow = cls.__new__(cls)
        uow._outbox, uow._events, uow.session = outbox, [], session
        return uow

    async def flush_events(self) -> None:
        """Write staged events to the outbox without committing."""
        await add_events(self.session, table=self._outbox, envelopes=self._events)
        self._events.clear()

    def publish(self, *envelopes: EventEnvelope) -> None:
        """Stage events; they are written to the outbox at commit."""
        self._events.extend(envelopes)

    async def commit(self) -> None:
        """Write staged events and commit everything at once."""
        await self.flush_events()
        await self.session.commit()
