"""``landbank disposal open|advance|block|unblock|show|due``: each one unit of work,
each move a disposal step and an entry in the parcel's history."""

from __future__ import annotations

import datetime as dt
import json
import math

from landbank.config import Profile, load_profile
from landbank.db import cases, disposals, history
from landbank.db.store import Store, Unit
from landbank.domain import case as law
from landbank.domain import disposal as wf
from landbank.domain.dates import local_day
from landbank.domain.rights import check_district
from landbank.errors import ConflictError, InputError, NotFoundError


def _parcel(uow: Unit, code: str) -> dict:
    """The parcel of ``code``, else the building (whose activation 盘活 is tracked like
    a disposal) as a row with a parcel's keys; NotFoundError when neither exists."""
    found = disposals.subject(uow, code)
    if found is None:
        raise NotFoundError(
            f"{code!r} is neither a parcel nor a building in the database; see landbank "
            "parcels list or landbank buildings list"
        )
    return found


def _check_districts(parcel, districts: tuple[str, ...] | None) -> None:
    """With ``districts`` (a clerk's), a parcel or building outside them is a
    ForbiddenError; None allows every district."""
    check_district(districts, parcel["district"], _noun(parcel["subject"]), parcel["code"])


def _noun(subject: str) -> str:
    return "building" if subject == "building" else "parcel"


def _active(uow: Unit, code: str, lock: bool = False):
    row = disposals.open_disposal(uow, code, lock)
    if row is None:
        raise NotFoundError(
            f"{code} has no open disposal; open one with landbank disposal open {code} "
            "--method METHOD --by NAME"
        )
    return row


def record_step(uow: Unit, disposal_id, code, action, before, after, on, note, doc, subject):
    """Records a step, by ``uow.by`` at ``uow.now``; a parcel's also lands in its
    history (a building has none)."""
    disposals.insert_step(
        uow,
        {
            "disposal_id": disposal_id,
            "parcel_code": code,
            "action": action,
            "from_state": before,
            "to_state": after,
            "on": on,
            "by": uow.by,
            "at": uow.now,
            "note": note,
            "doc": doc,
        },
    )
    if subject != "parcel":
        return
    what = {
        "open": f"opened: {after}",
        "advance": f"{before} → {after}",
        "block": f"blocked: {note}",
        "unblock": f"unblocked: {note}",
    }[action]
    event = {"parcel_code": code, "field": "disposal", "old_value": before, "new_value": what}
    reason = " ".join(x for x in (note, doc) if x) or None
    history.append(uow, [{**event, "reason": reason}])


def _check_on(uow: Unit, disposal_id: int, on: dt.date, today: dt.date) -> None:
    """A step is dated no later than today and no earlier than the step before it."""
    if on > today:
        raise InputError(f"--on {on}: a step cannot be dated in the future")
    last = disposals.last_step_on(uow, disposal_id)
    if last is not None and on < last:
        raise InputError(f"--on {on}: before the previous step ({last}); date steps in order")


def _check(by: str) -> None:
    if not by or not by.strip():
        raise InputError("--by is required: say who records the step")
    if len(by) > 128:
        raise InputError("--by: at most 128 characters")


def open_disposal(
    store: Store,
    code: str,
    method: str,
    by: str,
    cause: str | None = None,
    planned_on: dt.date | None = None,
    area_mu: float | None = None,
    reason: str | None = None,
    on: dt.date | None = None,
    fee_share: float = 0.20,
    districts: tuple[str, ...] | None = None,
) -> dict:
    """Opens a disposal of a parcel (state ``suspected``); one open disposal per parcel.
    With ``districts`` (a clerk's), a parcel or building outside them is a
    ForbiddenError. Returns the parcel's disposals as ``show_disposal`` does."""
    _check(by)
    if cause not in (None, "government", "enterprise"):
        raise InputError(f"--cause {cause}: write government or enterprise")
    if area_mu is not None and not (math.isfinite(area_mu) and area_mu > 0):
        raise InputError("--area-mu must be a number more than 0")
    with store.write(by=by) as uow:
        today = local_day(uow.now)
        on = on or today
        parcel = _parcel(uow, code)
        _check_districts(parcel, districts)
        subject = parcel["subject"]
        if parcel["retired"]:
            raise InputError(f"parcel {code} is retired (split); open the disposal on its children")
        cause = cause or parcel["cause"]
        try:
            if subject == "building":
                wf.check_activation(method, cause, area_mu)
            wf.check_method(method, cause)
        except wf.StepRefused as exc:
            raise InputError(f"{_noun(subject)} {code}: {exc}") from None
        if area_mu is not None and area_mu > parcel["area_mu"] * 1.0001:
            raise InputError(
                f"--area-mu {area_mu}: more than the parcel's {parcel['area_mu']:.2f} mu"
            )
        open_one = disposals.open_disposal(uow, code)
        if open_one is not None:
            raise ConflictError(
                f"{_noun(subject)} {code} already has an open disposal (#{open_one['id']}, "
                f"{open_one['status']}); advance it to its end or dismiss it first"
            )
        fee = (
            wf.idle_fee_wan(parcel["land_price_wan"], fee_share) if cause == "enterprise" else None
        )
        disposal_id = disposals.insert_disposal(
            uow,
            {
                "parcel_code": code,
                "subject": subject,
                "method": method,
                "status": "suspected",
                "cause": cause,
                "planned_on": planned_on,
                "area_mu": area_mu or parcel["area_mu"],
                "idle_fee_wan": fee,
                "blockers": "[]",
                "notes": reason,
            },
            uow.now,
        )
        record_step(uow, disposal_id, code, "open", None, "suspected", on, reason, None, subject)
        return _show(uow, code, today)


def advance(
    store: Store,
    code: str,
    to: str,
    by: str,
    on: dt.date | None = None,
    note: str | None = None,
    doc: str | None = None,
    districts: tuple[str, ...] | None = None,
) -> dict:
    """Moves the parcel's open disposal to state ``to``; a step the workflow does not
    allow is refused with the allowed next states. With ``districts`` (a clerk's), a
    parcel or building outside them is a ForbiddenError. Returns the parcel's
    disposals as ``show_disposal`` does."""
    _check(by)
    with store.write(by=by) as uow:
        row, on, today = _step_on(uow, code, on, districts)
        _check_on(uow, row["id"], on, today)
        blockers = json.loads(row["blockers"] or "[]")
        try:
            wf.check_step(row["status"], to, row["method"], blockers)
        except wf.StepRefused as exc:
            raise InputError(f"{_noun(row['subject'])} {code}: {exc}") from None
        if row["subject"] == "parcel":  # the idle-land case's states stand on its acts
            try:
                cause = row["cause"] or (disposals.subject(uow, code) or {}).get("cause")
                law.check_state(to, row["method"], cause, cases.acts_of(uow, row["id"]))
            except law.ActRefused as exc:
                raise InputError(f"parcel {code}: {exc}") from None
        done_on = on if to == "disposed" else None
        disposals.move_disposal(uow, row["id"], to, uow.now, done_on)
        before = row["status"]
        record_step(uow, row["id"], code, "advance", before, to, on, note, doc, row["subject"])
        return _show(uow, code, today)


def _step_on(uow: Unit, code: str, on, districts) -> tuple:
    """What a step on the open disposal of ``code`` starts from: the disposal (locked),
    the step's day (``on``, else today) and today; the district rule checked first."""
    today = local_day(uow.now)
    if districts is not None:
        _check_districts(_parcel(uow, code), districts)
    return _active(uow, code, lock=True), on or today, today


def set_blocker(
    store: Store,
    code: str,
    kind: str,
    blocked: bool,
    by: str,
    note: str | None = None,
    doc: str | None = None,
    on: dt.date | None = None,
    districts: tuple[str, ...] | None = None,
) -> dict:
    """Records (``blocked``) or clears a mortgage, court seizure or dispute. With
    ``districts`` (a clerk's), a parcel or building outside them is a ForbiddenError.
    Returns the parcel's disposals as ``show_disposal`` does."""
    _check(by)
    if kind not in wf.BLOCKERS:
        raise InputError(f"--kind {kind}: use one of {', '.join(wf.BLOCKERS)}")
    with store.write(by=by) as uow:
        row, on, today = _step_on(uow, code, on, districts)
        blockers = json.loads(row["blockers"] or "[]")
        if blocked == (kind in blockers):
            state = "already blocked by" if blocked else "not blocked by"
            raise InputError(f"{_noun(row['subject'])} {code}: the disposal is {state} {kind}")
        blockers = [*blockers, kind] if blocked else [b for b in blockers if b != kind]
        disposals.set_blockers(uow, row["id"], json.dumps(blockers), uow.now)
        action = "block" if blocked else "unblock"
        note = kind + (f" ({note})" if note else "")
        status = row["status"]
        record_step(uow, row["id"], code, action, status, status, on, note, doc, row["subject"])
        return _show(uow, code, today)


def _described(uow: Unit, row, parcel, today: dt.date, prof: Profile, acts=None) -> dict:
    """Disposal ``row`` of ``parcel`` as ``domain.disposal.describe`` shows it, its steps
    read, with the open periods of its case's acts (``acts``: read when None)."""
    steps = disposals.steps(uow, row["id"])
    if row["subject"] != "parcel":
        acts = []
    elif acts is None:
        acts = cases.acts_of(uow, row["id"])
    running = law.open_deadlines(row["status"], acts, prof.calendar, prof.case)
    return wf.describe(row, steps, parcel["agreed_start_on"], parcel["approved_on"], today, running)


def _show(uow: Unit, code: str, today: dt.date, prof: Profile | None = None) -> dict:
    """The disposals of ``code``, newest first, each with its deadlines (as of
    ``today``, the acts' on ``prof``'s calendar) and steps; NotFoundError when it has
    none."""
    prof = prof or load_profile()
    parcel = _parcel(uow, code)
    rows = disposals.disposals_of(uow, code)
    if not rows:
        raise NotFoundError(
            f"{_noun(parcel['subject'])} {code} has no disposal; open one with "
            f"landbank disposal open {code} --method METHOD --by NAME"
        )
    return {"code": code, "disposals": [_described(uow, r, parcel, today, prof) for r in rows]}


def show_disposal(
    store: Store,
    code: str,
    today: dt.date | None = None,
    profile: str | Profile | None = None,
) -> dict:
    """The parcel's disposals, newest first, each with its deadlines (as of ``today``,
    by default the day it is read; the acts' periods on the calendar of ``profile``)
    and steps."""
    prof = load_profile(profile)
    with store.read() as uow:
        return _show(uow, code, today or local_day(uow.now), prof)


def _due(uow: Unit, within_days: int, today: dt.date, prof: Profile | None = None) -> list[dict]:
    """The deadlines of open disposals due by ``today`` + ``within_days`` (overdue ones
    too), soonest first: code, state, method, what, due_on, overdue, act. A period
    whose year's calendar is not known has no day and is left out."""
    prof = prof or load_profile()
    horizon = today + dt.timedelta(days=within_days)
    rows = disposals.open_disposals(uow)
    acts = cases.acts_of_cases(uow, [r["id"] for r in rows if r["subject"] == "parcel"])
    out = []
    for row in rows:
        parcel = _parcel(uow, row["parcel_code"])
        shown = _described(uow, row, parcel, today, prof, acts.get(row["id"], []))
        for d in shown["deadlines"]:
            if d["due_on"] is not None and dt.date.fromisoformat(d["due_on"]) <= horizon:
                out.append(
                    {
                        "code": row["parcel_code"],
                        "state": row["status"],
                        "method": row["method"],
                        **d,
                    }
                )
    return sorted(out, key=lambda d: (d["due_on"], d["code"]))


def due(
    store: Store,
    within_days: int = 30,
    today: dt.date | None = None,
    profile: str | Profile | None = None,
) -> list[dict]:
    """Deadlines of open disposals that fall within ``within_days`` or are overdue,
    soonest first; the periods of their acts counted on ``profile``'s calendar."""
    if not 0 <= within_days <= 36500:
        raise InputError("--within must be 0 to 36500 days")
    prof = load_profile(profile)
    with store.read() as uow:
        return _due(uow, within_days, today or local_day(uow.now), prof)
