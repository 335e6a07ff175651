"""Exports stream the query as CSV/XLSX; formula-looking cells are neutralised."""

import csv
import io
import uuid

from openpyxl import load_workbook
from shouwang.audit.service.chain import append_event
from shouwang.common.events.catalog.warning import PushMissing
from shouwang.common.events.envelope import new_envelope
from shouwang.common.testing.fixtures import auth


async def _append_formula_subject(sessions) -> str:
    subject = f'=HYPERLINK("http://x","{uuid.uuid4()}")'
    data = PushMissing(county_code="231226", department="water", period="2026-09")
    async with sessions() as session, session.begin():
        await append_event(session, new_envelope(data, source="/test", subject=subject))
    return subject


async def test_csv_export_neutralises_formulas(sessions, audit_client):
    subject = await _append_formula_subject(sessions)
    resp = await audit_client.get(
        "/api/v1/audit/export", params={"subject": subject}, headers=auth("county", "231226")
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["位置", "事件ID", "事件类型"]
    assert len(rows) == 2
    assert rows[1][4] == "'" + subject
    assert rows[1][2] == "shouwang.warning.push.missing.v1"


async def test_xlsx_export_lists_the_same_rows(sessions, audit_client):
    subject = await _append_formula_subject(sessions)
    resp = await audit_client.get(
        "/api/v1/audit/export",
        params={"subject": subject, "format": "xlsx"},
        headers=auth("auditor"),
    )
    assert resp.status_code == 200, resp.text
    sheet = load_workbook(io.BytesIO(resp.content), read_only=True)["审计日志"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert len(rows) == 2
    assert rows[1][4] == "'" + subject
