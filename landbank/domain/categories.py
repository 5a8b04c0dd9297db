"""The five "unused" (五未) categories and their labels in zh and en."""

CATEGORIES: dict[str, dict[str, str]] = {
    "approved_not_supplied": {"zh": "批而未供", "en": "approved, not supplied"},
    "supplied_not_used": {"zh": "供而未用", "en": "supplied, not used"},
    "used_not_completed": {"zh": "用而未尽", "en": "used, not fully"},
    "built_not_operating": {"zh": "建而未投", "en": "built, not operating"},
    "operating_below_standard": {"zh": "投而未达标", "en": "operating below standard"},
    "compliant": {"zh": "正常", "en": "compliant"},
}

CAUSES: dict[str, dict[str, str]] = {
    "government": {"zh": "政府原因", "en": "government-caused"},
    "enterprise": {"zh": "企业原因", "en": "enterprise-caused"},
}


def category_label(category: str | None, lang: str = "zh") -> str:
    """Returns the label of a category id in ``lang`` (zh or en); '' for none."""
    if not category:
        return ""
    return CATEGORIES.get(category, {}).get(lang, category)
