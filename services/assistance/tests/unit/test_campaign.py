"""Campaign rules: phase order, recording window, evidence, states, 整改完成率."""

from datetime import date

import pytest
from shouwang.assistance.domain.campaign import (
    CampaignClosed,
    EvidenceRequired,
    TownshipProgress,
    check_evidence,
    check_phases,
    check_recording,
    current_phase,
    problem_state,
    totals,
)
from shouwang.assistance.domain.errors import BadRequest

D = date


def _phase(name, start, end):
    return {"name": name, "starts_on": start, "ends_on": end}


def test_phases_in_order_give_the_campaign_span():
    phases = [
        _phase("排查", D(2026, 6, 9), D(2026, 6, 15)),
        _phase("整改", D(2026, 6, 16), D(2026, 6, 25)),
    ]
    assert check_phases(phases) == (D(2026, 6, 9), D(2026, 6, 25))
    assert current_phase(phases, D(2026, 6, 16)) == "整改"
    assert current_phase(phases, D(2026, 6, 26)) is None


def test_overlapping_or_inverted_phases_are_refused():
    with pytest.raises(BadRequest) as inverted:
        check_phases([_phase("a", D(2026, 6, 9), D(2026, 6, 8))])
    assert inverted.value.field == "phases.0.ends_on"
    with pytest.raises(BadRequest) as overlap:
        check_phases(
            [
                _phase("a", D(2026, 6, 9), D(2026, 6, 15)),
                _phase("b", D(2026, 6, 15), D(2026, 6, 20)),
            ]
        )
    assert overlap.value.field == "phases.1.starts_on"


def test_recording_only_while_running_and_deadline_not_past():
    span = {"starts_on": D(2026, 6, 6), "ends_on": D(2026, 6, 28)}
    check_recording(**span, today=D(2026, 6, 28), deadline=D(2026, 6, 28))
    with pytest.raises(CampaignClosed):
        check_recording(**span, today=D(2026, 6, 29), deadline=D(2026, 7, 1))
    with pytest.raises(BadRequest):
        check_recording(**span, today=D(2026, 6, 10), deadline=D(2026, 6, 9))


def test_closing_needs_written_evidence():
    for evidence in (None, {}, {"text": "  ", "attachments": [{"file_name": "a.jpg"}]}):
        with pytest.raises(EvidenceRequired):
            check_evidence(evidence)
    check_evidence({"text": "已整改", "attachments": []})


def test_states_and_completion_rate():
    assert problem_state("open", D(2026, 6, 20), D(2026, 6, 20)) == "open"
    assert problem_state("open", D(2026, 6, 20), D(2026, 6, 21)) == "overdue"
    assert problem_state("closed", D(2026, 6, 20), D(2026, 6, 30)) == "closed"
    rows = [TownshipProgress("a", 3, 2, 1, 0), TownshipProgress("b", 0, 0, 0, 0)]
    assert rows[0].completion_rate == 0.6667 and rows[1].completion_rate == 0.0
    assert totals(rows).as_dict()["open"] == 1
