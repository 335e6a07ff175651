from datetime import datetime, timedelta

import pytest
from shouwang.assistance.domain.errors import InvalidStep, NoticePeriodNotElapsed
from shouwang.assistance.domain.identification import start
from shouwang.common.clock import SHANGHAI

T0 = datetime(2026, 11, 10, 10, 0, tzinfo=SHANGHAI)


def test_steps_run_in_order_and_notice_must_run_its_days():
    ident = start("i", now=T0, days=15)
    with pytest.raises(InvalidStep):
        ident.record("township_review", {"result": "pass"}, now=T0, notice_days=5)
    assert ident.record("village_review", {"result": "pass"}, now=T0, notice_days=5) == "pass"
    ident.record("notice", {"posted_on": "2026-11-10"}, now=T0, notice_days=5)
    with pytest.raises(NoticePeriodNotElapsed):
        ident.record(
            "township_review", {"result": "pass"}, now=T0 + timedelta(days=4), notice_days=5
        )
    assert (
        ident.record(
            "township_review", {"result": "pass"}, now=T0 + timedelta(days=5), notice_days=5
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
    ident = start("i", now=T0, days=15)
    ident.record("village_review", {"result": "pass"}, now=T0, notice_days=5)
    ident.record("notice", {"posted_on": "2026-11-10"}, now=T0, notice_days=5)
    ident.record("notice", {"objections": [{"summary": "x"}]}, now=T0, notice_days=5)
    assert ident.steps["notice"]["objections"] == [{"summary": "x"}]
    assert ident.steps["notice"]["posted_on"] == "2026-11-10"


def test_overdue_after_fifteen_days_without_decision():
    ident = start("i", now=T0, days=15)
    assert not ident.overdue(T0 + timedelta(days=15))
    assert ident.overdue(T0 + timedelta(days=15, seconds=1))


def test_village_review_fail_rejects():
    ident = start("i", now=T0, days=15)
    ident.record("village_review", {"result": "fail"}, now=T0, notice_days=5)
    assert ident.status == "rejected" and ident.next_step() is None
