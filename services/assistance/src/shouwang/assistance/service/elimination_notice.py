"""The written elimination notice (退出告知书, seed 001): printable HTML, masked data only."""

from html import escape
from typing import Any

from shouwang.assistance.adapters.eliminations import latest_done_elimination
from shouwang.assistance.domain.errors import InvalidStep
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.access import household_in_scope
from shouwang.assistance.service.deferred_exit import REASONS as EXIT_REASONS
from shouwang.common.auth.principal import Principal
from shouwang.common.geography import Geography

NOTIFIABLE = ("risk_eliminated", "deferred_exit")
_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:serif;max-width:42em;margin:2em auto;line-height:1.8}}
table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #000;padding:.4em;text-align:center}}
@media print{{body{{margin:0}}}}</style>
</head><body>
<h1 style="text-align:center">{title}</h1>
<p>{head}户：</p>
<p>经入户核查（核查结果已经你户签字认可）、村民主评议，你户返贫致贫风险已于 {marked_on}
{outcome_text}风险消除方式：{way}。</p>
<table><tr><th>乡镇</th><th>村</th><th>户主</th><th>家庭人口</th><th>监测对象类别</th><th>结果</th></tr>
<tr><td>{township}</td><td>{village}</td><td>{head}</td><td>{size}</td><td>{category}</td>
<td>{outcome}</td></tr></table>
<p>风险消除后，小额信贷、公益岗位等帮扶措施按合同约定执行至期满。如再次出现返贫致贫风险，
请及时向村委会申报，将按程序重新纳入监测帮扶。</p>
<p style="text-align:right">{village}村民委员会<br>{marked_on}</p>
</body></html>
"""
_OUTCOMES = {
    "risk_eliminated": (
        "风险已消除",
        "标注为“风险消除”，现书面告知你户退出防止返贫监测帮扶范围。",
    ),
    "deferred_exit": (
        "缓退",
        "评议认定风险消除；因你户属于特殊监测户，实行缓退，帮扶政策和措施继续落实。",
    ),
    "deferred_exit_ended": (
        "缓退结束，风险已消除",
        "前经评议认定风险消除并实行缓退；现缓退结束（{reason}），标注为“风险消除”，"
        "现书面告知你户退出防止返贫监测帮扶范围。",
    ),
}


def _outcome(elimination: dict[str, Any]) -> tuple[str, str, str]:
    """(outcome, its sentence, the day it took effect); a 缓退 that ended has its own."""
    steps = elimination["steps"]
    exit_step = steps.get("exit")
    if elimination["outcome"] == "deferred_exit" and exit_step:
        outcome, text = _OUTCOMES["deferred_exit_ended"]
        reason = EXIT_REASONS.get(exit_step["reason"], exit_step["reason"])
        return outcome, text.format(reason=reason), str(exit_step["date"])
    outcome, text = _OUTCOMES[elimination["outcome"]]
    return outcome, text, str(steps["mark"]["date"])


def render_elimination_notice(
    row: dict[str, Any], elimination: dict[str, Any], *, geography: Geography
) -> str:
    """HTML of the notice: village, masked head, size, category, outcome, way — nothing else."""
    outcome, outcome_text, marked_on = _outcome(elimination)
    return _PAGE.format(
        title="防止返贫监测对象风险消除告知书",
        township=escape(geography.name(row["township_code"]) or row["township_code"]),
        village=escape(geography.name(row["village_code"]) or row["village_code"]),
        head=escape(row["head_name_masked"]),
        size=int(row["size"]),
        category=escape(row["category"] or ""),
        outcome=outcome,
        outcome_text=outcome_text,
        way=escape(elimination["way"]),
        marked_on=escape(marked_on),
    )


async def elimination_notice_html(
    runtime: AssistanceRuntime, principal: Principal, household_id: str
) -> str:
    """The notice of the household's latest completed elimination (409 before the mark)."""
    async with runtime.sessionmaker() as session:
        row = await household_in_scope(session, principal, household_id)
        found = await latest_done_elimination(session, row["id"])
    if found is None or found["outcome"] not in NOTIFIABLE:
        raise InvalidStep("该户尚未完成风险消除标注，不能出具告知书")
    return render_elimination_notice(row, found, geography=runtime.geography)
