"""The figures of disposal progress and the words around them, in zh and en: one table
for the web dashboard, the HTML progress report and the ledger's summary sheet."""

from landbank.domain.categories import UNCLASSIFIED_LABEL
from landbank.domain.fields import label as field_label

_UNCLASSIFIED_ZH, _UNCLASSIFIED_EN = UNCLASSIFIED_LABEL["zh"], UNCLASSIFIED_LABEL["en"]

# a progress row's figures (services.disposal_progress.progress), by key
FIGURES: dict[str, dict[str, str]] = {
    "group": {"zh": "分组", "en": "Group"},
    "district": {"zh": field_label("district", "zh"), "en": "District"},
    "identified_count": {"zh": "认定宗数", "en": "Identified"},
    "identified_area_mu": {"zh": "认定面积(亩)", "en": "Identified (mu)"},
    "disposed_count": {"zh": "已处置宗数", "en": "Disposed"},
    "disposed_area_mu": {"zh": "已处置面积(亩)", "en": "Disposed (mu)"},
    "rate": {"zh": "处置率", "en": "Disposal rate"},
    "overdue": {"zh": "逾期宗数", "en": "Overdue"},
    "supply_rate": {"zh": "供地率", "en": "Supply rate"},
    # parcels with no dates recorded: neither identified nor compliant, counted apart
    "unclassified_count": {
        "zh": f"{_UNCLASSIFIED_ZH}宗数",
        "en": _UNCLASSIFIED_EN.capitalize(),
    },
    "unclassified_area_mu": {
        "zh": f"{_UNCLASSIFIED_ZH}面积(亩)",
        "en": f"{_UNCLASSIFIED_EN.capitalize()} (mu)",
    },
    "total": {"zh": "合计", "en": "Total"},
    # the idle-land cases' deadlines (services.case_due), per district
    "case_due_soon": {"zh": "案件30日内到期事项", "en": "Case deadlines within 30 days"},
    "case_overdue": {"zh": "案件逾期事项", "en": "Case deadlines overdue"},
}

# the HTML progress report's titles and its overdue table
REPORT: dict[str, dict[str, str]] = {
    "title": {"zh": "闲置低效用地处置进度", "en": "Idle land disposal progress"},
    "by_district": {"zh": "分区进度", "en": "Progress by district"},
    "rate_chart": {"zh": "处置率（%）", "en": "Disposal rate by district (%)"},
    "trend_chart": {"zh": "月度处置面积（亩）", "en": "Disposed area by month (mu)"},
    "overdue_list": {"zh": "逾期事项", "en": "Overdue"},
    "due_on": {"zh": "到期", "en": "Due"},
    "code": {"zh": field_label("code", "zh"), "en": "Parcel code"},
    "state": {"zh": "状态", "en": "State"},
    "what": {"zh": "事项", "en": "Deadline"},
    "case_list": {
        "zh": "案件期限（30日内到期及逾期）",
        "en": "Case deadlines (within 30 days, overdue)",
    },
    "number": {"zh": "文号", "en": "Number"},
    "kind": {"zh": "文书", "en": "Document"},
    "served_on": {"zh": "送达日期", "en": "Served on"},
    "overdue_flag": {"zh": "是否逾期", "en": "Overdue"},
}


# the figures that add up across groups (a total row sums them; rates do not add)
SUMMED = (
    "identified_count",
    "identified_area_mu",
    "disposed_count",
    "disposed_area_mu",
    "overdue",
    "unclassified_count",
    "unclassified_area_mu",
)


def totals(rows: list[dict]) -> dict:
    """The total row of progress ``rows``: each SUMMED figure added up, and the disposal
    rate of the totals (None when nothing is identified)."""
    out = {key: sum(r[key] for r in rows) for key in SUMMED}
    area = out["identified_area_mu"]
    out["rate"] = out["disposed_area_mu"] / area if area else None
    return out


def figure_label(key: str, lang: str = "zh") -> str:
    """A progress figure's (or a report word's) label in ``lang`` (zh or en); the key
    itself when unknown."""
    labels = FIGURES.get(key) or REPORT.get(key) or {}
    return labels.get(lang) or labels.get("zh") or key
