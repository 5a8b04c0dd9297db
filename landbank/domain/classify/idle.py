"""Idle land and what follows from it (闲置土地处置办法), and the overdue flag.

Steps of ``classify`` (see ``stages``): each reads the working frame and returns it with
the columns its docstring names added or changed. The reasons come in this order: the
fee with its amount, the reclaim, the fee whose land price is not recorded, then the
cause.
"""

from __future__ import annotations

import pandas as pd

from landbank.domain.classify.calendar import add_years
from landbank.domain.classify.reasons import N
from landbank.domain.classify.thresholds import Rules
from landbank.domain.classify.working import WorkingFrame

GOVERNMENT_OPTIONS_ZH = "延长动工期限、调整用途或规划条件、临时使用、协议有偿收回、置换"
GOVERNMENT_OPTIONS_EN = (
    "extend the start deadline, change use or planning conditions, "
    "temporary use, negotiated paid recovery, swap"
)


def _idle_years_en(rules: Rules) -> str:
    years = rules.idle_after_years
    return f"{years} year" + ("" if years == 1 else "s")


def overdue(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """Past the agreed start without starting, or past the agreed completion without
    completing (the reasons are the stages').

    Reads: late_start, past_completion.
    Adds: is_overdue.
    """
    return w.assign(is_overdue=w["late_start"] | w["past_completion"])


def idle_land(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """Idle land: not started long past the agreed start, or stopped with little
    developed or invested (the reasons are the stages').

    Reads: idle_start, idle_stop.
    Adds: is_idle_land.
    """
    return w.assign(is_idle_land=w["idle_start"] | w["idle_stop"])


def idle_fee_due(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """Idle land through the enterprise's fault owes an idle fee of ``idle_fee_share``
    of the land price (national: 20 %).

    Reads: is_idle_land, cause, land_price_wan, reasons.
    Adds: is_idle_fee_due, idle_fee_wan (NaN where none is due or the land price is not
    recorded). Changes: reasons (where the land price is recorded).
    """
    fee = w["is_idle_land"] & w["cause"].eq("enterprise")
    price = w["land_price_wan"]
    share = f"{rules.idle_fee_share:.0%}"
    return w.assign(
        is_idle_fee_due=fee,
        idle_fee_wan=(price * rules.idle_fee_share).round(2).where(fee),
        reasons=w["reasons"].add(
            fee & price.notna(),
            "idle_fee",
            f"企业原因闲置满{rules.idle_after_years}年：征收土地闲置费 {{p}}万元×"
            + share
            + "={x}万元",
            f"enterprise-caused, idle {_idle_years_en(rules)}: idle fee "
            + share
            + " of the land price {p} = {x} wan yuan",
            p=N(price),
            x=N(price * rules.idle_fee_share, 2),
        ),
    )


def reclaim_eligible(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """Idle ``reclaim_after_years`` (from the agreed start, or from the stop) and not
    through the government's fault: the land use right may be reclaimed without
    compensation (national: 2 years).

    Reads: reclaim_start, idle_stop, stopped, cause, reasons.
    Adds: is_reclaim_eligible. Changes: reasons.
    """
    years = rules.reclaim_after_years
    reclaim_stop = w["idle_stop"] & (as_of >= add_years(w["stopped"], years))
    reclaim = (w["reclaim_start"] | reclaim_stop) & ~w["cause"].eq("government")
    return w.assign(
        is_reclaim_eligible=reclaim,
        reasons=w["reasons"].add(
            reclaim,
            "reclaim",
            f"闲置满{years}年（非政府原因）：可无偿收回土地使用权",
            f"idle {years} years, not government-caused: the land use right may be "
            "reclaimed without compensation",
        ),
    )


def idle_fee_unpriced(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """An idle fee is due and the land price is not recorded: says so, without an amount.

    Reads: is_idle_fee_due, land_price_wan, reasons.
    Changes: reasons.
    """
    share = f"{rules.idle_fee_share:.0%}"
    return w.assign(
        reasons=w["reasons"].add(
            w["is_idle_fee_due"] & w["land_price_wan"].isna(),
            "idle_fee",
            f"企业原因闲置满{rules.idle_after_years}年：应征收土地闲置费（土地价款"
            + share
            + "），土地价款未登记",
            f"enterprise-caused, idle {_idle_years_en(rules)}: idle fee "
            + share
            + " of the land price is due; the land price is not recorded",
        )
    )


def idle_cause(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """What the cause of idle land leaves open: through the government's fault, the
    options instead of a fee or a reclaim; not determined, an investigation.

    Reads: is_idle_land, cause, reasons.
    Changes: reasons.
    """
    idle = w["is_idle_land"]
    why = w["reasons"].add(
        idle & w["cause"].eq("government"),
        "government_cause",
        "政府原因造成：可" + GOVERNMENT_OPTIONS_ZH + "，不征收闲置费、不无偿收回",
        "government-caused: " + GOVERNMENT_OPTIONS_EN + "; no idle fee, no reclaim",
    )
    why = why.add(
        idle & w["cause"].isna(),
        "cause_undetermined",
        f"闲置原因未认定：调查后企业原因满{rules.idle_after_years}年征闲置费、"
        f"满{rules.reclaim_after_years}年无偿收回",
        "cause not determined: investigate (enterprise-caused: idle fee at "
        f"{_idle_years_en(rules)}, reclaim at {rules.reclaim_after_years} years)",
    )
    return w.assign(reasons=why)
