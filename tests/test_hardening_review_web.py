"""Issue 15, what a review found in the web hardening, on both engines: the edge guard
reads the media type as FastAPI and Starlette do (any case, with parameters, or none)
so no body the app parses escapes its check, and reads forms with python-multipart; a
database gone while the guard reads a token is a 503 with one line, not a bare 500;
the sign-in limit forgets old windows in a transaction of its own that waits for no
other sign-in; ``users signout`` is one service call; one check of a date's range."""

from __future__ import annotations

import datetime as dt
import json
import threading
from urllib.parse import quote

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from landbank.db.models import LoginFailure
from landbank.domain.dates import check_plausible, date_problem
from landbank.errors import InputError, NotFoundError
from landbank.services import users as user_service
from landbank.services.parcels import show_parcel
from landbank.services.users import add_user, get_user, sign_out_user
from landbank.web.app import create_app
from landbank.web.security import bearer_token
from tests import test_hardening_web_input as web_input
from tests.helpers import store_of

API = web_input.API
city, app, client, admin = web_input.city, web_input.app, web_input.client, web_input.admin
LF = LoginFailure.__table__


def _refused(r, status: int, field: str, word: str) -> None:
    assert r.status_code == status, (r.status_code, r.text[:300])
    detail = r.json()["detail"]
    assert detail[0]["field"] == field, detail
    assert word in detail[0]["message"], detail


# ---- item 1: the media type as FastAPI reads it ---------------------------------------


@pytest.mark.parametrize(
    "kind",
    [
        "Application/JSON",
        "application/json; charset=utf-8",
        "APPLICATION/JSON ; Charset=UTF-8",
        "application/merge-patch+JSON",
        None,  # FastAPI reads no JSON without a type; checked all the same
        "text/plain",
    ],
)
def test_nul_in_json_is_refused_whatever_the_content_type(city, client, admin, kind):
    code = city["codes"][5]
    before = show_parcel(store_of(city["url"]), code)
    body = json.dumps({"fields": {"holder": "a\x00b"}, "reason": "核实"}).encode()
    headers = {**admin, **({"Content-Type": kind} if kind else {})}
    r = client.patch(f"{API}/parcels/{quote(code)}", content=body, headers=headers)
    _refused(r, 422, "fields.holder", "NUL")
    after = show_parcel(store_of(city["url"]), code)
    assert after["version"] == before["version"] and "\x00" not in (after["holder"] or "")


@pytest.mark.parametrize(
    "kind",
    [
        "Application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=UTF-8",
        "APPLICATION/X-WWW-FORM-URLENCODED",
    ],
)
def test_nul_in_a_sign_in_form_is_refused_whatever_the_case(client, kind):
    r = client.post(
        f"{API}/auth/token",
        content=b"username=ad%00min&password=x",
        headers={"Content-Type": kind},
    )
    _refused(r, 422, "username", "NUL")


@pytest.mark.parametrize(
    "kind", ["Multipart/Form-Data; boundary=XyZ", 'multipart/form-data; boundary="XyZ"']
)
def test_nul_in_a_multipart_form_names_its_field(client, kind):
    """Read by python-multipart: the field's name from its Content-Disposition (a
    ``filename`` before the ``name`` used to be taken for it), the boundary quoted."""
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="password"\r\n\r\n'
        b"x\r\n--XyZ-not-a-boundary\r\n"
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; filename="a.txt"; name="username"\r\n\r\n'
        b"ad\x00min\r\n"
        b"--XyZ--\r\n"
    )
    r = client.post(f"{API}/auth/token", content=body, headers={"Content-Type": kind})
    _refused(r, 422, "username", "NUL")


def test_clean_bodies_in_any_case_still_pass(city, client, admin):
    code = city["codes"][5]
    body = json.dumps({"fields": {"holder": "某公司"}, "reason": "核实"}).encode()
    r = client.patch(
        f"{API}/parcels/{quote(code)}",
        content=body,
        headers={**admin, "Content-Type": "Application/JSON; charset=UTF-8"},
    )
    assert r.status_code == 200, r.text
    assert show_parcel(store_of(city["url"]), code)["holder"] == "某公司"
    r = client.post(
        f"{API}/auth/token",
        content=f"username={web_input.ADMIN}&password={quote(web_input.PASSWORD)}".encode(),
        headers={"Content-Type": "Application/X-WWW-Form-Urlencoded"},
    )
    assert r.status_code == 200, r.text


# ---- item 2: one reading of a bearer token and of cookies -----------------------------


def test_one_bearer_reading_for_the_guard_and_the_routes(city, client, admin):
    assert bearer_token("Bearer abc ") == "abc"
    assert bearer_token("bearer abc") == "abc"
    assert bearer_token("Basic abc") is None
    assert bearer_token("Bearer ") is None
    assert bearer_token(None) is None
    token = admin["Authorization"].split(" ", 1)[1]
    code = city["codes"][5]
    r = client.patch(
        f"{API}/parcels/{quote(code)}",
        json={"fields": {"holder": "乙公司"}, "reason": "核实"},
        headers={"Authorization": f"BEARER   {token}"},
    )
    assert r.status_code == 200, r.text


def test_the_session_cookie_among_others_and_quoted(city, app):
    """The guard reads cookies as Starlette does for the route."""
    user = get_user(store_of(city["url"]), web_input.ADMIN)
    token = app.state.service.signer.token(user.name, user.id, user.token_version)
    fresh = TestClient(app)
    r = fresh.post(
        "/logout",
        headers={"Cookie": f'theme=dark; landbank_session="{token}"; lang=zh'},
        follow_redirects=False,
    )
    # signed in by the guard (not sent to the sign-in form); the page's own CSRF check
    # refuses a post without its token
    assert r.status_code == 403 and "location" not in r.headers, (r.status_code, r.headers)


# ---- item 3: the database gone while the guard reads a token --------------------------


def _go_away(url: str) -> None:
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        import os

        os.remove(path)
        store_of(url).engine.dispose()  # the next read opens the file anew: gone
    else:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_a_database_gone_is_a_503_with_one_line_not_a_500(db_url):
    add_user(store_of(db_url), "admin", "admin", "admin password")
    service_app = create_app(db_url)
    with TestClient(service_app, raise_server_exceptions=False) as web:
        r = web.post(f"{API}/auth/token", data={"username": "admin", "password": "admin password"})
        token = r.json()["access_token"]
        _go_away(db_url)
        r = web.patch(
            f"{API}/parcels/X-1",
            json={"fields": {"holder": "甲"}, "reason": "核实"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert r.status_code == 503, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json")
    detail = r.json()["detail"]
    assert isinstance(detail, str) and detail and "\n" not in detail
    assert "Traceback" not in detail


def test_a_database_gone_during_a_read_route_is_a_503_not_a_500(db_url):
    """Past the guard (a GET reads no body): the route's own database work finds the
    database gone; the app answers 503 in one line, as the guard does."""
    add_user(store_of(db_url), "admin", "admin", "admin password")
    service_app = create_app(db_url)
    with TestClient(service_app, raise_server_exceptions=False) as web:
        r = web.post(f"{API}/auth/token", data={"username": "admin", "password": "admin password"})
        token = r.json()["access_token"]
        _go_away(db_url)
        r = web.get(f"{API}/parcels", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 503, (r.status_code, r.text[:300])
    detail = r.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and "postgres" not in detail


# ---- item 4: forgetting old windows waits for no sign-in ------------------------------


def _rows(url: str) -> dict[str, float]:
    with store_of(url).read() as uow:
        return dict(uow.execute(select(LF.c.key, LF.c.since)).all())


def test_old_windows_are_forgotten_in_a_transaction_of_their_own(db_url, monkeypatch):
    now = 1_000_000.0
    with store_of(db_url).write() as uow:
        uow.execute(
            insert(LF),
            [
                {"key": "user:old", "failures": 3, "since": now - 10_000},
                {"key": "user:held", "failures": 3, "since": now - 10_000},
                {"key": "user:recent", "failures": 2, "since": now - 10},
            ],
        )
    monkeypatch.setattr(user_service.secrets, "randbelow", lambda n: 0)  # tidy this time
    holder = None
    if db_url.startswith("postgresql"):
        # another sign-in holds the row of "held" (a transaction left open)
        holder = psycopg.connect(db_url)
        holder.execute("SELECT 1 FROM login_failure WHERE key = 'user:held' FOR UPDATE")
    done = threading.Event()
    result: list = []

    def sign_in():
        result.append(
            user_service.begin_sign_in(store_of(db_url), "10.0.0.1", "me", 5, 300.0, now=now)
        )
        done.set()

    worker = threading.Thread(target=sign_in, daemon=True)
    worker.start()
    try:
        # a guard against a hang, not a timing: the try ends while the lock is held
        finished = done.wait(60)
    finally:
        if holder is not None:
            holder.rollback()
            holder.close()
        worker.join(60)
    assert finished, "begin_sign_in waited for a row another sign-in holds"
    assert result == [0]
    rows = _rows(db_url)
    assert "user:old" not in rows and "user:recent" in rows
    assert {"addr:10.0.0.1", "user:me"} <= set(rows)
    assert ("user:held" in rows) == (holder is not None)  # skipped while held


def test_a_right_password_forgets_the_name_and_gives_back_the_try(db_url):
    for _ in range(3):
        assert user_service.begin_sign_in(store_of(db_url), "10.0.0.2", " Me ", 5, 300.0) == 0
    user_service.sign_in_succeeded(store_of(db_url), "10.0.0.2", "me")
    with store_of(db_url).read() as uow:
        rows = dict(uow.execute(select(LF.c.key, LF.c.failures)).all())
    assert rows == {"addr:10.0.0.2": 2}


# ---- item 5: users signout, one service call ------------------------------------------


def test_sign_out_user_is_one_call_and_refuses_an_unknown_name(db_url, cli):
    add_user(store_of(db_url), "clerk1", "clerk", "clerk password", districts="薛城区")
    version = get_user(store_of(db_url), "clerk1").token_version
    assert sign_out_user(store_of(db_url), "clerk1") == {"name": "clerk1", "signed_out": True}
    assert get_user(store_of(db_url), "clerk1").token_version != version
    with pytest.raises(NotFoundError, match="nobody does not exist"):
        sign_out_user(store_of(db_url), "nobody")
    r = cli("users", "signout", "nobody", db=db_url)
    assert r.exit_code == 1
    line = r.stderr.strip()
    assert "nobody" in line and "\n" not in line and "Traceback" not in line
    r = cli("users", "signout", "clerk1", "--json", db=db_url)
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout) == {"name": "clerk1", "signed_out": True}


# ---- item 6: one check of a date's range ----------------------------------------------


def test_one_date_range_check_for_the_api_and_the_pages():
    bounds = (dt.date(1949, 10, 1), dt.date(2100, 12, 31))
    assert date_problem(dt.date(2024, 3, 1), bounds) is None
    problem = date_problem(dt.date(1, 1, 1), bounds)
    assert problem == "0001-01-01 is not between 1949-10-01 and 2100-12-31; check the year"
    assert check_plausible(None, bounds, "on") is None
    assert check_plausible(dt.date(2024, 3, 1), bounds, "on") == dt.date(2024, 3, 1)
    with pytest.raises(InputError) as caught:
        check_plausible(dt.date(9999, 12, 31), bounds, "planned_on")
    assert str(caught.value).startswith("planned_on 9999-12-31 is not between 1949-10-01")
