"""The five "unused" (五未) categories and their labels in zh and en; ``unclassified``
(未分类) apart from them."""

CATEGORIES: dict[str, dict[str, str]] = {
    "approved_not_supplied": {"zh": "批而未供", "en": "approved, not supplied"},
    "supplied_not_used": {"zh": "供而未用", "en": "supplied, not used"},
    "used_not_completed": {"zh": "用而未尽", "en": "used, not fully"},
    "built_not_operating": {"zh": "建而未投", "en": "built, not operating"},
    "operating_below_standard": {"zh": "投而未达标", "en": "operating below standard"},
    "compliant": {"zh": "正常", "en": "compliant"},
}

# a parcel whose dates place it in none of the five (no approval, supply or start date
# recorded): not compliant, not idle, counted apart until its dates are recorded
UNCLASSIFIED = "unclassified"
UNCLASSIFIED_LABEL = {"zh": "未分类", "en": "unclassified"}
# every category a parcel can carry: the five, compliant, unclassified (for filters)
KNOWN: tuple[str, ...] = (*CATEGORIES, UNCLASSIFIED)
# the fields whose absence leaves a parcel unclassified (or its idle clock unknown)
MISSING: dict[str, dict[str, str]] = {
    "approved_on/supplied_on/started_on": {
        "zh": "未登记批准、供地、开工日期",
        "en": "no approval, supply or start date recorded",
    },
    "agreed_start_on": {
        "zh": "已供地未开工、未登记约定开工日期（闲置期限无法计算）",
        "en": "supplied, not started, no agreed start recorded (idle period unknown)",
    },
}

CAUSES: dict[str, dict[str, str]] = {
    "government": {"zh": "政府原因", "en": "government-caused"},
    "enterprise": {"zh": "企业原因", "en": "enterprise-caused"},
}


def category_label(category: str | None, lang: str = "zh") -> str:
    """Returns the label of a category id in ``lang`` (zh or en); '' for none."""
    if not category:
        return ""
    if category == UNCLASSIFIED:
        return UNCLASSIFIED_LABEL.get(lang, category)
    return CATEGORIES.get(category, {}).get(lang, category)
