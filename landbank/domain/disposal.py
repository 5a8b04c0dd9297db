"""The disposal (处置) workflow of idle and inefficient land: states, the steps allowed
between them, methods, blockers, deadlines and the idle fee. Pure rules on plain values.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

STATES: dict[str, dict[str, str]] = {
    "suspected": {"zh": "疑似", "en": "suspected"},
    "investigating": {"zh": "调查中", "en": "investigating"},
    "determined": {"zh": "已认定", "en": "determined"},
    "plan_approved": {"zh": "处置方案已批", "en": "plan approved"},
    "disposing": {"zh": "处置中", "en": "disposing"},
    "disposed": {"zh": "已处置", "en": "disposed"},
    "closed": {"zh": "销号", "en": "closed"},
    "dismissed": {"zh": "排除", "en": "dismissed"},
}

# the procedure of 闲置土地处置办法, as steps; "dismissed" ends an investigation that
# finds no idle land
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "suspected": ("investigating", "dismissed"),
    "investigating": ("determined", "dismissed"),
    "determined": ("plan_approved",),
    "plan_approved": ("disposing",),
    "disposing": ("disposed",),
    "disposed": ("closed",),
    "closed": (),
    "dismissed": (),
}
FINISHED = ("disposed", "closed")
ENDED = ("closed", "dismissed")

METHODS: dict[str, dict[str, str]] = {
    "supply": {"zh": "供地", "en": "supply"},
    "withdraw_approval": {"zh": "撤回/核减批文", "en": "withdraw or reduce the approval"},
    "start_construction": {"zh": "督促动工", "en": "press for construction"},
    "extend_deadline": {"zh": "延长动工期限", "en": "extend the start deadline"},
    "change_use": {"zh": "调整用途", "en": "change use or planning conditions"},
    "temporary_use": {"zh": "临时使用", "en": "government temporary use"},
    "paid_recovery": {"zh": "协议有偿收回", "en": "negotiated paid recovery"},
    "swap": {"zh": "置换", "en": "swap for land of equal value"},
    "reclaim": {"zh": "无偿收回", "en": "reclaim without compensation"},
    "idle_fee": {"zh": "征收闲置费", "en": "levy the idle fee"},
    "capital_increase": {"zh": "增资扩产/技改", "en": "capital increase or upgrade"},
    "merger": {"zh": "兼并重组", "en": "merger or restructuring"},
    "redevelopment": {"zh": "二次开发", "en": "redevelopment"},
    "transfer": {"zh": "分割转让/招商入驻", "en": "transfer or new investor"},
    "buyback": {"zh": "回购/腾退", "en": "buyback"},
    "other": {"zh": "其他", "en": "other"},
}
# a government-caused delay (闲置土地处置办法 art. 8, 12) is never met with these
NOT_FOR_GOVERNMENT = ("reclaim", "idle_fee")
BLOCKERS: dict[str, dict[str, str]] = {
    "mortgage": {"zh": "抵押", "en": "mortgage"},
    "seizure": {"zh": "查封", "en": "court seizure"},
    "dispute": {"zh": "纠纷", "en": "dispute"},
}
# a blocker forbids finishing these methods until it is cleared
BLOCKED_METHODS = ("reclaim", "transfer")


class StepRefused(ValueError):
    """A step the workflow does not allow; the message names what is allowed."""


def check_method(method: str, cause: str | None) -> None:
    """Refuses an unknown method, and a fee or reclaim on government-caused delay."""
    if method not in METHODS:
        raise StepRefused(f"method {method!r} is unknown; use one of {', '.join(METHODS)}")
    if cause == "government" and method in NOT_FOR_GOVERNMENT:
        raise StepRefused(
            f"method {method} is not open to a government-caused delay; use extend_deadline, "
            "change_use, temporary_use, paid_recovery, swap or another method"
        )


# a vacant building is activated (盘活) by letting or selling it to a new user
ACTIVATION_METHODS = ("transfer", "other")


def check_activation(method: str, cause: str | None, area_mu: float | None) -> None:
    """Refuses what a building's activation cannot take: a method other than transfer
    or other, a cause, an area in mu."""
    if method not in ACTIVATION_METHODS:
        raise StepRefused(
            f"a building is activated (盘活) by {' or '.join(ACTIVATION_METHODS)}, not {method}"
        )
    if cause is not None:
        raise StepRefused("--cause is for idle land; leave it out for a building")
    if area_mu is not None:
        raise StepRefused("--area-mu is for land; leave it out for a building")


def check_step(state: str, to: str, method: str, blockers: list[str]) -> None:
    """Refuses a step the workflow does not allow (naming the allowed next states), and
    finishing a reclaim or transfer while a blocker stands."""
    if to not in STATES:
        raise StepRefused(f"state {to!r} is unknown; use one of {', '.join(STATES)}")
    allowed = TRANSITIONS[state]
    if to not in allowed:
        nxt = ", ".join(allowed) if allowed else "none: the disposal has ended"
        raise StepRefused(f"cannot go from {state} to {to}; allowed next: {nxt}")
    if to in FINISHED and method in BLOCKED_METHODS and blockers:
        raise StepRefused(
            f"cannot finish a {method} while blocked by {', '.join(blockers)}; clear it first "
            "(landbank disposal unblock CODE --kind KIND --by NAME)"
        )


@dataclass(frozen=True)
class Deadline:
    what: str
    due_on: dt.date | None  # None: the official calendar of its year is not known yet
    act: str | None = None  # the number of the act whose service started it
    note: str | None = None


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later; 29 February goes to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def deadlines(
    state: str,
    method: str,
    cause: str | None,
    planned_on: dt.date | None,
    agreed_start_on: dt.date | None,
    approved_on: dt.date | None,
) -> list[Deadline]:
    """The dates a disposal must meet in its state, soonest first: the idle fee and
    reclaim dates of an enterprise-caused delay, an approval's lapse, the planned date.
    The periods of the case's served acts (the holder's answer, the hearing request,
    payment, ...) are ``landbank.domain.case.deadlines``."""
    out = []
    if state in ENDED or state in FINISHED:  # done: nothing more falls due
        return out
    if cause == "enterprise" and agreed_start_on:
        out.append(Deadline("idle fee (1 year idle)", add_years(agreed_start_on, 1)))
        out.append(
            Deadline("reclaim without compensation (2 years idle)", add_years(agreed_start_on, 2))
        )
    if method == "withdraw_approval" and approved_on:
        out.append(Deadline("approval lapses (2 years)", add_years(approved_on, 2)))
    if planned_on and state not in FINISHED:
        out.append(Deadline(f"planned {method}", planned_on))
    return sorted(out, key=lambda d: d.due_on)


# the deadlines above in zh and en (their ``what`` is the en text); one table for the
# CLI, the pages, the maps and the reports
DEADLINES: dict[str, dict[str, str]] = {
    "answer to the investigation notice": {
        "zh": "调查通知答复期限",
        "en": "answer to the investigation notice",
    },
    "idle fee (1 year idle)": {"zh": "征收闲置费（闲置满1年）", "en": "idle fee (1 year idle)"},
    "reclaim without compensation (2 years idle)": {
        "zh": "无偿收回（闲置满2年）",
        "en": "reclaim without compensation (2 years idle)",
    },
    "approval lapses (2 years)": {"zh": "批文失效（满2年）", "en": "approval lapses (2 years)"},
    # the periods the service of a case's acts starts (landbank.domain.case.deadlines)
    "hearing request": {"zh": "听证申请期限", "en": "hearing request"},
    "hearing held": {"zh": "听证举行期限", "en": "hearing held"},
    "payment of the idle fee": {"zh": "缴纳土地闲置费期限", "en": "payment of the idle fee"},
    "deregistration": {"zh": "注销登记期限", "en": "deregistration"},
    "administrative reconsideration": {
        "zh": "行政复议期限",
        "en": "administrative reconsideration",
    },
    "administrative lawsuit": {"zh": "行政诉讼期限", "en": "administrative lawsuit"},
    "new agreed start": {"zh": "新约定开工日期", "en": "new agreed start"},
}


def deadline_label(what: str, lang: str) -> str:
    """A deadline of :func:`deadlines` (its ``what``, English) in ``lang``."""
    if lang == "en":
        return what
    if what.startswith("planned "):
        method = what.removeprefix("planned ")
        return "计划完成：" + METHODS.get(method, {}).get("zh", method)
    return DEADLINES.get(what, {}).get(lang, what)


def state_label(state: str | None, lang: str) -> str:
    """A disposal state's label in ``lang`` ('' for none)."""
    if not state:
        return ""
    return STATES.get(state, {}).get(lang, state)


def method_label(method: str | None, lang: str) -> str:
    """A disposal method's label in ``lang`` ('' for none)."""
    if not method:
        return ""
    return METHODS.get(method, {}).get(lang, method)


def idle_fee_wan(land_price_wan: float | None, share: float = 0.20) -> float | None:
    """The idle fee (土地闲置费): ``share`` of the land price, 万元."""
    if land_price_wan is None or land_price_wan != land_price_wan:
        return None
    return round(float(land_price_wan) * share, 2)


def describe(
    disposal: dict,
    steps: list[dict],
    agreed_start_on: dt.date | None,
    approved_on: dt.date | None,
    today: dt.date,
    act_deadlines: list[Deadline] = (),
) -> dict:
    """One disposal as it is shown: read from its stored columns (``disposal``), its
    ``steps`` (stored columns, oldest first), its parcel's agreed start and approval
    dates and the open periods of its case's acts (``act_deadlines``); returns id,
    code, subject, state and method (with their Chinese labels), cause, ISO dates,
    area, idle fee, blockers, its deadlines soonest first (what, due_on (None where
    the calendar of its year is not known), overdue as of ``today``, act (the number
    of the act that started it, else None)) and its steps."""
    due = deadlines(
        disposal["status"],
        disposal["method"],
        disposal["cause"],
        disposal["planned_on"],
        agreed_start_on,
        approved_on,
    )
    due = sorted([*due, *act_deadlines], key=lambda d: (d.due_on is None, d.due_on or today))
    return {
        "id": disposal["id"],
        "code": disposal["parcel_code"],
        "subject": disposal["subject"],
        "state": disposal["status"],
        "state_zh": STATES[disposal["status"]]["zh"],
        "method": disposal["method"],
        "method_zh": METHODS[disposal["method"]]["zh"],
        "cause": disposal["cause"],
        "planned_on": _iso(disposal["planned_on"]),
        "done_on": _iso(disposal["done_on"]),
        "area_mu": disposal["area_mu"],
        "idle_fee_wan": disposal["idle_fee_wan"],
        "blockers": json.loads(disposal["blockers"] or "[]"),
        "deadlines": [
            {
                "what": d.what,
                "due_on": _iso(d.due_on),
                "overdue": d.due_on is not None and d.due_on < today,
                "act": d.act,
                **({"note": d.note} if d.note else {}),
            }
            for d in due
        ],
        "steps": [
            {
                "action": s["action"],
                "from": s["from_state"],
                "to": s["to_state"],
                "on": _iso(s["on"]),
                "by": s["by"],
                "note": s["note"],
                "doc": s["doc"],
            }
            for s in steps
        ],
    }


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None
