"""Department indicator catalogue: typed values per indicator, default thresholds."""

from dataclasses import dataclass, field
from typing import Literal

from shouwang.common import vocab

FieldKind = Literal["yuan", "count", "days", "choice", "text", "flag"]


@dataclass(frozen=True)
class ValueField:
    name: str
    kind: FieldKind
    label: str
    required: bool = True
    choices: tuple[str, ...] = ()
    # what the clerk reads and may type, parallel to `choices` (codes stay accepted)
    choice_labels: tuple[str, ...] = ()

    def choice_label(self, code: str) -> str:
        """The Chinese label of a choice code (the code itself when it has none)."""
        return dict(zip(self.choices, self.choice_labels, strict=False)).get(code, code)

    def choice_code(self, text: str) -> str:
        """The code of a choice given by its label or its code (other text unchanged)."""
        return dict(zip(self.choice_labels, self.choices, strict=False)).get(text, text)


@dataclass(frozen=True)
class Indicator:
    code: str
    department: str
    label: str
    fields: tuple[ValueField, ...] = ()
    # default thresholds a county may override, e.g. {"self_paid_yuan.lifted": 5000}
    thresholds: dict[str, float] = field(default_factory=dict)


DEPARTMENTS = vocab.DEPARTMENTS

_YUAN: FieldKind = "yuan"
INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "large_medical_expense",
        "medical_insurance",
        "大额医疗自付费用",
        (
            ValueField("self_paid_yuan", _YUAN, "年度累计自付金额(元)"),
            ValueField(
                "care", "choice", "就医类型", False, ("inpatient", "outpatient"), ("住院", "门诊")
            ),
        ),
        {
            "self_paid_yuan.lifted": 5000,
            "self_paid_yuan.rural": 20000,
            "self_paid_yuan.outpatient_monthly": 500,
        },
    ),
    Indicator(
        "serious_illness",
        "health",
        "新发大病",
        (ValueField("disease_category", "text", "病种类别", False),),
    ),
    Indicator(
        "large_medical_expense_health",
        "health",
        "大额医疗费用",
        (ValueField("self_paid_yuan", _YUAN, "自付金额(元)"),),
    ),
    Indicator("dropout", "education", "辍学", (ValueField("grade", "text", "年级", False),)),
    Indicator(
        "education_burden",
        "education",
        "高中/职业教育负担重",
        (ValueField("net_cost_yuan", _YUAN, "年净支出(元)"),),
        {"net_cost_yuan": 10000},
    ),
    Indicator(
        "unsafe_house",
        "housing",
        "危房",
        (ValueField("grade", "choice", "危房等级", True, ("C", "D"), ("C级", "D级")),),
    ),
    Indicator(
        "water_insecurity",
        "water",
        "饮水不安全",
        (
            ValueField(
                "kind", "choice", "问题类型", True, ("cut_off", "quality"), ("断水", "水质不达标")
            ),
            ValueField("cut_days", "days", "断水天数", False),
        ),
        {"cut_days": 30},
    ),
    Indicator(
        "job_loss",
        "human_resources",
        "失业/务工收入骤减",
        (ValueField("income_drop_yuan", _YUAN, "收入减少(元)", False),),
    ),
    Indicator(
        "social_assistance_change",
        "civil_affairs",
        "新纳入低保/特困/临时救助",
        (
            ValueField(
                "kind",
                "choice",
                "救助类型",
                True,
                ("dibao", "tekun", "temporary_assistance"),
                ("低保", "特困", "临时救助"),
            ),
        ),
    ),
    Indicator(
        "new_severe_disability",
        "disabled_persons",
        "新增重度残疾",
        (ValueField("grade", "choice", "残疾等级", True, ("1", "2"), ("一级", "二级")),),
    ),
    Indicator(
        "disaster_loss",
        "emergency",
        "灾害损失",
        (
            ValueField("loss_yuan", _YUAN, "损失金额(元)"),
            ValueField("disaster", "text", "灾害类型", False),
        ),
    ),
    Indicator(
        "traffic_accident",
        "transport",
        "交通事故",
        (ValueField("loss_yuan", _YUAN, "损失金额(元)", False),),
    ),
)

_BY_CODE = {ind.code: ind for ind in INDICATORS}


def indicator(code: str) -> Indicator | None:
    """Return the catalogue entry of an indicator code."""
    return _BY_CODE.get(code)


def indicators_of(department: str) -> list[Indicator]:
    """Return the indicators a department may push."""
    return [ind for ind in INDICATORS if ind.department == department]


def value_problems(ind: Indicator, values: dict[str, object]) -> list[tuple[str, str, str]]:
    """Check indicator values; return (field, code, Chinese message) for each problem."""
    problems = []
    for spec in ind.fields:
        raw = values.get(spec.name)
        path = f"values.{spec.name}"
        if raw is None or raw == "":
            if spec.required:
                problems.append((path, "missing_value", f"缺少指标值：{spec.label}"))
            continue
        problem = _check_kind(spec, raw)
        if problem:
            problems.append((path, problem[0], f"{spec.label}：{problem[1]}"))
    return problems


def _check_kind(spec: ValueField, raw: object) -> tuple[str, str] | None:
    if spec.kind in ("yuan", "count", "days"):
        try:
            number = float(str(raw))
        except ValueError:
            return ("not_a_number", "应为数字")
        return ("negative_value", "不能为负数") if number < 0 else None
    if spec.kind == "choice" and str(raw) not in spec.choices:
        return ("invalid_choice", f"应为 {'/'.join(_choice_names(spec))} 之一")
    return None


def _choice_names(spec: ValueField) -> list[str]:
    """Each choice as the clerk knows it, with its code for machine clients: 住院(inpatient)."""
    return [
        code if spec.choice_label(code) == code else f"{spec.choice_label(code)}({code})"
        for code in spec.choices
    ]
