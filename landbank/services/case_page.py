"""What the case page of ``landbank serve`` shows, read in one unit: the parcel, its
newest case as ``services.cases.show`` gives it, which acts the case allows to issue
today, and whether the reader may act on it."""

from __future__ import annotations

import datetime as dt

from landbank.config import Profile, load_profile
from landbank.db import cases, disposals
from landbank.db.store import Store, Unit
from landbank.domain import case as law
from landbank.domain.dates import local_day
from landbank.domain.periods import CalendarGap
from landbank.domain.rights import User
from landbank.errors import NotFoundError
from landbank.services.cases import _show_case


def allowed_kinds(uow: Unit, parcel: dict, prof: Profile, today: dt.date) -> list[str]:
    """The kinds of act the parcel's case allows to issue ``today`` (the law's gates of
    ``domain.case.check_issue``): an investigation notice on a parcel with no open
    case, a determination once it is served, and so on."""
    case = disposals.open_disposal(uow, parcel["code"])
    acts = cases.acts_of(uow, case["id"]) if case is not None else []
    state = case["status"] if case is not None else None
    cause = (case["cause"] if case is not None else None) or parcel["cause"]
    out = []
    for kind in law.KINDS:
        try:
            law.check_issue(
                kind, state, cause, acts, today, today, prof.calendar, prof.case,
                parcel, prof.rules,
            )  # fmt: skip
        except (law.ActRefused, CalendarGap):
            continue
        out.append(kind)
    return out


def case_page(
    store: Store,
    code: str,
    user: User,
    profile: str | Profile | None = None,
    today: dt.date | None = None,
) -> dict:
    """Parcel ``code``'s case page: ``parcel`` (code, name, district, park, holder,
    cause, retired), ``case`` (``services.cases.show`` of its newest case; None before
    the first notice), ``kinds`` (what may be issued today, for one who may edit),
    ``may_edit`` (``user`` may act in the parcel's district), ``today`` (ISO)."""
    prof = load_profile(profile)
    with store.read() as uow:
        today = today or local_day(uow.now)
        found = disposals.subject(uow, code)
        if found is None or found["subject"] != "parcel":
            raise NotFoundError(f"parcel {code!r} is not in the database (see /parcels)")
        parcel = {k: found.get(k) for k in ("code", "name", "district", "park", "holder", "cause")}
        parcel["retired"] = bool(found["retired"])
        case = None
        if cases.latest_case(uow, code) is not None:
            case = _show_case(uow, code, prof, today)
        may_edit = user.may_edit(parcel["district"]) and not parcel["retired"]
        kinds = allowed_kinds(uow, found, prof, today) if may_edit else []
    return {
        "parcel": parcel,
        "case": case,
        "kinds": kinds,
        "may_edit": may_edit,
        "today": today.isoformat(),
    }


def act_place(store: Store, number: str) -> dict:
    """Where act ``number`` belongs: ``code`` and ``district`` of its parcel; NotFoundError
    when no act has the number."""
    with store.read() as uow:
        act = cases.act_by_number(uow, number)
        if act is None:
            raise NotFoundError(f"no act is numbered {number!r}")
        parcel = disposals.subject(uow, act["parcel_code"])
    return {"code": act["parcel_code"], "district": parcel["district"] if parcel else None}
