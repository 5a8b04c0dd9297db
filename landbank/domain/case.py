"""The idle-land case as legal acts (闲置土地处置办法 art. 8–18; 国土资源听证规定):
the kinds of act, which act a case's state allows, what each act's service starts
(its deadlines, counted on the official calendar), and which acts a state needs.
Pure rules on plain values: an act is a dict of the columns of ``case_act``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from landbank.domain.disposal import Deadline, add_years
from landbank.domain.disposal import deadline_label as disposal_deadline_label
from landbank.domain.periods import Calendar, CalendarGap, period_end

KINDS: dict[str, dict[str, str]] = {
    "investigation": {"zh": "闲置土地调查通知书", "en": "investigation notice", "art": "5–7"},
    "determination": {"zh": "闲置土地认定书", "en": "determination", "art": "9–10"},
    "hearing_notice": {"zh": "听证告知书", "en": "hearing notice", "art": "15"},
    "fee": {"zh": "征缴土地闲置费决定书", "en": "idle fee decision", "art": "14(1), 15–17"},
    "recovery": {
        "zh": "收回国有建设用地使用权决定书",
        "en": "recovery decision",
        "art": "14(2), 15–18",
    },
    "agreement": {"zh": "闲置土地处置协议", "en": "disposal agreement", "art": "8, 12–13"},
}
SERVICE_METHODS: dict[str, dict[str, str]] = {
    "direct": {"zh": "直接送达", "en": "direct"},
    "left": {"zh": "留置送达", "en": "left at the address"},
    "post": {"zh": "邮寄送达", "en": "by post"},
    "public": {"zh": "公告送达", "en": "public notice"},
}
# the states in which a case has been determined and is not yet disposed
DETERMINED = ("determined", "plan_approved", "disposing")
# the methods an agreement of a government-caused case may settle on (art. 12); all
# but paid recovery restart the start clock
AGREEMENT_METHODS = (
    "extend_deadline",
    "change_use",
    "temporary_use",
    "paid_recovery",
    "swap",
    "other",
)
LIVE = ("issued", "recorded")

# the periods of the law, overridable in the profile's [case]
PERIODS: dict[str, tuple[str, str]] = {
    "answer_days": ("answer to the investigation notice", "days"),
    "hearing_request_working_days": ("hearing request", "working_days"),
    "hearing_held_working_days": ("hearing held", "working_days"),
    "payment_days": ("payment of the idle fee", "days"),
    "deregistration_days": ("deregistration", "days"),
    "reconsideration_days": ("administrative reconsideration", "days"),
    "lawsuit_months": ("administrative lawsuit", "months"),
}
DEFAULT_PERIODS = {
    "answer_days": 30,
    "hearing_request_working_days": 5,
    "hearing_held_working_days": 20,
    "payment_days": 30,
    "deregistration_days": 30,
    "reconsideration_days": 60,
    "lawsuit_months": 6,
}


class ActRefused(ValueError):
    """An act the case does not allow now; the message says what is needed first."""


@dataclass(frozen=True)
class ActDeadline:
    what: str
    due_on: dt.date | None  # None: the calendar of its year is not known
    met_on: dt.date | None = None
    note: str | None = None


def kind_label(kind: str, lang: str = "zh") -> str:
    """An act kind's document name in ``lang``."""
    return KINDS.get(kind, {}).get(lang, kind)


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ActRefused(f"kind {kind!r} is unknown; use one of {', '.join(KINDS)}")


def live(acts: list[dict], kind: str) -> dict | None:
    """The live (issued or recorded, not voided) act of ``kind`` among ``acts``."""
    return next((a for a in acts if a["kind"] == kind and a["status"] in LIVE), None)


def _served(acts: list[dict], kind: str) -> dict | None:
    act = live(acts, kind)
    return act if act is not None and act["served_on"] is not None else None


def periods_of(rules: dict) -> dict[str, int]:
    """The periods of the profile's ``[case]`` laid over the law's defaults."""
    return {k: int(rules.get(k, v)) for k, v in DEFAULT_PERIODS.items()}


def idle_start(parcel: dict) -> dt.date | None:
    """The one rule of when a parcel's idleness began (art. 2): not started, the later
    of its agreed start and its delivery (a late delivery moves the start clock);
    started and stopped, the day it stopped; started and not stopped (or without the
    dates), None."""
    if parcel.get("started_on") is not None:
        return parcel.get("stopped_on")
    days = [parcel.get(k) for k in ("agreed_start_on", "delivered_on")]
    days = [d for d in days if d is not None]
    return max(days) if days else None


def check_idle_long_enough(kind: str, parcel: dict, on: dt.date, years: dict) -> None:
    """Refuses a determination or fee dated ``on`` less than ``idle_after_years`` after
    the parcel's :func:`idle_start`, a recovery less than ``reclaim_after_years`` (of
    ``years``, the profile's ``[rules]``); a parcel without the date, naming the field."""
    if kind not in ("determination", "fee", "recovery"):
        return
    code = parcel.get("code", "CODE")
    since = idle_start(parcel)
    if since is None:
        field = "stopped_on" if parcel.get("started_on") is not None else "agreed_start_on"
        raise ActRefused(
            f"a {kind} needs the day idleness began and the parcel has no {field}; record "
            f"it (landbank parcels set {code} {field}=DATE --by NAME --reason TEXT)"
        )
    key = "reclaim_after_years" if kind == "recovery" else "idle_after_years"
    n = int(years.get(key, 2 if kind == "recovery" else 1))
    due = add_years(since, n)
    if on < due:
        raise ActRefused(
            f"--on {on}: a {kind} needs {n} year{'s' * (n != 1)} idle; idle since {since}, "
            f"not before {due}"
        )


def intended_kind(act: dict | None) -> str | None:
    """The decision (fee or recovery) a hearing notice announced: its fields'
    ``intended_kind``; None when it does not say."""
    if act is None or not act.get("fields"):
        return None
    fields = act["fields"]
    if isinstance(fields, str):
        fields = json.loads(fields)
    return fields.get("intended_kind") or None


def hearing_window_end(notice: dict, cal: Calendar, rules: dict) -> dt.date:
    """The last day the holder may ask for a hearing after ``notice`` was served."""
    days = periods_of(rules)["hearing_request_working_days"]
    return period_end(notice["served_on"], days, "working_days", cal)


def check_issue(
    kind: str,
    state: str | None,
    cause: str | None,
    acts: list[dict],
    on: dt.date,
    today: dt.date,
    cal: Calendar,
    rules: dict,
    parcel: dict | None = None,
    years: dict | None = None,
) -> None:
    """Refuses an act of ``kind`` issued ``on`` a case in ``state`` (None: no open
    case) with these ``acts`` (of the case, any status): one the state does not allow,
    a second live act of the kind, a date in the future or before the previous act, a
    decision before the hearing notice was served and its window passed (or the
    hearing held), a fee or recovery on a government-caused case, an agreement on an
    enterprise-caused one, a fee beside a live recovery (or the reverse), a decision
    other than the one the hearing notice announced, a determination, fee or recovery
    on land not idle long enough (``parcel``'s :func:`idle_start`, ``years`` the
    profile's ``[rules]``)."""
    check_kind(kind)
    if on > today:
        raise ActRefused(f"--on {on}: an act cannot be dated in the future")
    previous = [d for a in acts if a["status"] in LIVE for d in _dates(a)]
    if previous and on < max(previous):
        last = max(previous)
        raise ActRefused(f"--on {on}: before the previous act ({last}); date acts in order")
    same = live(acts, kind)
    if same is not None:
        raise ActRefused(
            f"the case already has a live {kind} ({same['number'] or 'recorded'}); "
            f"void it first (landbank case void NUMBER --reason TEXT --by NAME)"
        )
    if kind == "investigation":
        if state not in (None, "suspected"):
            raise ActRefused(f"an investigation notice opens a case; this one is {state}")
        return
    if state is None:
        raise ActRefused(
            "the parcel has no open case; issue the investigation notice first "
            "(landbank case issue CODE investigation --by NAME)"
        )
    if kind == "determination":
        if _served(acts, "investigation") is None or state != "investigating":
            raise ActRefused(
                f"a determination needs the investigation notice served (case is {state}); "
                "serve it first (landbank case serve NUMBER --on DATE --method direct)"
            )
        if parcel is not None:
            check_idle_long_enough(kind, parcel, on, years or {})
        return
    if state not in DETERMINED:
        raise ActRefused(f"a {kind} needs a determined case (this one is {state})")
    if kind == "agreement":
        if cause != "government":
            raise ActRefused(
                "an agreement settles a government-caused case; record the cause first "
                "(landbank disposal open … --cause government) or issue a fee or recovery"
            )
        return
    if cause is None:
        raise ActRefused(
            f"a {kind} is for an enterprise-caused case and this one's cause is not "
            "recorded; record it (landbank parcels set CODE cause=enterprise --by NAME "
            "--reason TEXT)"
        )
    if cause != "enterprise":
        raise ActRefused(
            f"a {kind} is for an enterprise-caused case (cause is {cause}); a "
            "government-caused case takes the agreement"
        )
    if kind == "hearing_notice":
        return
    notice = _served(acts, "hearing_notice")
    if notice is None:
        raise ActRefused(
            f"a {kind} decision needs the hearing notice served first "
            "(landbank case issue CODE hearing_notice, then landbank case serve)"
        )
    if notice["hearing_requested_on"] is not None:
        if notice["hearing_held_on"] is None or on < notice["hearing_held_on"]:
            raise ActRefused(
                f"a hearing was asked for on {notice['hearing_requested_on']}: record it "
                "held first (landbank case hearing NUMBER --held-on DATE --outcome TEXT)"
            )
    else:
        end = hearing_window_end(notice, cal, rules)
        if on <= end:
            raise ActRefused(
                f"--on {on}: inside the hearing request window (it ends {end}); decide "
                "after it, or record the request and the hearing"
            )
    other = live(acts, "recovery" if kind == "fee" else "fee")
    if other is not None:
        raise ActRefused(
            f"the case has a live {other['kind']} decision ({other['number']}); a case "
            f"takes one decision: void it first (landbank case void NUMBER --reason TEXT --by NAME)"
        )
    announced = intended_kind(notice)
    if announced is not None and announced != kind:
        raise ActRefused(
            f"the hearing notice {notice['number']} announced a {announced} decision, not a "
            f"{kind}; decide as announced, or void and serve a new notice (--intend {kind})"
        )
    if parcel is not None:
        check_idle_long_enough(kind, parcel, on, years or {})


def _dates(act: dict) -> list[dt.date]:
    keys = ("issued_on", "served_on", "hearing_requested_on", "hearing_held_on")
    return [act[k] for k in keys if act.get(k) is not None]


def check_service(act: dict, on: dt.date, method: str, today: dt.date) -> None:
    """Refuses serving ``act`` on ``on`` by ``method``: an unknown method, a voided or
    already served act, a date before its issue or in the future."""
    if method not in SERVICE_METHODS:
        raise ActRefused(f"--method {method}: use one of {', '.join(SERVICE_METHODS)}")
    if act["status"] == "voided":
        raise ActRefused(f"{act['number']} is voided; issue a new one")
    if act["served_on"] is not None:
        raise ActRefused(f"{act['number']} was served on {act['served_on']} already")
    if on > today:
        raise ActRefused(f"--on {on}: service cannot be dated in the future")
    if on < act["issued_on"]:
        raise ActRefused(f"--on {on}: before the act was issued ({act['issued_on']})")


def state_after_service(kind: str, state: str) -> str | None:
    """The state a case moves to when an act of ``kind`` is served: investigating on
    the investigation notice, determined on the determination; else None."""
    if kind == "investigation" and state == "suspected":
        return "investigating"
    if kind == "determination" and state == "investigating":
        return "determined"
    return None


def check_state(to: str, method: str, cause: str | None, acts: list[dict]) -> None:
    """Refuses moving a parcel's case to ``to`` without the act the state needs:
    investigating, a served investigation notice; determined, a served determination;
    disposing, the served decision of its method (fee, recovery) or, government-caused,
    the agreement; disposing, disposed and closed: enterprise-caused, a served fee or
    recovery decision (closed: the fee paid or the land deregistered, per the live
    decision); government-caused, a served agreement; no cause recorded, refused."""
    if to == "investigating" and _served(acts, "investigation") is None:
        raise ActRefused(
            "investigating needs a served investigation notice: landbank case issue CODE "
            "investigation --by NAME, then landbank case serve NUMBER --on DATE --method direct"
        )
    if to == "determined" and _served(acts, "determination") is None:
        raise ActRefused(
            "determined needs a served determination: landbank case issue CODE "
            "determination --by NAME, then landbank case serve NUMBER --on DATE --method direct"
        )
    if to not in ("disposing", "disposed", "closed"):
        return
    if cause is None:
        raise ActRefused(
            f"{to} needs the cause of idleness recorded (it decides the act that disposes "
            "of the case); record it (landbank parcels set CODE cause=enterprise --by NAME "
            "--reason TEXT)"
        )
    if cause == "government":
        if _served(acts, "agreement") is None:
            raise ActRefused(
                f"{to} of a government-caused case needs a served disposal agreement "
                "(landbank case issue CODE agreement --method M --new-start DATE --by NAME, "
                "then serve it)"
            )
        return
    decision = _served(acts, "fee") or _served(acts, "recovery")
    if decision is None:
        raise ActRefused(
            f"{to} of an enterprise-caused case needs a served fee or recovery decision "
            "(serve the hearing notice, let its window pass, then landbank case issue CODE "
            "fee --by NAME and serve it)"
        )
    if to == "closed" and decision["kind"] == "fee" and decision["paid_on"] is None:
        raise ActRefused(
            "closed needs the idle fee paid: landbank case pay NUMBER --amount-wan X "
            "--on DATE --receipt R"
        )
    if to == "closed" and decision["kind"] == "recovery" and decision["deregistered_on"] is None:
        raise ActRefused(
            "closed needs the recovery completed: landbank case deregister NUMBER --on DATE"
        )


def deadlines(act: dict, cal: Calendar, rules: dict) -> list[ActDeadline]:
    """What the service of ``act`` started: each period's last day (None where its
    year's calendar is not known, with a note), and the day it was met, if it was."""
    if act["status"] == "voided" or act["served_on"] is None:
        return []
    p = periods_of(rules)
    kind, served = act["kind"], act["served_on"]
    wanted: list[tuple[str, dt.date | None]] = []
    if kind == "investigation":
        wanted.append(("answer_days", None))
    elif kind == "hearing_notice":
        wanted.append(("hearing_request_working_days", act["hearing_requested_on"]))
        if act["hearing_requested_on"] is not None:
            held = [("hearing_held_working_days", act["hearing_held_on"])]
            return _ends(held, act["hearing_requested_on"], p, cal) + _ends(wanted, served, p, cal)
    elif kind == "fee":
        wanted += [
            ("payment_days", act["paid_on"]),
            ("reconsideration_days", None),
            ("lawsuit_months", None),
        ]
    elif kind == "recovery":
        wanted += [
            ("deregistration_days", act["deregistered_on"]),
            ("reconsideration_days", None),
            ("lawsuit_months", None),
        ]
    elif kind == "agreement" and act["new_start_on"] is not None:
        return [ActDeadline("new agreed start", act["new_start_on"])]
    return _ends(wanted, served, p, cal)


def _ends(wanted, start: dt.date, p: dict, cal: Calendar) -> list[ActDeadline]:
    out = []
    for key, met in wanted:
        what, unit = PERIODS[key]
        try:
            out.append(ActDeadline(what, period_end(start, p[key], unit, cal), met))
        except CalendarGap as exc:
            out.append(ActDeadline(what, None, met, str(exc)))
    return out


# a deadline that a later act settles: the hearing's, once a fee or recovery decision is
# live (the decision was refused until the window passed or the hearing was held)
SETTLED_BY: dict[str, tuple[str, ...]] = {
    "hearing request": ("fee", "recovery"),
    "hearing held": ("fee", "recovery"),
}


def settled(what: str, acts: list[dict]) -> bool:
    """Whether a live act among ``acts`` settles the deadline ``what`` (:data:`SETTLED_BY`)."""
    return any(live(acts, kind) is not None for kind in SETTLED_BY.get(what, ()))


def still_running(what: str, state: str) -> bool:
    """Whether a deadline ``what`` still concerns a case in ``state``: none once the
    case is disposed, closed or dismissed; the answer to the investigation notice only
    while the case is investigating."""
    if state in ("disposed", "closed", "dismissed"):
        return False
    if what == "answer to the investigation notice":
        return state == "investigating"
    return True


def open_deadlines(state: str, acts: list[dict], cal: Calendar, rules: dict) -> list[Deadline]:
    """The periods the service of the live ``acts`` of a case in ``state`` started that
    are not met, not settled by a later act and still concern it, as the disposal's
    deadlines (what, due_on (None
    where the calendar of its year is not known, with a note), the act's number)."""
    out = []
    for act in acts:
        if act["status"] not in LIVE:
            continue
        for d in deadlines(act, cal, rules):
            if d.met_on is None and still_running(d.what, state) and not settled(d.what, acts):
                out.append(Deadline(d.what, d.due_on, act["number"], d.note))
    return out


def deadline_label(what: str, lang: str) -> str:
    """A deadline of :func:`deadlines` (its ``what``, English) in ``lang``: the one
    table of ``landbank.domain.disposal.DEADLINES``."""
    return disposal_deadline_label(what, lang)


def format_number(pattern: str, year: int, seq: int) -> str:
    """A document number (文号) from the profile's ``pattern``, e.g.
    ``枣自然资闲认〔{year}〕{n}号`` → 枣自然资闲认〔2026〕3号."""
    return pattern.format(year=year, n=seq)


def fee_basis(land_price_wan: float | None, share: float) -> tuple[float | None, str]:
    """The idle fee and the sentence that shows its basis: ``share`` of the land
    price (万元); None and the reason when the land price is not recorded."""
    if land_price_wan is None or land_price_wan != land_price_wan:
        return None, "土地出让价款未登记，无法计算土地闲置费"
    fee = round(float(land_price_wan) * share, 2)
    return fee, f"土地出让价款 {land_price_wan:,.2f} 万元 × {share:.0%} = {fee:,.2f} 万元"
