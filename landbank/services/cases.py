"""``landbank case issue|serve|hearing|pay|deregister|void|show|numbers``: the
idle-land case carried out as legal acts. Each action is one unit of work: the act, its
number, its document (kept as an attachment), the case's state where service moves it,
and an entry in the parcel's history."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math

import pandas as pd

from landbank.config import Profile, load_profile
from landbank.db import attachments, cases, disposals, history
from landbank.db.store import Store, Unit
from landbank.domain import case as law
from landbank.domain.case_documents import GOVERNMENT_CAUSES, document_fields
from landbank.domain.dates import local_day
from landbank.domain.disposal import METHODS, add_years
from landbank.domain.periods import CalendarGap
from landbank.domain.rights import check_district
from landbank.errors import InputError, NotFoundError
from landbank.services.disposal import record_step

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# the method a case takes when its decision is issued
METHOD_OF_KIND = {"fee": "idle_fee", "recovery": "reclaim"}
# the largest payment recorded (万元), as the API caps it
MAX_AMOUNT_WAN = 1e9


def _check_by(by: str) -> None:
    if not by or not by.strip():
        raise InputError("--by is required: say who acts")
    if len(by) > 128:
        raise InputError("--by: at most 128 characters")


def _refused(where: str, exc: Exception) -> InputError:
    return InputError(f"{where}: {exc}")


def _parcel(uow: Unit, code: str, districts) -> dict:
    found = disposals.subject(uow, code)
    if found is None or found["subject"] != "parcel":
        raise NotFoundError(
            f"parcel {code!r} is not in the database; a case is about a parcel "
            "(see landbank parcels list)"
        )
    check_district(districts, found["district"], "parcel", code)
    return found


def issue(
    store: Store,
    code: str,
    kind: str,
    by: str,
    on: dt.date | None = None,
    profile: str | Profile | None = None,
    districts: tuple[str, ...] | None = None,
    method: str | None = None,
    new_start_on: dt.date | None = None,
    note: str | None = None,
    cause_type: str | None = None,
    intend: str | None = None,
) -> dict:
    """Issues an act of ``kind`` on parcel ``code``'s case: checks the case allows it,
    takes the next number of the kind and year, fills the document from its template
    and keeps it. An investigation notice on a parcel with no open case opens one as
    of the notice's date. A fee decision carries the fee (the profile's share of the
    land price) and its basis; an agreement its ``method`` and ``new_start_on``; a
    determination or agreement of a government-caused case the ``cause_type`` (the
    government's act of art. 8, a key of ``GOVERNMENT_CAUSES``); a hearing notice the
    decision it announces, ``intend`` (fee or recovery; default: as the case is set).
    Returns the act as ``show`` lists it, with its ``warnings`` (blanks to fill)."""
    _check_by(by)
    prof = load_profile(profile)
    try:
        law.check_kind(kind)
    except law.ActRefused as exc:
        raise InputError(str(exc)) from None
    if kind == "agreement":
        if method not in law.AGREEMENT_METHODS:
            allowed = ", ".join(law.AGREEMENT_METHODS)
            raise InputError(f"--method: an agreement takes one of {allowed}")
        if method != "paid_recovery" and new_start_on is None:
            raise InputError("--new-start DATE: the agreement's new start deadline is required")
    elif method is not None or new_start_on is not None:
        raise InputError("--method and --new-start are for an agreement only")
    if cause_type is not None and cause_type not in GOVERNMENT_CAUSES:
        raise InputError(f"--cause-type {cause_type}: use one of {', '.join(GOVERNMENT_CAUSES)}")
    if intend is not None and intend not in ("fee", "recovery"):
        raise InputError(f"--intend {intend}: use fee or recovery")
    if intend is not None and kind != "hearing_notice":
        raise InputError("--intend is for a hearing notice")
    if cause_type is not None and kind not in ("determination", "agreement"):
        raise InputError("--cause-type is for a determination or an agreement")
    with store.write(by=by) as uow:
        today = local_day(uow.now)
        on = on or today
        parcel = _parcel(uow, code, districts)
        if parcel["retired"]:
            raise InputError(f"parcel {code} is retired (split); act on its children")
        cases.lock_parcel(uow, code)  # no two cases opened on one parcel at once
        case = disposals.open_disposal(uow, code, lock=True)
        acts = cases.acts_of(uow, case["id"]) if case is not None else []
        cause = (case["cause"] if case is not None else None) or parcel["cause"]
        where = f"parcel {code}: {kind}"
        try:
            law.check_issue(
                kind, case["status"] if case is not None else None, cause, acts, on, today,
                prof.calendar, prof.case, parcel, prof.rules,
            )  # fmt: skip
        except (law.ActRefused, CalendarGap) as exc:
            raise _refused(where, exc) from None
        if kind == "agreement" and new_start_on is not None:
            if not on < new_start_on <= add_years(on, 1):
                raise InputError(
                    f"--new-start {new_start_on}: after the agreement and within 1 year of it"
                )
        if cause_type is not None and cause != "government":
            raise InputError(
                f"--cause-type {cause_type}: the case is not government-caused "
                f"(cause is {cause or 'not recorded'})"
            )
        act = {"kind": kind, "issued_on": on, "method": method, "new_start_on": new_start_on,
               "cause_type": cause_type, "intended_kind": intend}  # fmt: skip
        if kind == "fee":
            share = prof.rules.get("idle_fee_share", 0.20)
            fee, basis = law.fee_basis(parcel["land_price_wan"], share)
            if fee is None:
                raise InputError(
                    f"parcel {code} has no land price: record it first (landbank parcels set "
                    f"{code} land_price_wan=AMOUNT --by NAME --reason TEXT)"
                )
            act.update(amount_wan=fee, fee_basis=basis)
        if case is None:
            case = _open_case(uow, parcel, on, note)
        year = on.year
        pattern = prof.case.get("numbers", {}).get(kind, kind + "〔{year}〕{n}号")
        seq, number = _next_number(uow, kind, year, pattern)
        act["number"] = number
        fields, warnings = document_fields(kind, parcel, case, act, prof.case, acts)
        if kind == "hearing_notice" and not fields.get("intended_kind"):
            raise InputError(
                f"parcel {code}: hearing_notice: the decision it announces cannot be told "
                "from the case; say it (--intend fee|recovery)"
            )
        if kind == "determination":  # the idle start as it stands now, published (art. 14)
            fields["_idle_since"] = _iso(law.idle_start(parcel))
        from landbank.io.documents import render_docx

        docx = render_docx(prof.template(kind), fields)
        act_id = cases.insert_act(
            uow,
            {
                "disposal_id": case["id"], "parcel_code": code, "kind": kind,
                "status": "issued", "number": number, "number_year": year,
                "number_seq": seq, "issued_on": on, "issued_by": by, "issued_at": uow.now,
                "fields": json.dumps(fields, ensure_ascii=False),
                "warnings": json.dumps(warnings, ensure_ascii=False), "method": method,
                "new_start_on": new_start_on, "amount_wan": act.get("amount_wan"), "note": note,
            },
        )  # fmt: skip
        keep_file(
            uow, docx, DOCX, f"{safe_filename(number)}.docx", "document", case["id"], act_id, code
        )
        if kind in METHOD_OF_KIND or kind == "agreement":
            _set_method(uow, case, METHOD_OF_KIND.get(kind) or method, number)
        _history(uow, code, f"{law.kind_label(kind)} {number} issued", note)
        shown = _show_case(uow, code, prof, today)
    made = next(a for a in shown["acts"] if a["number"] == number)
    return {**made, "warnings": warnings}


def _next_number(uow: Unit, kind: str, year: int, pattern: str) -> tuple[int, str]:
    """The next sequence of ``kind`` in ``year`` and its number from ``pattern``, past
    any number an act already carries (a paper act recorded by migration 0009 may
    carry one of the same pattern); taken under the register's lock."""
    while True:
        seq = cases.take_number(uow, kind, year)
        number = law.format_number(pattern, year, seq)
        if cases.act_by_number(uow, number) is None:
            return seq, number


def _open_case(uow: Unit, parcel: dict, on: dt.date, note: str | None) -> dict:
    """Opens a case (a disposal, state suspected) on ``parcel`` as of ``on``: its
    method follows the cause (idle fee, extend the deadline) until a decision names it."""
    cause = parcel["cause"]
    method = {"enterprise": "idle_fee", "government": "extend_deadline"}.get(cause, "other")
    values = {
        "parcel_code": parcel["code"], "subject": "parcel", "method": method,
        "status": "suspected", "cause": cause, "area_mu": parcel["area_mu"],
        "blockers": "[]", "notes": note,
    }  # fmt: skip
    disposal_id = disposals.insert_disposal(uow, values, uow.now)
    record_step(
        uow, disposal_id, parcel["code"], "open", None, "suspected", on,
        "opened by the investigation notice", None, "parcel",
    )  # fmt: skip
    return {**values, "id": disposal_id}


def _set_method(uow: Unit, case: dict, method: str, number: str) -> None:
    if case["method"] != method:
        disposals.set_method(uow, case["id"], method, uow.now)
        _history(uow, case["parcel_code"], f"method {case['method']} → {method} ({number})", None)


def _history(uow: Unit, code: str, what: str, reason: str | None) -> None:
    history.append(uow, [{"parcel_code": code, "field": "case", "new_value": what,
                          "reason": reason}])  # fmt: skip


def safe_filename(number: str) -> str:
    """A number as a file name: 〔〕 kept, path separators and spaces gone."""
    return "".join("_" if c in '/\\:*?"<>| ' else c for c in number)


def keep_file(uow: Unit, content: bytes, media_type, filename, role, disposal_id, act_id, code):
    """Stores ``content`` (once per sha256) and links it to the case and act."""
    sha = hashlib.sha256(content).hexdigest()
    file_id = attachments.put(uow, sha, media_type, content)
    return attachments.link(
        uow,
        {
            "attachment_id": file_id, "parcel_code": code, "disposal_id": disposal_id,
            "act_id": act_id, "role": role, "filename": filename, "by": uow.by, "at": uow.now,
        },
    )  # fmt: skip


def _act(uow: Unit, number: str, districts, kind: str | None = None) -> dict:
    """The act numbered ``number``, locked, in the clerk's districts, of ``kind``."""
    act = cases.act_by_number(uow, number, lock=True)
    if act is None:
        raise NotFoundError(
            f"no act is numbered {number!r}; see landbank case show CODE or landbank case numbers"
        )
    parcel = disposals.subject(uow, act["parcel_code"])
    check_district(districts, parcel["district"] if parcel else None, "parcel", act["parcel_code"])
    if kind is not None and act["kind"] != kind:
        raise InputError(f"{number} is a {act['kind']}, not a {kind}")
    return act


def _check_day(on: dt.date, today: dt.date, after: dt.date | None, what: str, option: str):
    if on > today:
        raise InputError(f"{option} {on}: cannot be in the future")
    if after is not None and on < after:
        raise InputError(f"{option} {on}: before {what} ({after})")


def serve(
    store: Store,
    number: str,
    on: dt.date,
    method: str,
    by: str,
    to: str | None = None,
    profile: str | Profile | None = None,
    districts: tuple[str, ...] | None = None,
    proof: tuple[str, bytes, str] | None = None,
) -> dict:
    """Records the service (送达) of act ``number`` on ``on`` by ``method`` to ``to``
    (default the holder), with an optional ``proof`` (filename, content, media type):
    its name and content are checked here as any attachment's (the media type given
    is not trusted), before anything is written. Serving the investigation notice moves the case to
    investigating, the determination to determined; an agreement moves the parcel's
    agreed start to its new date (not for paid recovery). Returns the case as
    ``show`` does."""
    _check_by(by)
    prof = load_profile(profile)
    if proof is not None:
        proof = _checked_proof(proof, prof)
    with store.write(by=by) as uow:
        today = local_day(uow.now)
        act = _act(uow, number, districts)
        try:
            law.check_service(act, on, method, today)
        except law.ActRefused as exc:
            raise InputError(str(exc)) from None
        parcel = disposals.subject(uow, act["parcel_code"])
        to = to or parcel["holder"]
        cases.update_act(
            uow, act["id"],
            {"served_on": on, "service_method": method, "served_to": to, "served_by": by},
        )  # fmt: skip
        code = act["parcel_code"]
        if proof is not None:
            name, content, media = proof
            keep_file(uow, content, media, name, "proof", act["disposal_id"], act["id"], code)
        case = disposals.case_by_id(uow, act["disposal_id"], lock=True)
        after = law.state_after_service(act["kind"], case["status"])
        if after is not None:
            last = disposals.last_step_on(uow, case["id"])
            if last is not None and on < last:
                raise InputError(
                    f"--on {on}: before the case's previous step ({last}); the service "
                    f"moves it to {after}, and steps are dated in order"
                )
            disposals.move_disposal(uow, case["id"], after, uow.now)
            record_step(
                uow, case["id"], code, "advance", case["status"], after, on,
                f"{law.kind_label(act['kind'])} served", number, "parcel",
            )  # fmt: skip
        how = law.SERVICE_METHODS[method]["zh"]
        _history(uow, code, f"{law.kind_label(act['kind'])} {number} served ({how}) {on}", to)
        if act["kind"] == "agreement" and act["method"] != "paid_recovery":
            from landbank.services.parcels import set_in_unit

            set_in_unit(
                uow, code, {"agreed_start_on": act["new_start_on"]},
                f"agreement {number}: the start clock restarts", prof, pd.Timestamp(today),
            )  # fmt: skip
        return _show_case(uow, code, prof, today)


def _checked_proof(proof: tuple[str, bytes, str], prof: Profile) -> tuple[str, bytes, str]:
    """A proof of service checked as any attachment: its name (``plain_name``), its
    type from its content, its size within the profile's limit."""
    from landbank.io.attachments import check_attachment, plain_name

    name, content, _ = proof
    name = plain_name(name)
    return name, content, check_attachment(name, content, prof.attachment_limit_bytes)


def record_hearing(
    store: Store,
    number: str,
    by: str,
    requested_on: dt.date | None = None,
    held_on: dt.date | None = None,
    outcome: str | None = None,
    profile: str | Profile | None = None,
    districts: tuple[str, ...] | None = None,
) -> dict:
    """Records on hearing notice ``number`` that the holder asked for a hearing
    (``requested_on``, inside the window) or that it was held (``held_on`` with its
    ``outcome``). Returns the case as ``show`` does."""
    _check_by(by)
    if (requested_on is None) == (held_on is None):
        raise InputError("give --requested-on DATE, or --held-on DATE with --outcome TEXT")
    if held_on is not None and not (outcome and outcome.strip()):
        raise InputError("--outcome TEXT: say what the hearing concluded")
    prof = load_profile(profile)
    with store.write(by=by) as uow:
        today = local_day(uow.now)
        act = _act(uow, number, districts, "hearing_notice")
        if act["status"] == "voided" or act["served_on"] is None:
            raise InputError(f"{number} has not been served; serve it first")
        code = act["parcel_code"]
        if requested_on is not None:
            if act["hearing_requested_on"] is not None:
                asked = act["hearing_requested_on"]
                raise InputError(f"{number}: a hearing was asked for on {asked}")
            _check_day(requested_on, today, act["served_on"], "the service", "--requested-on")
            try:
                end = law.hearing_window_end(act, prof.calendar, prof.case)
            except CalendarGap as exc:
                raise InputError(str(exc)) from None
            if requested_on > end:
                raise InputError(
                    f"--requested-on {requested_on}: the window to ask ended {end}; the "
                    "request is late"
                )
            cases.update_act(uow, act["id"], {"hearing_requested_on": requested_on})
            _history(uow, code, f"hearing asked for on {requested_on} ({number})", None)
        else:
            if act["hearing_requested_on"] is None:
                raise InputError(f"{number}: record the request first (--requested-on DATE)")
            if act["hearing_held_on"] is not None:
                raise InputError(f"{number}: the hearing was held on {act['hearing_held_on']}")
            _check_day(held_on, today, act["hearing_requested_on"], "the request", "--held-on")
            cases.update_act(
                uow, act["id"], {"hearing_held_on": held_on, "hearing_outcome": outcome.strip()}
            )
            _history(uow, code, f"hearing held on {held_on} ({number})", outcome.strip())
        return _show_case(uow, code, prof, today)


def record_payment(
    store: Store,
    number: str,
    amount_wan: float,
    on: dt.date,
    by: str,
    receipt: str | None = None,
    profile: str | Profile | None = None,
    districts: tuple[str, ...] | None = None,
) -> dict:
    """Records the payment of fee decision ``number``: the whole fee, on ``on``, with
    its ``receipt``. Returns the case as ``show`` does."""
    _check_by(by)
    if not (isinstance(amount_wan, int | float) and math.isfinite(amount_wan) and amount_wan > 0):
        raise InputError("--amount-wan must be a number more than 0")
    prof = load_profile(profile)
    with store.write(by=by) as uow:
        today = local_day(uow.now)
        act = _act(uow, number, districts, "fee")
        if amount_wan > MAX_AMOUNT_WAN:
            raise InputError(f"--amount-wan {amount_wan}: at most {MAX_AMOUNT_WAN:g} 万元")
        if not receipt or not receipt.strip():
            raise InputError("--receipt is required: the payment's receipt number (缴款凭证号)")
        if act["status"] == "voided" or act["served_on"] is None:
            raise InputError(f"{number} has not been served; serve it first")
        if act["paid_on"] is not None:
            raise InputError(f"{number} was paid on {act['paid_on']}")
        _check_day(on, today, act["served_on"], "the service", "--on")
        if amount_wan + 0.005 < (act["amount_wan"] or 0):
            raise InputError(
                f"--amount-wan {amount_wan}: less than the fee of {act['amount_wan']} 万元; "
                "record the whole payment"
            )
        cases.update_act(
            uow, act["id"], {"paid_amount_wan": amount_wan, "paid_on": on, "receipt": receipt}
        )
        _history(uow, act["parcel_code"], f"idle fee paid {amount_wan} 万元 on {on}", receipt)
        return _show_case(uow, act["parcel_code"], prof, today)


def record_deregistration(
    store: Store,
    number: str,
    on: dt.date,
    by: str,
    note: str | None = None,
    profile: str | Profile | None = None,
    districts: tuple[str, ...] | None = None,
) -> dict:
    """Records that the recovery of decision ``number`` is complete (the land right
    deregistered) on ``on``. Returns the case as ``show`` does."""
    _check_by(by)
    prof = load_profile(profile)
    with store.write(by=by) as uow:
        today = local_day(uow.now)
        act = _act(uow, number, districts, "recovery")
        if act["status"] == "voided" or act["served_on"] is None:
            raise InputError(f"{number} has not been served; serve it first")
        if act["deregistered_on"] is not None:
            raise InputError(f"{number}: deregistered on {act['deregistered_on']}")
        _check_day(on, today, act["served_on"], "the service", "--on")
        cases.update_act(uow, act["id"], {"deregistered_on": on})
        _history(uow, act["parcel_code"], f"land right deregistered on {on} ({number})", note)
        return _show_case(uow, act["parcel_code"], prof, today)


def void(
    store: Store,
    number: str,
    by: str,
    reason: str,
    on: dt.date | None = None,
    profile: str | Profile | None = None,
    districts: tuple[str, ...] | None = None,
) -> dict:
    """Voids act ``number`` before its service: the number stays voided (listed, never
    given again) and the kind may be issued anew. Returns the case as ``show`` does."""
    _check_by(by)
    if not reason or not reason.strip():
        raise InputError("--reason is required: say why the act is voided")
    prof = load_profile(profile)
    with store.write(by=by) as uow:
        today = local_day(uow.now)
        on = on or today
        act = _act(uow, number, districts)
        if act["status"] != "issued":
            raise InputError(f"{number} is {act['status']}; only an issued act is voided")
        if act["served_on"] is not None:
            raise InputError(
                f"{number} was served on {act['served_on']}: a served act stands; issue a "
                "new decision instead"
            )
        _check_day(on, today, act["issued_on"], "its issue", "--on")
        cases.update_act(
            uow, act["id"], {"status": "voided", "voided_on": on, "void_reason": reason.strip()}
        )
        _history(uow, act["parcel_code"], f"{number} voided", reason.strip())
        return _show_case(uow, act["parcel_code"], prof, today)


def _act_shown(
    act: dict, prof: Profile, today: dt.date, files: list[dict], state: str, acts: list[dict]
) -> dict:
    """One act as it is shown: its columns (ISO dates), its labels and deadlines (none
    overdue once the case has ended, has moved past the state the deadline is of, or
    a later act among the case's ``acts`` settled it)."""
    try:
        due = law.deadlines(act, prof.calendar, prof.case)
    except CalendarGap as exc:  # pragma: no cover - deadlines() catches per period
        raise InputError(str(exc)) from None
    out = {
        "number": act["number"],
        "kind": act["kind"],
        "kind_zh": law.kind_label(act["kind"]),
        "status": act["status"],
        "issued_on": _iso(act["issued_on"]),
        "issued_by": act["issued_by"],
        "served_on": _iso(act["served_on"]),
        "service_method": act["service_method"],
        "served_to": act["served_to"],
        "deadlines": [
            {
                "what": d.what,
                "what_zh": law.deadline_label(d.what, "zh"),
                "due_on": _iso(d.due_on),
                "met_on": _iso(d.met_on),
                "overdue": d.met_on is None
                and d.due_on is not None
                and d.due_on < today
                and law.still_running(d.what, state)
                and not law.settled(d.what, acts),
                **({"note": d.note} if d.note else {}),
            }
            for d in due
        ],
        "files": [
            {
                "role": f["role"],
                "filename": f["filename"],
                "sha256": f["sha256"],
                "size_bytes": f["size_bytes"],
                "link_id": f["id"],
            }
            for f in files
            if f["act_id"] == act["id"]
        ],  # fmt: skip
        "warnings": json.loads(act["warnings"] or "[]"),
        "note": act["note"],
    }
    extra = {
        "fee": ("amount_wan", "paid_amount_wan", "paid_on", "receipt"),
        "recovery": ("deregistered_on",),
        "hearing_notice": ("hearing_requested_on", "hearing_held_on", "hearing_outcome"),
        "agreement": ("method", "new_start_on"),
    }.get(act["kind"], ())
    for key in extra:
        out[key] = _iso(act[key]) if isinstance(act[key], dt.date) else act[key]
    if act["kind"] == "fee" and act["fields"]:
        out["fee_basis"] = json.loads(act["fields"]).get("fee_basis")
    if act["status"] == "voided":
        out.update(voided_on=_iso(act["voided_on"]), void_reason=act["void_reason"])
    return out


def _show_case(uow: Unit, code: str, prof: Profile, today: dt.date) -> dict:
    case = cases.latest_case(uow, code)
    if case is None:
        raise NotFoundError(
            f"parcel {code} has no case; open one with landbank case issue {code} "
            "investigation --by NAME"
        )
    acts = cases.acts_of(uow, case["id"])
    files = attachments.links(uow, disposal_id=case["id"])
    return {
        "code": code,
        "case_id": case["id"],
        "state": case["status"],
        "state_zh": _state_zh(case["status"]),
        "method": case["method"],
        "method_zh": METHODS.get(case["method"], {}).get("zh", case["method"]),
        "cause": case["cause"],
        "acts": [_act_shown(a, prof, today, files, case["status"], acts) for a in acts],
        "evidence": [
            {
                "filename": f["filename"],
                "media_type": f["media_type"],
                "sha256": f["sha256"],
                "size_bytes": f["size_bytes"],
                "note": f["note"],
                "by": f["by"],
                "at": f["at"].isoformat() if f["at"] else None,
                "link_id": f["id"],
            }
            for f in files
            if f["role"] == "evidence"
        ],  # fmt: skip
    }


def _state_zh(state: str) -> str:
    from landbank.domain.disposal import STATES

    return STATES.get(state, {}).get("zh", state)


def show(
    store: Store, code: str, profile: str | Profile | None = None, today: dt.date | None = None
) -> dict:
    """Parcel ``code``'s newest case: its state, method and cause, its acts (number,
    kind, issued_on, served_on, deadlines as ``{what, due_on, met_on, overdue}``,
    files, the kind's own fields) and its evidence."""
    prof = load_profile(profile)
    with store.read() as uow:
        return _show_case(uow, code, prof, today or local_day(uow.now))


def numbers(store: Store, year: int | None = None, kind: str | None = None) -> list[dict]:
    """The register of numbers: each numbered act (voided ones too) by kind and
    sequence: number, kind, year, seq, status, issued_on, parcel_code, voided_on,
    void_reason."""
    if kind is not None and kind not in law.KINDS:
        raise InputError(f"--kind {kind}: use one of {', '.join(law.KINDS)}")
    with store.read() as uow:
        return [
            {k: _iso(v) if isinstance(v, dt.date) else v for k, v in r.items()}
            for r in cases.numbers(uow, year, kind)
        ]


def document(store: Store, number: str, role: str = "document") -> tuple[str, bytes]:
    """The file name and bytes of act ``number``'s document (``role`` document or pdf)."""
    with store.read() as uow:
        act = cases.act_by_number(uow, number)
        if act is None:
            raise NotFoundError(f"no act is numbered {number!r}; see landbank case numbers")
        found = attachments.links(uow, act_id=act["id"], role=role)
        if not found:
            raise NotFoundError(f"{number} has no {role} kept")
        return found[-1]["filename"], attachments.content(uow, found[-1]["attachment_id"])


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
