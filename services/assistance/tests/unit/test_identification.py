from datetime import date, datetime, timedelta

import pytest
from shouwang.assistance.domain.errors import InvalidStep, NoticePeriodNotElapsed, StepDateInvalid
from shouwang.assistance.domain.identification import start
from shouwang.common.clock import SHANGHAI

T0 = datetime(2026, 11, 10, 10, 0, tzinfo=SHANGHAI)
REVIEW = {"result": "pass", "date": "2026-11-10"}


def test_steps_run_in_order_and_notice_must_run_its_days():
    ident = start("i", now=T0, due_at=T0 + timedelta(days=15))
    with pytest.raises(InvalidStep):
        ident.record("township_review", {"result": "pass"}, now=T0, notice_days=5)
    assert (
        ident.record(
            "village_review", {"result": "pass", "date": "2026-11-10"}, now=T0, notice_days=5
        )
        == "pass"
    )
    ident.record("notice", {"posted_on": "2026-11-10"}, now=T0, notice_days=5)
    with pytest.raises(NoticePeriodNotElapsed):
        ident.record(
            "township_review", {"result": "pass"}, now=T0 + timedelta(days=4), notice_days=5
        )
    assert (
        ident.record(
            "township_review",
            {"result": "pass", "date": "2026-11-15"},
            now=T0 + timedelta(days=5),
            notice_days=5,
        )
        == "pass"
    )
    assert (
        ident.record(
            "county_decision", {"decision": "approve"}, now=T0 + timedelta(days=6), notice_days=5
        )
        == "approve"
    )
    assert ident.status == "approved" and not ident.overdue(T0 + timedelta(days=30))


def test_objections_are_added_during_the_notice():
    ident = start("i", now=T0, due_at=T0 + timedelta(days=15))
    ident.record("village_review", REVIEW, now=T0, notice_days=5)
    ident.record("notice", {"posted_on": "2026-11-10"}, now=T0, notice_days=5)
    ident.record("notice", {"objections": [{"summary": "x"}]}, now=T0, notice_days=5)
    assert ident.steps["notice"]["objections"] == [{"summary": "x"}]
    assert ident.steps["notice"]["posted_on"] == "2026-11-10"


def test_overdue_after_fifteen_days_without_decision():
    ident = start("i", now=T0, due_at=T0 + timedelta(days=15))
    assert not ident.overdue(T0 + timedelta(days=15))
    assert ident.overdue(T0 + timedelta(days=15, seconds=1))


def test_village_review_fail_rejects():
    ident = start("i", now=T0, due_at=T0 + timedelta(days=15))
    ident.record("village_review", {**REVIEW, "result": "fail"}, now=T0, notice_days=5)
    assert ident.status == "rejected" and ident.next_step() is None


def test_notice_backdated_by_ten_days_counts_from_the_server_day():
    ident = start("i", now=T0 - timedelta(days=12), due_at=T0 + timedelta(days=15))
    ident.record("village_review", {**REVIEW, "date": "2026-10-29"}, now=T0, notice_days=5)
    ident.record("notice", {"posted_on": "2026-10-31"}, now=T0, notice_days=5)
    assert ident.steps["notice"]["posted_on"] == "2026-11-10"
    assert ident.steps["notice"]["stated_posted_on"] == "2026-10-31"
    assert ident.notice_ends_on(5) == date(2026, 11, 15)
    with pytest.raises(NoticePeriodNotElapsed):
        ident.record(
            "township_review",
            {"result": "pass", "date": "2026-11-14"},
            now=T0 + timedelta(days=4),
            notice_days=5,
        )


def test_step_dates_are_in_order_and_never_in_the_future():
    ident = start("i", now=T0, due_at=T0 + timedelta(days=15))
    with pytest.raises(StepDateInvalid):
        ident.record("village_review", {**REVIEW, "date": "2026-11-11"}, now=T0, notice_days=5)
    with pytest.raises(StepDateInvalid):
        ident.record("village_review", {**REVIEW, "date": "2026-11-09"}, now=T0, notice_days=5)
    ident.record("village_review", REVIEW, now=T0 + timedelta(days=1), notice_days=5)
    later = T0 + timedelta(days=2)
    with pytest.raises(StepDateInvalid):
        ident.record("notice", {"posted_on": "2026-11-09"}, now=later, notice_days=5)


def test_county_decision_is_dated_by_the_server():
    ident = start("i", now=T0, due_at=T0 + timedelta(days=15))
    ident.record("village_review", REVIEW, now=T0, notice_days=5)
    ident.record("notice", {"posted_on": "2026-11-10"}, now=T0, notice_days=5)
    day5 = T0 + timedelta(days=5)
    ident.record("township_review", {**REVIEW, "date": "2026-11-15"}, now=day5, notice_days=5)
    decision = {"decision": "approve", "date": "2026-01-01"}
    ident.record("county_decision", decision, now=day5 + timedelta(days=1), notice_days=5)
    assert ident.steps["county_decision"]["date"] == "2026-11-16"
