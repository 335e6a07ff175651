"""Deadlines: when one has passed, and the colour it shows (one rule for every service)."""

from datetime import UTC, date, datetime, timedelta

from shouwang.common.clock import SHANGHAI
from shouwang.common.deadlines import colour, day_end, has_passed, last_moment

START = datetime(2026, 11, 10, 8, tzinfo=UTC)
DUE = START + timedelta(days=10)


def test_a_deadline_is_met_at_its_instant_and_passed_after_it() -> None:
    assert not has_passed(DUE, DUE)
    assert has_passed(DUE, DUE + timedelta(microseconds=1))


def test_a_day_deadline_passes_when_the_day_ends_in_shanghai() -> None:
    assert day_end(date(2026, 11, 12)) == datetime(2026, 11, 13, tzinfo=SHANGHAI)
    last = last_moment(date(2026, 11, 12))
    assert not has_passed(last, datetime(2026, 11, 12, 23, 59, 59, 999999, tzinfo=SHANGHAI))
    assert has_passed(last, day_end(date(2026, 11, 12)))


def test_the_colour_follows_the_share_of_time_used() -> None:
    def at(days: float) -> str:
        now = START + timedelta(days=days)
        return colour(now=now, started_at=START, due_at=DUE, amber_ratio=0.8)

    assert [at(1), at(7.9), at(8), at(10), at(10.01)] == ["green", "green", "amber", "amber", "red"]
    assert colour(now=DUE, started_at=START, due_at=None, amber_ratio=0.8) == "closed"
