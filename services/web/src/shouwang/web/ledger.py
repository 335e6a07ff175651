"""A household's monthly follow-ups as table rows and an inline SVG income chart (no JS)."""

from dataclasses import dataclass
from html import escape
from typing import Any

from markupsafe import Markup
from shouwang.web.labels import INCOME_KINDS, MONTHLY_CHECKS, flags_of

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 240, 56, 36, 16


@dataclass(frozen=True)
class MonthRow:
    month: str
    income: dict[str, float]
    total: float
    annual_per_person: float | None
    flags: list[dict[str, str]]
    checks: list[tuple[str, bool]]  # (label, value) of the checks recorded that month


def _number(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def checks_of(raw: Any) -> list[tuple[str, bool]]:
    """Recorded monthly checks: the API's [{field, label, value}] or a {field: value} map."""
    if isinstance(raw, dict):
        raw = [{"field": k, "value": v} for k, v in raw.items()]
    return [
        (
            str(c.get("label") or MONTHLY_CHECKS.get(str(c.get("field")), c.get("field"))),
            bool(c["value"]),
        )
        for c in (raw if isinstance(raw, list) else [])
        if isinstance(c, dict) and c.get("value") is not None
    ]


def month_rows(followups: list[dict[str, Any]]) -> list[MonthRow]:
    """One row per recorded month, oldest first."""
    rows = []
    for f in sorted(followups, key=lambda f: str(f.get("month"))):
        income = {k: _number((f.get("income") or {}).get(k)) for k in INCOME_KINDS}
        per_person = f.get("annual_income_per_person", f.get("per_person_yuan"))
        rows.append(
            MonthRow(
                month=str(f.get("month")),
                income=income,
                total=round(sum(income.values()), 2),
                annual_per_person=None if per_person is None else _number(per_person),
                flags=flags_of(f.get("flags")),
                checks=checks_of(f.get("checks")),
            )
        )
    return rows


def income_chart(rows: list[MonthRow]) -> Markup:
    """Bars of each month's household income (red when the month raised a flag)."""
    if not rows:
        return Markup("")
    top = max([r.total for r in rows] + [1.0])
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / len(rows)
    bar = min(48.0, step * 0.6)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        ' aria-labelledby="chart-title" class="chart" id="income-chart">',
        '<title id="chart-title">逐月家庭收入（元）</title>',
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{WIDTH - 8}" y2="{PAD_TOP + plot_h}"'
        ' stroke="#4a4a4a"/>',
        f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + 10}" text-anchor="end" font-size="12">'
        f"{top:,.0f}</text>",
        f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + plot_h}" text-anchor="end" font-size="12">'
        "0</text>",
    ]
    for i, row in enumerate(rows):
        h = plot_h * row.total / top
        x = PAD_LEFT + i * step + (step - bar) / 2
        y = PAD_TOP + plot_h - h
        colour = "#9b1c1c" if row.flags else "#0b5cad"
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}"'
            f' data-month="{escape(row.month)}"><title>{escape(row.month)}：'
            f"{row.total:,.2f} 元</title></rect>"
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" text-anchor="middle"'
            f' font-size="12">{escape(row.month[2:])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
