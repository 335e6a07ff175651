"""The printable public notice (公示) of an identification: masked data only."""

from datetime import date, timedelta
from html import escape
from typing import Any

from shouwang.assistance.adapters.identifications import latest_identification
from shouwang.assistance.domain.errors import InvalidStep
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.access import household_in_scope
from shouwang.assistance.service.policy import deadline_days
from shouwang.common.auth.principal import Principal
from shouwang.common.geography import Geography

_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:serif;max-width:42em;margin:2em auto}}
table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #000;padding:.4em;text-align:center}}
@media print{{body{{margin:0}}}}</style>
</head><body>
<h1 style="text-align:center">{title}</h1>
<p>根据防止返贫动态监测和帮扶工作要求，经农户申请（或部门预警、干部排查）、入户核实和村民主评议，
拟将下列农户纳入防止返贫监测对象，现予公示。</p>
<table><tr><th>乡镇</th><th>村</th><th>户主</th><th>家庭人口</th><th>监测对象类别</th></tr>
<tr><td>{township}</td><td>{village}</td><td>{head}</td><td>{size}</td><td>{category}</td></tr>
</table>
<p>公示期：{start} 至 {end}（{days} 天）。
公示期内如有异议，请以书面或口头形式向村委会或乡镇人民政府反映。</p>
<p style="text-align:right">{village}村民委员会<br>{start}</p>
</body></html>
"""


def render_notice(
    row: dict[str, Any], *, geography: Geography, posted_on: date, notice_days: int
) -> str:
    """HTML of the notice: village, masked head of household, size, category — nothing else."""
    end = posted_on + timedelta(days=notice_days - 1)
    return _PAGE.format(
        title="防止返贫监测对象识别公示",
        township=escape(geography.name(row["township_code"]) or row["township_code"]),
        village=escape(geography.name(row["village_code"]) or row["village_code"]),
        head=escape(row["head_name_masked"]),
        size=int(row["size"]),
        category=escape(row["category"] or "待确定"),
        start=posted_on.isoformat(),
        end=end.isoformat(),
        days=notice_days,
    )


async def notice_html(runtime: AssistanceRuntime, principal: Principal, household_id: str) -> str:
    """The notice of the household's identification (after the notice step was recorded)."""
    async with runtime.sessionmaker() as session:
        row = await household_in_scope(session, principal, household_id)
        ident = await latest_identification(session, row["id"])
        posted_on = ident.notice_posted_on() if ident else None
        if ident is None or posted_on is None:
            raise InvalidStep("尚未进入公示环节")
        days = await deadline_days(
            session, county_code=row["county_code"], name="notice_days", on=posted_on
        )
    return render_notice(row, geography=runtime.geography, posted_on=posted_on, notice_days=days)
