"""What each act's document (文书) states, filled from the parcel, the case, the act
and the profile's ``[case]``: the fields of 闲置土地处置办法 (令53) and of the
ministry's model set (示范文本), written as a bureau writes them. A field the data
lacks is left as a marked blank to fill by hand and named in the warnings, never
invented. Pure: plain dicts in, a dict of texts (the template's fields) and the
warnings out.

The articles of 令53 the documents cite: art. 2 (what idle land is), 5–7 (the
investigation, its notice, its means), 8 (the government's causes), 9–11 (the
determination and its publication), 12–13 (the disposal of a government-caused case),
14 (idle fee after one year, recovery without compensation after two), 15 (the
hearing), 16–18 (the decisions, payment and deregistration, what follows a default).
"""

from __future__ import annotations

import datetime as dt
import json

from landbank.domain.case import (
    AGREEMENT_METHODS,
    KINDS,
    SERVICE_METHODS,
    idle_start,
    periods_of,
)
from landbank.domain.disposal import METHODS

BLANK = "＿＿＿＿＿＿（待填写）"
# a line to sign or write on by hand (a form's own blank, not a missing fact)
LINE = "＿＿＿＿＿＿＿＿"
M2_PER_MU = 10000 / 15
LAW = "《闲置土地处置办法》（国土资源部令第53号）"  # the grounds name it in full
BY_LAW = "《闲置土地处置办法》"  # and the text after them by its title
PAPER = "（纸质文书，未登记文号）"

# every kind's document states these: the issuing bureau and its contact, the number
# and date, the holder, and the parcel as the contract names it
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
    "area_mu",
    "contract_number",
    "supplied_on",
    "agreed_start_on",
)
# and each kind these besides (what its article requires)
REQUIRED: dict[str, tuple[str, ...]] = {
    # art. 6: the facts and grounds of the suspicion, what is investigated, what to
    # submit and by when, the holder's rights and duties
    "investigation": (
        "facts",
        "grounds",
        "inquiry",
        "answer_days",
        "to_submit",
        "if_not_submitted",
        "rights",
        "duties",
    ),
    # art. 10: the facts, the grounds, the cause (the government's, by its kind), the
    # conclusion; art. 11: publication
    "determination": (
        "investigation_ref",
        "facts",
        "grounds",
        "cause",
        "cause_detail",
        "conclusion",
        "publication",
        "next_step",
    ),
    # art. 15: the decision intended and the right to ask for a hearing, by when, where
    "hearing_notice": (
        "determination_ref",
        "facts",
        "intended_decision",
        "intended_detail",
        "grounds",
        "hearing_request_working_days",
        "where_to_apply",
    ),
    # art. 16: facts and evidence, the decision and its grounds, how and by when to
    # pay, the routes and periods of review, the authority and the date
    "fee": (
        "determination_ref",
        "facts",
        "cause",
        "evidence",
        "hearing_record",
        "grounds",
        "land_price_wan",
        "fee_share",
        "fee_wan",
        "fee_upper",
        "fee_basis",
        "payment_days",
        "payment_account",
        "reconsideration_body",
        "reconsideration_days",
        "court",
        "lawsuit_months",
    ),
    "recovery": (
        "determination_ref",
        "facts",
        "cause",
        "evidence",
        "hearing_record",
        "grounds",
        "approving_government",
        "termination",
        "deregistration_days",
        "if_not_deregistered",
        "reconsideration_body",
        "reconsideration_days",
        "court",
        "lawsuit_months",
    ),
    # art. 12–13: the government's cause, the method agreed and the new dates
    "agreement": (
        "determination_ref",
        "cause_detail",
        "grounds",
        "method",
        "method_terms",
        "new_start_on",
    ),
}
# said only where the data has them (no blank, no warning without)
OPTIONAL = ("delivery", "mortgage", "not_cost", "enforcement", "intended_kind")

GROUNDS = {
    "investigation": f"{LAW}第二条、第五条、第六条、第七条",
    "determination": f"{LAW}第二条、第九条、第十条",
    "hearing_notice": f"{LAW}第十四条、第十五条和《国土资源听证规定》",
    "fee": f"{LAW}第十四条第（一）项、第十六条、第十七条",
    "recovery": (
        "《中华人民共和国土地管理法》第三十八条、《中华人民共和国城市房地产管理法》第二十六条和"
        f"{LAW}第十四条第（二）项、第十六条、第十七条"
    ),
    "agreement": f"{LAW}第八条、第十二条、第十三条",
}
CAUSES_ZH = {"government": "政府原因", "enterprise": "企业原因"}
# art. 8: the government's acts that delay a start (and force majeure, its last
# paragraph): the kind a determination of a government-caused case names
GOVERNMENT_CAUSES: dict[str, str] = {
    "late_delivery": "第（一）项：未按照国有建设用地使用权有偿使用合同或者划拨决定书约定、"
    "规定的期限、条件将土地交付给国有建设用地使用权人，致使项目不具备动工开发条件",
    "plan_change": "第（二）项：土地利用总体规划、城乡规划依法修改，造成国有建设用地使用权人"
    "不能按照约定、规定的用途、规划和建设条件开发",
    "policy": "第（三）项：国家出台相关政策，需要对约定、规定的规划和建设条件进行修改",
    "petition": "第（四）项：处置土地上相关群众信访事项等无法动工开发",
    "military_heritage": "第（五）项：军事管制、文物保护等无法动工开发",
    "other_government": "第（六）项：政府、政府有关部门的其他行为",
    "force_majeure": "自然灾害等不可抗力",
}
ENTERPRISE_DETAIL = "非因政府、政府有关部门的行为造成，属国有建设用地使用权人自身原因"
# what an agreement binds the holder to, by its method (art. 12)
METHOD_TERMS = {
    "extend_deadline": "甲方同意延长该宗地动工开发期限，乙方应当于{new_start_on}前动工开发；"
    "延长期限自原约定动工开发日期起不超过一年，竣工期限相应顺延，违约责任按原合同执行。",
    "change_use": "依法调整该宗地土地用途、规划条件，按新用途或者新规划条件重新办理相关用地手续，"
    "乙方应当于{new_start_on}前动工开发。",
    "temporary_use": "由政府安排该宗地临时使用，临时使用期限不超过两年；临时使用期满后，"
    "乙方应当于{new_start_on}前动工开发。",
    "paid_recovery": "甲方协议有偿收回该宗地国有建设用地使用权，收回价款及支付方式另行约定；"
    "不重新计算动工开发期限。",
    "swap": "以该宗地置换其他价值相当、用途相同的国有建设用地，乙方应当于{new_start_on}前"
    "对置换后的土地动工开发。",
    "other": "按双方协商确定的方式处置，乙方应当于{new_start_on}前动工开发。",
}
TO_SUBMIT = "\n".join(
    (
        "（一）国有建设用地使用权权属证明材料（出让合同或者划拨决定书、不动产权证书等）；",
        "（二）土地开发利用情况说明（动工、投资、建设进度及相关证明）；",
        "（三）造成土地闲置的原因说明及相关证据材料；",
        "（四）其他需要说明的材料。",
    )
)


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
    amount_wan, fee_basis, method, new_start_on, cause_type), the profile's ``[case]``
    and the case's earlier ``acts`` (their columns). Returns the fields (texts; a
    missing one is ``BLANK``; an optional one without data is empty) and the warnings,
    one per blank: "holder_address (使用权人地址): not recorded; fill it in by hand"."""
    on = act.get("issued_on")
    cause = case.get("cause") or parcel.get("cause")
    raw = {**_common(parcel, act, profile_case), **_periods(profile_case)}
    raw["grounds"] = GROUNDS[kind]
    raw["cause"] = CAUSES_ZH.get(cause)
    raw["cause_detail"] = _cause_detail(cause, act, acts)
    raw["facts"] = facts(parcel, on)
    raw["determination_ref"] = _served_ref(acts, "determination")
    raw.update(_BY_KIND[kind](parcel, case, act, profile_case, acts, raw))
    fields, warnings = {}, []
    for name in (*COMMON, *REQUIRED[kind]):
        value = raw.get(name)
        if value is None or str(value).strip() == "":
            fields[name] = BLANK
            warnings.append(f"{name} ({LABELS.get(name, name)}): not recorded; fill it in by hand")
        else:
            fields[name] = str(value)
    for name in OPTIONAL:
        fields[name] = str(raw.get(name) or "")
    fields["title"] = KINDS[kind]["zh"]
    fields["line"] = LINE
    return fields, warnings


def _common(parcel: dict, act: dict, profile_case: dict) -> dict:
    area = parcel.get("recorded_area_mu")
    if not _present(area):
        area = parcel.get("area_mu")  # the contract's area where the ledger has it
    location = "".join(str(x) for x in (parcel.get("district"), parcel.get("park")) if x)
    delivered = parcel.get("delivered_on")
    delivery = f"，土地交付日期为{zh_date(delivered)}" if delivered is not None else ""
    return {
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
        "area_m2": f"{area * M2_PER_MU:.2f}" if _present(area) else None,
        "area_mu": f"{area:.2f}" if _present(area) else None,
        "contract_number": parcel.get("contract_number"),
        "supplied_on": zh_date(parcel.get("supplied_on")),
        "agreed_start_on": zh_date(parcel.get("agreed_start_on")),
        "delivery": delivery,
        "approving_government": profile_case.get("approving_government"),
        "reconsideration_body": profile_case.get("reconsideration_body"),
        "court": profile_case.get("court"),
    }


def _periods(profile_case: dict) -> dict:
    return {k: str(v) for k, v in periods_of(profile_case).items()}


def clock_start(parcel: dict) -> dt.date | None:
    """The day the start clock runs from: the agreed start, or the delivery of the
    land where it came later (交地确认书: a late delivery moves the clock)."""
    return idle_start({**parcel, "started_on": None})


def facts(parcel: dict, on: dt.date | None) -> str | None:
    """The facts of idleness as of ``on``, in a bureau's words: not started since the
    agreed start (or the late delivery), or started, developed below a third or
    invested below a quarter, and stopped since a day. None without an agreed start."""
    start = clock_start(parcel)
    if start is None:
        return None
    started, stopped = parcel.get("started_on"), parcel.get("stopped_on")
    begin = "该宗地约定动工开发日期为" + zh_date(parcel.get("agreed_start_on"))
    if start != parcel.get("agreed_start_on"):
        begin += f"，土地于{zh_date(start)}方交付，动工开发期限自交地之日起计算"
    if started is None:
        if on is None:
            return f"{begin}，至今未动工开发"
        late = f"，已超过动工开发期限{_duration(start, on)}" if on > start else ""
        return f"{begin}，截至{zh_date(on)}未动工开发{late}"
    shares = _shares(parcel)
    text = f"{begin}，已于{zh_date(started)}动工开发{shares}"
    if stopped is not None:
        text += f"，自{zh_date(stopped)}起中止开发建设"
        if on and on > stopped:
            text += f"，至{zh_date(on)}已中止{_duration(stopped, on)}"
    return text


def _shares(parcel: dict) -> str:
    out = []
    developed, area = parcel.get("developed_area_mu"), parcel.get("area_mu")
    if _present(developed) and _present(area) and area > 0:
        out.append(f"已开发建设用地面积{developed:.2f}亩，占应动工开发建设用地总面积的"
                   f"{developed / area:.1%}")  # fmt: skip
    invested, total = parcel.get("invested_wan"), parcel.get("total_investment_wan")
    if _present(invested) and _present(total) and total > 0:
        out.append(f"已投资额{invested:,.2f}万元，占总投资额的{invested / total:.1%}")
    return "，" + "，".join(out) if out else ""


def _duration(since: dt.date, on: dt.date) -> str:
    months = (on.year - since.year) * 12 + on.month - since.month - (on.day < since.day)
    years, months = divmod(max(months, 0), 12)
    if years and months:
        return f"{years}年{months}个月"
    if years:
        return f"{years}年"
    return f"{months}个月" if months else f"{(on - since).days}日"


def _cause_detail(cause: str | None, act: dict, acts: list[dict]) -> str | None:
    """The kind of the cause: the holder's own, or the government's act of art. 8
    (given with the act, else as the determination stated it); None when unknown."""
    if cause == "enterprise":
        return ENTERPRISE_DETAIL
    if cause != "government":
        return None
    given = act.get("cause_type")
    if given in GOVERNMENT_CAUSES:
        return f"属于{BY_LAW}第八条{GOVERNMENT_CAUSES[given]}"
    stated = _stated(acts, "determination", "cause_detail")
    return stated


def _stated(acts: list[dict], kind: str, field: str) -> str | None:
    """What the live act of ``kind`` among ``acts`` stated as ``field`` (None when it
    stated none or left it blank)."""
    act = _live(acts, kind)
    if act is None or not act.get("fields"):
        return None
    value = json.loads(act["fields"]).get(field)
    return value if value and value != BLANK else None


def _live(acts: list[dict], kind: str) -> dict | None:
    return next(
        (a for a in acts if a["kind"] == kind and a["status"] in ("issued", "recorded")), None
    )


def _ref(act: dict) -> str:
    """《认定书》（枣自然资闲认〔2026〕3号） — a paper act without a number says so."""
    return f"《{KINDS[act['kind']]['zh']}》（{act['number']}）" if act.get("number") else (
        f"《{KINDS[act['kind']]['zh']}》{PAPER}"
    )  # fmt: skip


def _served_ref(acts: list[dict], kind: str) -> str | None:
    """ "2026年10月9日以《闲置土地认定书》（号）" — when and by which document the live
    act of ``kind`` reached the holder; None without a served one."""
    act = _live(acts, kind)
    if act is None or act.get("served_on") is None:
        return None
    return f"{zh_date(act['served_on'])}以{_ref(act)}"


def _investigation(parcel, case, act, profile_case, acts, raw) -> dict:
    return {
        "inquiry": "该宗地的权属、开发利用情况（动工、投资、建设进度）及土地闲置的原因",
        "to_submit": TO_SUBMIT,
        "if_not_submitted": "逾期不提交的，我局将依据已掌握的情况作出认定",
        "rights": "你单位有权就调查事项陈述、申辩，提出证据；调查人员不少于两人，并出示执法证件",
        "duties": "你单位应当如实提供有关材料，配合询问和现场勘测，不得拒绝、阻挠调查",
    }


def _determination(parcel, case, act, profile_case, acts, raw) -> dict:
    investigation = _live(acts, "investigation")
    ref = None
    if investigation is not None and investigation.get("served_on") is not None:
        ref = f"我局于{_served_ref(acts, 'investigation')}通知你单位对该宗地开展调查"
    cause = case.get("cause") or parcel.get("cause")
    publication = (
        f"依照{BY_LAW}第十一条，我局将通过门户网站等形式向社会公开该闲置土地的位置、"
        "国有建设用地使用权人名称、闲置时间等信息"
    )
    if cause == "government":
        publication += "，并公开闲置原因，书面告知有关政府或者政府部门"
    next_step = {
        "enterprise": f"我局将依照{BY_LAW}第十四条、第十五条的规定依法处置",
        "government": f"我局将依照{BY_LAW}第十二条、第十三条的规定，与你单位协商确定处置方式",
    }.get(cause)
    return {
        "investigation_ref": ref,
        "conclusion": conclusion(parcel, act.get("issued_on")),
        "publication": publication,
        "next_step": next_step,
    }


def conclusion(parcel: dict, on: dt.date | None) -> str | None:
    """The determination's conclusion as of ``on`` (art. 2): unstarted a full year past
    its start clock, or started, below a third developed or a quarter invested (where
    the ledger says), and stopped a full year: idle land, since the day it became so.
    None where the data does not show it (the clerk writes it by hand)."""
    start, started, stopped = (
        clock_start(parcel),
        parcel.get("started_on"),
        parcel.get("stopped_on"),
    )
    if on is None:
        return None
    if started is None:
        if start is None or (_whole_years(start, on) or 0) < 1:
            return None
        return (
            f"该宗地超过动工开发期限满一年未动工开发，符合{BY_LAW}第二条第一款规定的情形，"
            f"自{zh_date(_next_year(start))}起构成闲置土地"
        )
    if stopped is None or (_whole_years(stopped, on) or 0) < 1 or not _below_shares(parcel):
        return None
    return (
        "该宗地已动工开发但开发建设用地面积占应动工开发建设用地总面积不足三分之一或者已投资额"
        f"占总投资额不足百分之二十五，且中止开发建设满一年，符合{BY_LAW}第二条第二款规定的情形，"
        f"自{zh_date(_next_year(stopped))}起构成闲置土地"
    )


def _below_shares(parcel: dict) -> bool:
    """Developed below a third or invested below a quarter; True where the ledger
    records neither share (the clerk checks), False where both are above."""
    developed, area = parcel.get("developed_area_mu"), parcel.get("area_mu")
    invested, total = parcel.get("invested_wan"), parcel.get("total_investment_wan")
    shares = []
    if _present(developed) and _present(area) and area > 0:
        shares.append(developed / area < 1 / 3)
    if _present(invested) and _present(total) and total > 0:
        shares.append(invested / total < 0.25)
    return any(shares) or not shares


def intended(case: dict, parcel: dict, on: dt.date | None) -> str | None:
    """The decision a hearing notice announces (art. 14), as the case is set: ``fee``
    for the idle fee, ``recovery`` for recovery without compensation; a case set to
    neither by its idle time as of ``on``: two years unstarted past its start clock,
    recovery; one year (or stopped a year), the fee; None when neither can be said."""
    method = case.get("method")
    if method in ("idle_fee", "reclaim"):
        return "fee" if method == "idle_fee" else "recovery"
    if parcel.get("started_on") is None:
        years = _whole_years(clock_start(parcel), on)
    else:
        years = _whole_years(parcel.get("stopped_on"), on)
        years = min(years, 1) if years is not None else None  # recovery: unstarted land
    if years is None or years < 1:
        return None
    return "recovery" if years >= 2 else "fee"


def _hearing_notice(parcel, case, act, profile_case, acts, raw) -> dict:
    which = act.get("intended_kind") or intended(case, parcel, act.get("issued_on"))
    detail = None
    if which == "fee":
        price = _wan(parcel.get("land_price_wan"))
        detail = "拟按照土地出让价款的百分之二十征缴土地闲置费"
        detail += f"（土地出让价款{price}万元）" if price is not None else ""
    elif which == "recovery":
        detail = "拟无偿收回该宗地国有建设用地使用权，国有建设用地使用权出让合同同时终止"
    contact = [profile_case.get(k) for k in ("contact", "address", "phone")]
    where = None
    if all(contact):
        where = f"书面申请送交{contact[0]}（地址：{contact[1]}，电话：{contact[2]}）"
    decisions = {"fee": "征缴土地闲置费", "recovery": "无偿收回国有建设用地使用权"}
    return {
        "intended_decision": decisions.get(which),
        "intended_detail": detail,
        "intended_kind": which or "",
        "where_to_apply": where,
    }


def _evidence(parcel: dict, acts: list[dict]) -> str:
    contract = parcel.get("contract_number")
    lines = [
        "国有建设用地使用权出让合同或者划拨决定书"
        + (f"（合同电子监管号（合同编号）：{contract}）" if contract else ""),
    ]
    for kind in ("investigation", "determination", "hearing_notice"):
        act = _live(acts, kind)
        if act is not None:
            served = (
                f"及其送达回证（{zh_date(act['served_on'])}送达）" if act.get("served_on") else ""
            )
            lines.append(f"{_ref(act)}{served}")
    lines.append("调查询问笔录、现场勘测记录及照片等")
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1)).replace("\n", "；\n") + "。"


def _hearing_record(acts: list[dict]) -> str | None:
    notice = _live(acts, "hearing_notice")
    if notice is None or notice.get("served_on") is None:
        return None
    text = f"我局于{zh_date(notice['served_on'])}向你单位送达{_ref(notice)}，"
    if notice.get("hearing_held_on") is not None:
        asked, held = notice.get("hearing_requested_on"), notice["hearing_held_on"]
        text += f"你单位于{zh_date(asked)}申请听证，我局于{zh_date(held)}依法举行听证"
        outcome = notice.get("hearing_outcome")
        return text + (f"，听证意见：{outcome}" if outcome else "")
    if notice.get("hearing_requested_on") is not None:
        return None  # a decision waits for the hearing (domain.case refuses it)
    return text + "你单位在规定期限内未提出听证申请，视为放弃听证权利"


def _fee(parcel, case, act, profile_case, acts, raw) -> dict:
    price, fee = parcel.get("land_price_wan"), act.get("amount_wan")
    share = fee / price if _present(price) and _present(fee) and price else None
    return {
        "evidence": _evidence(parcel, acts),
        "hearing_record": _hearing_record(acts),
        "land_price_wan": _wan(price),
        "fee_share": f"{share:.0%}" if share is not None else None,
        "fee_wan": _wan(fee),
        "fee_upper": yuan_upper(fee * 10000) if _present(fee) else None,
        "fee_basis": act.get("fee_basis"),
        "payment_account": profile_case.get("payment_account"),
        "not_cost": "土地闲置费不得列入生产成本。",
        "enforcement": "逾期不缴纳，又不申请行政复议、不提起行政诉讼的，"
        "我局将依法申请人民法院强制执行。",
    }


def _recovery(parcel, case, act, profile_case, acts, raw) -> dict:
    return {
        "evidence": _evidence(parcel, acts),
        "hearing_record": _hearing_record(acts),
        "termination": "无偿收回你单位上述宗地的国有建设用地使用权，"
        "国有建设用地使用权出让合同（划拨决定书）同时终止",
        "if_not_deregistered": f"逾期不办理注销登记、不交回土地权利证书的，我局将依照{BY_LAW}"
        "第十八条直接公告注销国有建设用地使用权登记和土地权利证书",
        "mortgage": "该宗地设有抵押权的，本决定书同时抄送抵押权人。",
        "enforcement": "逾期不申请行政复议、不提起行政诉讼，也不履行本决定的，"
        "我局将依法申请人民法院强制执行。",
    }


def _agreement(parcel, case, act, profile_case, acts, raw) -> dict:
    method, new_start = act.get("method"), act.get("new_start_on")
    label = METHODS[method]["zh"] if method in AGREEMENT_METHODS else None
    terms = METHOD_TERMS.get(method) if method in AGREEMENT_METHODS else None
    if method == "paid_recovery":
        new_start_text = "协议有偿收回，不重新约定动工开发日期"
    else:
        new_start_text = zh_date(new_start)
    if terms is not None:
        terms = terms.format(new_start_on=new_start_text or BLANK)
    return {"method": label, "method_terms": terms, "new_start_on": new_start_text}


_BY_KIND = {
    "investigation": _investigation,
    "determination": _determination,
    "hearing_notice": _hearing_notice,
    "fee": _fee,
    "recovery": _recovery,
    "agreement": _agreement,
}

LABELS = {
    "authority": "作出机关",
    "seal": "印章",
    "contact": "联系部门",
    "phone": "联系电话",
    "address": "机关地址",
    "number": "文号",
    "issued_on": "日期",
    "holder_name": "土地使用权人",
    "holder_address": "使用权人地址",
    "parcel_code": "宗地编号",
    "parcel_name": "宗地名称",
    "location": "坐落",
    "boundaries": "四至",
    "area_m2": "面积（平方米）",
    "area_mu": "面积（亩）",
    "contract_number": "合同电子监管号",
    "supplied_on": "供地日期",
    "agreed_start_on": "约定动工日期",
    "facts": "事实",
    "cause": "闲置原因",
    "cause_detail": "闲置原因类型",
    "conclusion": "认定结论",
    "investigation_ref": "调查通知书送达",
    "determination_ref": "认定书送达",
    "intended_decision": "拟作出的决定",
    "intended_detail": "拟作出决定的内容",
    "where_to_apply": "听证申请受理",
    "hearing_record": "听证情况",
    "land_price_wan": "土地出让价款",
    "fee_share": "征缴比例",
    "fee_wan": "土地闲置费",
    "fee_upper": "土地闲置费（大写）",
    "fee_basis": "计算依据",
    "payment_account": "缴款账户（[case] payment_account）",
    "approving_government": "批准机关（[case] approving_government）",
    "reconsideration_body": "行政复议机关",
    "court": "人民法院",
    "method": "处置方式",
    "method_terms": "处置条款",
    "new_start_on": "新约定动工日期",
}


def service_receipt_fields(act: dict, parcel: dict, profile_case: dict) -> dict[str, str]:
    """The fields of the proof of service (送达回证) of ``act`` (its columns): the
    document, its number, the receiver and their address, how and when it was served
    (ticked and dated where the service is recorded; boxes and lines to fill at the
    service where it is not yet), the server, the lines to sign, the issuing bureau."""
    method = act.get("service_method")
    boxes = "　".join(
        ("☑" if key == method else "□") + spec["zh"] for key, spec in SERVICE_METHODS.items()
    )
    served = act.get("served_on")
    remark = {
        "left": "受送达人拒绝签收，已将文书留置于其住所，并由见证人签名（拍照、录像为证）",
        "post": "邮寄送达，以回执上注明的收件日期为送达日期",
        "public": "公告送达，自公告发布之日起经过法定期间即视为送达",
    }.get(method, "")
    return {
        "title": "送达回证",
        "authority": profile_case.get("authority") or BLANK,
        "seal": profile_case.get("seal") or BLANK,
        "document": f"《{KINDS[act['kind']]['zh']}》",
        "number": act.get("number") or PAPER,
        "receiver": act.get("served_to") or parcel.get("holder") or BLANK,
        "receiver_address": parcel.get("holder_address") or BLANK,
        "method": boxes,
        "served_on": zh_date(served) if served is not None else "＿＿＿＿年＿＿月＿＿日",
        "served_by": act.get("served_by") or LINE,
        "remark": remark,
        "issued_on": zh_date(act.get("issued_on")) or BLANK,
        "line": LINE,
    }


DIGITS = "零壹贰叁肆伍陆柒捌玖"


def yuan_upper(yuan: float) -> str:
    """An amount in yuan as a bureau writes it in words (人民币大写), to the fen:
    1234567.89 → 人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分; 100000 → 人民币壹拾万元整.
    Up to 10¹² yuan."""
    fen = round(yuan * 100)
    whole, cents = divmod(fen, 100)
    groups = []
    while whole:
        whole, g = divmod(whole, 10000)
        groups.append(g)
    text, gap = "", False
    for i in reversed(range(len(groups))):
        g = groups[i]
        if g == 0:
            gap = bool(text)
            continue
        if text and (gap or g < 1000):
            text += "零"
        text += _group(g) + ("", "万", "亿")[i]
        gap = False
    jiao, f = divmod(cents, 10)
    if text:
        text += "元"
    if cents == 0:
        return "人民币" + (text or "零元") + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif text:
        text += "零"
    if f:
        text += DIGITS[f] + "分"
    return "人民币" + text


def _group(n: int) -> str:
    """1 ≤ n < 10000 in words: 1020 → 壹仟零贰拾."""
    out, zero = "", False
    for d, unit in zip(f"{n:04d}", ("仟", "佰", "拾", ""), strict=True):
        if d == "0":
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[int(d)] + unit
    return out


def _next_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _whole_years(since: dt.date | None, on: dt.date | None) -> int | None:
    if since is None or on is None:
        return None
    return on.year - since.year - ((on.month, on.day) < (since.month, since.day))


def _present(value) -> bool:
    return value is not None and value == value


def _wan(value) -> str | None:
    return f"{float(value):,.2f}" if _present(value) else None
