"""Retrying: capped exponential back-off with jitter, started over by a success, cut by a stop."""

import asyncio

import pytest
from shouwang.common.retry import Backoff, Retrier, retry, wait_or_stop


def test_delays_double_up_to_the_cap() -> None:
    backoff = Backoff(first=0.2, cap=1.0, jitter=0.5)
    ceilings = [backoff.ceiling(n) for n in range(1, 6)]
    assert ceilings == pytest.approx([0.2, 0.4, 0.8, 1.0, 1.0])
    assert backoff.ceiling(10_000) == 1.0, "a long outage neither overflows nor passes the cap"


def test_jitter_draws_between_half_the_ceiling_and_the_ceiling() -> None:
    backoff = Backoff(first=1.0, cap=8.0, jitter=0.5)
    assert backoff.delay(3, rand=lambda: 0.0) == pytest.approx(4.0)
    assert backoff.delay(3, rand=lambda: 0.5) == pytest.approx(3.0)
    assert backoff.delay(3, rand=lambda: 0.999) == pytest.approx(2.002)
    assert Backoff(first=1.0, jitter=0.0).delay(1, rand=lambda: 0.9) == 1.0


class Sleeps:
    def __init__(self, stop: asyncio.Event | None = None, stop_after: int = 0) -> None:
        self.seconds: list[float] = []
        self._stop, self._stop_after = stop, stop_after

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        if self._stop is not None and len(self.seconds) >= self._stop_after:
            self._stop.set()


async def test_a_success_starts_the_back_off_over() -> None:
    sleeps = Sleeps()
    retrier = Retrier(Backoff(first=0.1, cap=1.0), rand=lambda: 0.0, sleep=sleeps)
    for _ in range(3):
        assert await retrier.pause()
    retrier.succeeded()
    await retrier.pause()
    assert sleeps.seconds == pytest.approx([0.1, 0.2, 0.4, 0.1])


async def test_retry_returns_once_the_operation_succeeds() -> None:
    failures = [ConnectionError("down"), ConnectionError("still down")]

    async def operation() -> str:
        if failures:
            raise failures.pop(0)
        return "up"

    sleeps = Sleeps()
    result = await retry(
        operation, backoff=Backoff(first=0.5), event="test.retry", rand=lambda: 0.0, sleep=sleeps
    )
    assert result == "up"
    assert sleeps.seconds == pytest.approx([0.5, 1.0])


async def test_a_failure_it_does_not_retry_is_raised_at_once() -> None:
    async def operation() -> None:
        raise ValueError("the request itself is wrong")

    sleeps = Sleeps()
    with pytest.raises(ValueError):
        await retry(
            operation,
            backoff=Backoff(),
            event="test.retry",
            retry_on=lambda exc: isinstance(exc, ConnectionError),
            sleep=sleeps,
        )
    assert sleeps.seconds == []


async def test_retry_gives_up_after_its_time() -> None:
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    async def operation() -> None:
        raise ConnectionError("down")

    with pytest.raises(ConnectionError):
        await retry(
            operation,
            backoff=Backoff(first=1.0, cap=1.0),
            event="test.retry",
            give_up_after=3.5,
            rand=lambda: 0.0,
            sleep=sleep,
            clock=lambda: now[0],
        )
    assert now[0] == 4.0, "tried at 0, 1, 2, 3 and 4 s; past 3.5 s it raised"


async def test_a_stop_during_the_back_off_ends_the_retries() -> None:
    stop = asyncio.Event()
    calls = 0

    async def operation() -> None:
        nonlocal calls
        calls += 1
        raise ConnectionError("down")

    sleeps = Sleeps(stop, stop_after=2)
    with pytest.raises(ConnectionError):
        await retry(operation, backoff=Backoff(), event="test.retry", stop=stop, sleep=sleeps)
    assert (calls, len(sleeps.seconds)) == (2, 2)


async def test_waiting_wakes_as_soon_as_the_service_stops() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.05, stop.set)
    started = asyncio.get_running_loop().time()
    assert await wait_or_stop(stop, 30.0)
    assert asyncio.get_running_loop().time() - started < 5.0
    assert not await wait_or_stop(stop=None, seconds=0.0)
    retrier = Retrier(Backoff(first=30.0, cap=30.0), stop=stop)
    assert not await retrier.pause(), "a stopping service does not sleep out its back-off"
