"""Waiting after a failure: capped exponential back-off with jitter, cut short on shutdown.

Every loop that retries (the outbox relay, the consumer, the producer's and the consumers' start,
waiting for a broker) waits through this module. The jitter keeps replicas that lost the same
database or broker together from coming back in step; the stop event keeps a stopping service
from sleeping out a back-off.
"""

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog

log = structlog.get_logger(__name__)

T = TypeVar("T")
Random = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
_MAX_EXPONENT = 64  # past any cap: keeps factor**n a float


@dataclass(frozen=True)
class Backoff:
    """Delays that grow by `factor` from `first` up to `cap`; `jitter` is the share drawn at random.

    With jitter 0.5 each delay lies between half its ceiling and the ceiling, so it never exceeds
    the cap and never drops to nothing.
    """

    first: float = 0.1
    cap: float = 5.0
    factor: float = 2.0
    jitter: float = 0.5

    def ceiling(self, failures: int) -> float:
        """The longest pause after `failures` consecutive failures (1 is the first)."""
        exponent = min(max(failures - 1, 0), _MAX_EXPONENT)
        return min(self.cap, self.first * self.factor**exponent)

    def delay(self, failures: int, rand: Random = random.random) -> float:
        """The pause after `failures` consecutive failures, jittered by `rand()` in [0, 1)."""
        return self.ceiling(failures) * (1 - self.jitter * rand())


async def wait_or_stop(stop: asyncio.Event | None, seconds: float) -> bool:
    """Sleep for `seconds`, waking early when `stop` is set; return whether it is set."""
    if stop is None:
        await asyncio.sleep(seconds)
        return False
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True


class Retrier:
    """The back-off of one loop: each failure in a row waits longer, a success starts over."""

    def __init__(
        self,
        backoff: Backoff,
        *,
        stop: asyncio.Event | None = None,
        rand: Random = random.random,
        sleep: Sleep | None = None,
    ) -> None:
        self.backoff = backoff
        self.failures = 0
        self._stop = stop
        self._rand = rand
        self._sleep = sleep

    @property
    def stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    def succeeded(self) -> None:
        """Start the back-off over: the next failure waits the shortest time again."""
        self.failures = 0

    def next_delay(self) -> float:
        """Count a failure and return how long to wait after it."""
        self.failures += 1
        return self.backoff.delay(self.failures, self._rand)

    async def pause(self) -> bool:
        """Count a failure and wait out its back-off; return False when stopping."""
        delay = self.next_delay()
        if self._sleep is None:
            return not await wait_or_stop(self._stop, delay)
        await self._sleep(delay)
        return not self.stopping


def always(_: BaseException) -> bool:
    return True


async def retry(
    operation: Callable[[], Awaitable[T]],
    *,
    backoff: Backoff,
    event: str,
    retry_on: Callable[[BaseException], bool] = always,
    give_up_after: float | None = None,
    stop: asyncio.Event | None = None,
    rand: Random = random.random,
    sleep: Sleep | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Await `operation` until it succeeds, retrying the failures `retry_on` accepts.

    The last failure is raised when `retry_on` refuses it, when `give_up_after` seconds have
    passed, or when `stop` is set during a back-off. Each retry is logged as `event`.
    """
    retrier = Retrier(backoff, stop=stop, rand=rand, sleep=sleep)
    deadline = None if give_up_after is None else clock() + give_up_after
    while True:
        try:
            return await operation()
        except Exception as exc:
            if not retry_on(exc) or (deadline is not None and clock() > deadline):
                raise
            log.warning(event, attempt=retrier.failures + 1, error=repr(exc))
            if not await retrier.pause():
                raise
