"""What each act's document (文书) states, filled from the parcel, the case, the act
and the profile's ``[case]``. A field the data lacks is left as a marked blank to fill
by hand and named in the warnings, never invented. Pure: plain dicts in, a dict of
texts (the template's fields) and the warnings out.
"""

from __future__ import annotations

import datetime as dt

from landbank.domain.case import AGREEMENT_METHODS, KINDS, periods_of
from landbank.domain.disposal import METHODS

BLANK = "＿＿＿＿＿＿（待填写）"
M2_PER_MU = 10000 / 15

# every kind's document states these (the profile's authority and contact, the holder,
# the parcel)
COMMON = (
    "authority",
    "seal",
    "contact",
    "phone",
    "address",
    "number",
    "issued_on",
    "holder_name",
    "holder_address",
    "parcel_code",
    "parcel_name",
    "location",
    "boundaries",
    "area_m2",
    "contract_number",
    "agreed_start_on",
)
# and each kind these besides (what its article requires)
REQUIRED: dict[str, tuple[str, ...]] = {
    "investigation": ("facts", "grounds", "answer_days", "answer_by", "to_submit", "rights"),
    "determination": ("facts", "grounds", "cause", "conclusion"),
    "hearing_notice": ("intended_decision", "grounds", "hearing_request_working_days"),
    "fee": (
        "facts",
        "grounds",
        "land_price_wan",
        "fee_wan",
        "fee_basis",
        "payment_days",
        "payment_how",
        "reconsideration_body",
        "reconsideration_days",
        "court",
        "lawsuit_months",
    ),
    "recovery": (
        "facts",
        "grounds",
        "termination",
        "deregistration_days",
        "reconsideration_body",
        "reconsideration_days",
        "court",
        "lawsuit_months",
    ),
    "agreement": ("cause", "method", "new_start_on", "grounds"),
}
GROUNDS = {
    "investigation": "《闲置土地处置办法》（国土资源部令第53号）第八条、第九条、第十条",
    "determination": "《闲置土地处置办法》第二条、第十二条、第十三条",
    "hearing_notice": "《闲置土地处置办法》第十五条、《国土资源听证规定》",
    "fee": "《闲置土地处置办法》第十四条第（一）项、第十六条、第十七条",
    "recovery": "《闲置土地处置办法》第十四条第（二）项、第十六条、第十七条、第十八条",
    "agreement": "《闲置土地处置办法》第八条、第十二条",
}
CAUSES_ZH = {"government": "政府原因", "enterprise": "企业原因"}


def zh_date(day: dt.date | None) -> str | None:
    """2026年9月3日; None for none."""
    return f"{day.year}年{day.month}月{day.day}日" if day is not None else None


def document_fields(
    kind: str,
    parcel: dict,
    case: dict,
    act: dict,
    profile_case: dict,
    acts: list[dict],
) -> tuple[dict[str, str], list[str]]:
    """The fields of act ``kind``'s document, from the ``parcel`` (its columns), the
    ``case`` (the disposal's columns), the ``act`` being issued (number, issued_on,
    amount_wan, fee_basis, method, new_start_on), the profile's ``[case]`` and the
    case's earlier ``acts``. Returns the fields (texts; a missing one is ``BLANK``)
    and the warnings, one per blank: "holder_address: not recorded; fill by hand"."""
    p = periods_of(profile_case)
    cause = case.get("cause") or parcel.get("cause")
    area = parcel.get("area_mu")
    location = " ".join(str(x) for x in (parcel.get("district"), parcel.get("park")) if x)
    raw = {
        "authority": profile_case.get("authority"),
        "seal": profile_case.get("seal"),
        "contact": profile_case.get("contact"),
        "phone": profile_case.get("phone"),
        "address": profile_case.get("address"),
        "number": act.get("number"),
        "issued_on": zh_date(act.get("issued_on")),
        "holder_name": parcel.get("holder"),
        "holder_address": parcel.get("holder_address"),
        "parcel_code": parcel.get("code"),
        "parcel_name": parcel.get("name"),
        "location": location or None,
        "boundaries": parcel.get("boundaries"),
        "area_m2": f"{area * M2_PER_MU:,.2f}" if area else None,
        "area_mu": f"{area:,.2f}" if area else None,
        "contract_number": parcel.get("contract_number"),
        "agreed_start_on": zh_date(parcel.get("agreed_start_on")),
        "grounds": GROUNDS[kind],
        "cause": CAUSES_ZH.get(cause),
        "answer_days": str(p["answer_days"]),
        "hearing_request_working_days": str(p["hearing_request_working_days"]),
        "payment_days": str(p["payment_days"]),
        "deregistration_days": str(p["deregistration_days"]),
        "reconsideration_days": str(p["reconsideration_days"]),
        "lawsuit_months": str(p["lawsuit_months"]),
        "reconsideration_body": profile_case.get("reconsideration_body"),
        "court": profile_case.get("court"),
    }
    raw["facts"] = _facts(parcel)
    if kind == "investigation":
        raw["answer_by"] = f"收到本通知书之日起{p['answer_days']}日内"
        raw["to_submit"] = (
            "土地权属证明材料；土地开发利用情况说明；造成土地闲置的原因说明及相关证据。"
            "逾期不提交的，我局将依据已掌握的情况作出认定"
        )
        raw["rights"] = "你单位有权陈述、申辩，并如实提供有关材料，配合调查"
    if kind == "determination":
        if cause:
            raw["conclusion"] = f"该宗地构成闲置土地，闲置原因为{CAUSES_ZH[cause]}"
        else:
            raw["conclusion"] = None
    if kind == "hearing_notice":
        intended = {"enterprise": "征缴土地闲置费或收回国有建设用地使用权"}.get(cause)
        raw["intended_decision"] = intended
    if kind == "fee":
        raw["land_price_wan"] = _wan(parcel.get("land_price_wan"))
        raw["fee_wan"] = _wan(act.get("amount_wan"))
        raw["fee_basis"] = act.get("fee_basis")
        raw["payment_how"] = "按缴款通知书载明的方式缴入国库"
    if kind == "recovery":
        raw["termination"] = "无偿收回该宗地国有建设用地使用权，原国有建设用地使用权出让合同终止"
    if kind == "agreement":
        method = act.get("method")
        raw["method"] = METHODS[method]["zh"] if method in AGREEMENT_METHODS else None
        raw["new_start_on"] = zh_date(act.get("new_start_on"))
        if method == "paid_recovery":
            raw["new_start_on"] = "（协议有偿收回，不重新计算动工期限）"
    fields, warnings = {}, []
    for name in (*COMMON, *REQUIRED[kind], "area_mu"):
        value = raw.get(name)
        if value is None or str(value).strip() == "":
            fields[name] = BLANK
            warnings.append(f"{name}: not recorded; fill by hand")
        else:
            fields[name] = str(value)
    fields["title"] = KINDS[kind]["zh"]
    return fields, warnings


def _facts(parcel: dict) -> str | None:
    start = parcel.get("agreed_start_on")
    if start is None:
        return None
    started = parcel.get("started_on")
    if started is None:
        return f"该宗地约定动工日期为{zh_date(start)}，至今未动工开发"
    return f"该宗地约定动工日期为{zh_date(start)}，已于{zh_date(started)}动工，开发建设后中止"


def _wan(value) -> str | None:
    if value is None or value != value:
        return None
    return f"{float(value):,.2f}"
