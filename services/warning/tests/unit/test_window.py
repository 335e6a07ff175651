from datetime import UTC, datetime, timedelta

import pytest
from shouwang.common.clock import SHANGHAI
from shouwang.common.policy.settings import PushWindow
from shouwang.warning.domain.window import (
    WindowClosed,
    classify_push,
    describe,
    next_opening,
    window_of,
)

SEED_004 = PushWindow(open_day=5, close_day=15)
MONTH_END = PushWindow(open_day=1, close_day=None)


def at(day: int, h: int = 0, m: int = 0, s: int = 0, us: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, h, m, s, us, tzinfo=SHANGHAI)


def classify(when: datetime, *, urgent: bool = False, until: datetime | None = None) -> str:
    return classify_push(
        at=when, period="2026-11", urgent=urgent, extension_until=until, window=SEED_004
    )


def test_window_opens_on_the_5th_at_midnight_shanghai():
    assert classify(at(5)) == "on_time"
    with pytest.raises(WindowClosed):
        classify(at(5) - timedelta(microseconds=1))


def test_last_millisecond_of_the_15th_is_on_time():
    assert classify(at(15, 23, 59, 59, 999000)) == "on_time"


def test_16th_midnight_is_closed_and_names_next_opening():
    with pytest.raises(WindowClosed) as closed:
        classify(at(16))
    assert closed.value.next_opens_at == at(5, month=12)


def test_utc_instant_is_judged_in_shanghai_time():
    # 2026-11-15 16:00 UTC is 2026-11-16 00:00 in Shanghai: closed
    utc_moment = datetime(2026, 11, 15, 16, 0, tzinfo=UTC)
    with pytest.raises(WindowClosed):
        classify(utc_moment)


def test_urgent_push_is_accepted_outside_the_window():
    assert classify(at(20), urgent=True) == "urgent"


def test_extension_accepts_until_its_end_only():
    assert classify(at(20), until=at(22)) == "extended"
    with pytest.raises(WindowClosed):
        classify(at(23), until=at(22))


def test_next_opening_before_the_5th_is_this_month():
    assert next_opening(at(2), SEED_004) == at(5)
    assert next_opening(datetime(2026, 12, 20, tzinfo=SHANGHAI), SEED_004) == datetime(
        2027, 1, 5, tzinfo=SHANGHAI
    )


@pytest.mark.parametrize(
    ("period", "last_day"), [("2027-02", 28), ("2028-02", 29), ("2026-11", 30), ("2026-12", 31)]
)
def test_a_month_end_window_closes_after_the_last_day_of_any_month(period, last_day):
    year, month = (int(p) for p in period.split("-"))
    window = window_of(period, MONTH_END)
    assert window.opens_at == datetime(year, month, 1, tzinfo=SHANGHAI)
    last = datetime(year, month, last_day, 23, 59, 59, 999000, tzinfo=SHANGHAI)
    assert window.contains(last)
    assert not window.contains(last + timedelta(milliseconds=1))


def test_windows_read_as_the_clerk_knows_them():
    assert describe(SEED_004) == "每月5日至15日"
    assert describe(MONTH_END) == "每月1日至月末"
