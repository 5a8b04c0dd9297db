"""Issue 15, items 12, 13 and 16 on both engines: every write route refuses a clerk
outside their district and a viewer (the list of write routes is read from the app, so
a new one cannot escape), projects are replaced only by who stored them or an admin,
the sign-in limit holds for tries sent at once to two workers, and tokens end at once
on sign-out, a change of password or role, and deletion (checked through a second app
on the same database, standing for another worker)."""

from __future__ import annotations

import base64
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import fastapi.routing
import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import text

from landbank.db.engine import make_engine
from landbank.errors import NotFoundError
from landbank.services import disposal as disposal_service
from landbank.services.parcels import list_parcels
from landbank.services.users import add_user, delete_user, end_tokens, get_user
from landbank.web.app import create_app
from landbank.web.security import SESSION_COOKIE
from tests import test_web_api as web_api
from tests.helpers import store_of, table_counts
from tests.test_web_api import API, CLERK_DISTRICT, PASSWORDS, _parcel

# the sample city of the API tests, with its users admin, clerk (of 薛城区) and viewer
city_templates, city, app, client = (
    web_api.city_templates, web_api.city, web_api.app, web_api.client
)  # fmt: skip
admin, clerk, viewer = web_api.admin, web_api.clerk, web_api.viewer

OTHER = "市中区"  # the district the clerk of 薛城区 may not write
FLOOR = "LY-0002:F1"  # a vacant floor of a building of 市中区
PROJECT = "管理员的项目"
REQUIREMENT = {"name": PROJECT, "industry": "3811", "land": {"area_mu_min": 5}}
# routes that write nothing anyone else owns: signing in and out
NOT_WRITES = {
    ("POST", f"{API}/auth/token"),
    ("POST", f"{API}/auth/logout"),
    ("POST", "/login"),
    ("POST", "/logout"),
}
READS = {("POST", f"{API}/match")}  # a POST for its body; it writes nothing


def _write_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route of the app that may write: POST, PUT, PATCH or
    DELETE (routers included with a prefix flattened, where FastAPI keeps them nested)."""
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    found = set()
    for route in flatten(app.routes) if flatten else app.routes:
        original = getattr(route, "original_route", route)
        if not isinstance(original, APIRoute):
            continue
        for method in route.methods or ():
            if method in ("POST", "PUT", "PATCH", "DELETE"):
                found.add((method, route.path))
    return sorted(found)


# (method, path) -> how to ask it to write something of 市中区: (code for the path,
# body, query) from ``t``, the codes of _targets. A page route's body is a form, an
# API route's JSON. A route missing here fails the test below: add it.
WRITES = {
    ("PATCH", f"{API}/parcels/{{code}}"): lambda t: (
        t["free"], {"fields": {"holder": "x"}, "reason": "r"}, ""),
    ("POST", f"{API}/parcels/{{code}}/disposals"): lambda t: (
        t["free"], {"method": "start_construction"}, ""),
    ("POST", f"{API}/parcels/{{code}}/disposals/advance"): lambda t: (
        t["open"], {"to": "investigating"}, ""),
    ("POST", f"{API}/parcels/{{code}}/disposals/block"): lambda t: (
        t["open"], {"kind": "mortgage"}, ""),
    ("POST", f"{API}/parcels/{{code}}/disposals/unblock"): lambda t: (
        t["open"], {"kind": "mortgage"}, ""),
    ("POST", f"{API}/projects"): lambda t: (None, {**REQUIREMENT, "industry": "3812"},
                                            "replace=true"),
    ("POST", f"{API}/reservations"): lambda t: (
        None, {"codes": [t["free"], FLOOR], "project": PROJECT}, ""),
    ("POST", f"{API}/reservations/release"): lambda t: (
        None, {"codes": [t["reserved"]], "project": PROJECT}, ""),
    # a run grades the whole city: refused to a clerk of some districts before any read
    ("POST", f"{API}/evaluations"): lambda t: (None, {"year": 2025}, ""),
    ("POST", "/parcels/{code}/edit"): lambda t: (
        t["free"], {"f_holder": "x", "reason": "r", "version": "1"}, ""),
    ("POST", "/parcels/{code}/disposal/open"): lambda t: (
        t["free"], {"method": "start_construction"}, ""),
    ("POST", "/parcels/{code}/disposal/advance"): lambda t: (
        t["open"], {"to": "investigating"}, ""),
    ("POST", "/parcels/{code}/disposal/blocker"): lambda t: (
        t["open"], {"kind": "mortgage", "blocked": "1"}, ""),
    # the idle-land case: ``case`` a parcel of 市中区 with a case, ``act`` its served notice;
    # a fourth item sends the body as a form, with those files
    ("POST", f"{API}/cases/{{code}}/acts"): lambda t: (
        t["case"], {"kind": "determination", "on": "2026-09-10"}, ""),
    ("POST", f"{API}/acts/{{number}}/service"): lambda t: (
        t["act"], {"on": "2026-09-10", "method": "direct"}, "", {}),
    ("POST", f"{API}/acts/{{number}}/hearing"): lambda t: (
        t["act"], {"requested_on": "2026-09-10"}, ""),
    ("POST", f"{API}/acts/{{number}}/payment"): lambda t: (
        t["act"], {"amount_wan": 1, "on": "2026-09-10"}, ""),
    ("POST", f"{API}/acts/{{number}}/deregistration"): lambda t: (
        t["act"], {"on": "2026-09-10"}, ""),
    ("POST", f"{API}/acts/{{number}}/void"): lambda t: (t["act"], {"reason": "r"}, ""),
    ("POST", f"{API}/cases/{{code}}/attachments"): lambda t: (
        t["case"], {"note": "n"}, "", {"file": ("e.pdf", PDF, "application/pdf")}),
    ("POST", "/cases/{code}/issue"): lambda t: (t["case"], {"kind": "determination"}, ""),
    ("POST", "/cases/{code}/attach"): lambda t: (
        t["case"], {}, "", {"file": ("e.pdf", PDF, "application/pdf")}),
    ("POST", "/acts/{number}/serve"): lambda t: (
        t["act"], {"on": "2026-09-10", "method": "direct"}, ""),
    ("POST", "/acts/{number}/hearing"): lambda t: (
        t["act"], {"on": "2026-09-10", "action": "requested"}, ""),
    ("POST", "/acts/{number}/pay"): lambda t: (
        t["act"], {"on": "2026-09-10", "amount_wan": "1"}, ""),
    ("POST", "/acts/{number}/deregister"): lambda t: (t["act"], {"on": "2026-09-10"}, ""),
    ("POST", "/acts/{number}/void"): lambda t: (t["act"], {"reason": "r"}, ""),
    # field survey: ``survey`` a survey of 市中区 whose task ``task`` waits for a review
    # with record ``record``; a clerk and a viewer submit nothing (surveyors do)
    ("POST", f"{API}/surveys"): lambda t: (
        None, {"name": "越区排摸", "assign": SURVEYOR, "codes": [t["free"]]}, ""),
    ("POST", f"{API}/surveys/{{name}}/review"): lambda t: (
        t["survey"], {"code": t["surveyed"], "decision": "accept"}, ""),
    ("POST", f"{API}/tasks/{{task_id}}/records"): lambda t: (
        t["task"], {"idempotency_key": "k", "seen_version": 1,
                    "values": {"site_status": "other"}}, ""),
    ("POST", f"{API}/records/{{record_id}}/photos"): lambda t: (
        t["record"], {}, "", {"file": ("p.png", PNG, "image/png")}),
    ("POST", "/surveys/{name}/review"): lambda t: (
        t["survey"], {"code": t["surveyed"], "decision": "accept"}, ""),
}  # fmt: skip


# a small real PDF, for the routes that take a file
def _pdf() -> bytes:
    """A whole one-page PDF (an attachment must open), made with Pillow."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buf, "PDF")
    return buf.getvalue()


PDF = _pdf()


def _png() -> bytes:
    """A whole 2×2 PNG, made with Pillow (a survey photo)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (2, 2), "green").save(buf, "PNG")
    return buf.getvalue()


PNG = _png()
SURVEYOR = "排摸员"


def _fingerprint(db_url: str) -> dict:
    """Row counts and versions; what reservations hold, projects ask, parcels say, and
    the steps disposals took."""
    found = dict(table_counts(db_url))
    queries = {
        "active": "SELECT project_name, parcel_code, building_code, vacancy_key "
        "FROM reservation WHERE released_at IS NULL",
        "projects": "SELECT name, industry, created_by FROM project",
        "holders": "SELECT code, holder FROM parcel",
        "steps": "SELECT disposal_id, count(*) FROM disposal_step GROUP BY disposal_id",
        "acts": "SELECT number, status, served_on, hearing_requested_on, paid_on, "
        "deregistered_on FROM case_act",
        "files": "SELECT role, filename FROM attachment_link",
        "numbers": "SELECT kind, year, last_seq FROM doc_number_seq",
    }
    engine = make_engine(db_url)
    with engine.connect() as conn:
        for key, sql in queries.items():
            found[key] = sorted(tuple(map(str, r)) for r in conn.execute(text(sql)))
    engine.dispose()
    return found


def _has_disposal(city: str, code: str) -> bool:
    try:
        disposal_service.show_disposal(store_of(city), code)
    except NotFoundError:
        return False
    return True


def _targets(city: str, client: TestClient, admin: dict) -> dict:
    """Codes of 市中区: a parcel without a disposal, one with an open disposal, and a
    parcel reserved (by the admin) for the admin's project."""
    t = {
        "free": _parcel(city, OTHER, None, None),
        "open": _parcel(city, OTHER, "supplied_not_used", "open"),
    }
    r = client.post(f"{API}/projects", json=REQUIREMENT, headers=admin)
    assert r.status_code == 201, r.text
    t["reserved"] = next(
        p["code"]
        for p in list_parcels(store_of(city))
        if p["district"] == OTHER and p["code"] not in (t["free"], t["open"])
    )
    r = client.post(
        f"{API}/reservations", json={"codes": [t["reserved"]], "project": PROJECT}, headers=admin
    )
    assert r.status_code == 201, r.text
    # a case of 市中区 with its investigation notice served (the admin acts everywhere)
    t["case"] = next(
        p["code"]
        for p in list_parcels(store_of(city))
        if p["district"] == OTHER and p["code"] not in t.values()
        and not _has_disposal(city, p["code"])
    )  # fmt: skip
    r = client.post(
        f"{API}/cases/{quote(t['case'], safe='')}/acts",
        json={"kind": "investigation", "on": "2026-09-01"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    t["act"] = r.json()["number"]
    r = client.post(
        f"{API}/acts/{quote(t['act'], safe='')}/service",
        data={"on": "2026-09-03", "method": "direct"},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    # a survey of 市中区 whose record waits for a review (the admin made it)
    t["surveyed"] = next(
        p["code"] for p in list_parcels(store_of(city))
        if p["district"] == OTHER and p["code"] not in t.values()
    )  # fmt: skip
    add_user(store_of(city), SURVEYOR, "surveyor", "surveyor password", OTHER)
    t["survey"] = "市中区排摸"
    body = {"name": t["survey"], "assign": SURVEYOR, "codes": [t["surveyed"]]}
    r = client.post(f"{API}/surveys", json=body, headers=admin)
    assert r.status_code == 201, r.text
    task = r.json()["tasks"][0]
    token = client.post(
        f"{API}/auth/token", data={"username": SURVEYOR, "password": "surveyor password"}
    ).json()["access_token"]
    seen = client.get(
        f"{API}/tasks/{task['task_id']}", headers={"Authorization": f"Bearer {token}"}
    )
    body = {"idempotency_key": "k0", "seen_version": seen.json()["target"]["version"],
            "values": {"site_status": "other"}}  # fmt: skip
    r = client.post(f"{API}/tasks/{task['task_id']}/records", json=body,
                    headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert r.status_code == 201, r.text
    t["task"], t["record"] = str(task["task_id"]), str(r.json()["record_id"])
    return t


def _page_client(app, name: str) -> tuple[TestClient, str]:
    """A browser signed in as ``name`` and its CSRF token."""
    browser = TestClient(app)
    login = browser.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]*)"', login).group(1)
    r = browser.post(
        "/login",
        data={"username": name, "password": PASSWORDS[name], "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    home = browser.get("/").text
    return browser, re.search(r'name="csrf_token" value="([^"]*)"', home).group(1)


def _ask(api: TestClient, pages: dict, who: str, headers: dict, method, path, t) -> int:
    code, body, query, *form = WRITES[(method, path)](t)
    files = form[0] if form else None  # a form, with these files
    url = re.sub(r"\{[^}]+\}", quote(code or "", safe=""), path) + (f"?{query}" if query else "")
    if path.startswith(API):
        if files is not None:
            sent = api.request(method, url, data=body, files=files or None, headers=headers)
            return sent.status_code
        return api.request(method, url, json=body, headers=headers).status_code
    browser, csrf = pages[who]
    data = {**body, "csrf_token": csrf}
    sent = browser.request(method, url, data=data, files=files or None, follow_redirects=False)
    return sent.status_code


def test_every_write_route_refuses_a_clerk_of_another_district_and_a_viewer(
    app, client, city, admin, clerk, viewer
):
    routes = [r for r in _write_routes(app) if r not in NOT_WRITES | READS]
    missing = [r for r in routes if r not in WRITES]
    assert not missing, f"write routes with no entry in WRITES (add one): {missing}"
    assert len(routes) >= 12
    t = _targets(city, client, admin)
    pages = {who: _page_client(app, who) for who in ("clerk", "viewer")}
    before = _fingerprint(city)
    for who, headers in (("clerk", clerk), ("viewer", viewer)):
        for method, path in routes:
            status = _ask(client, pages, who, headers, method, path, t)
            assert status == 403, (who, method, path, status)
    assert _fingerprint(city) == before
    # the clerk's refusals name the district; the same clerk writes in their own
    r = client.post(
        f"{API}/reservations", json={"codes": [FLOOR], "project": PROJECT}, headers=clerk
    )
    assert (
        r.status_code == 403
        and OTHER in r.json()["detail"]
        and CLERK_DISTRICT in r.json()["detail"]
    )
    mine = _parcel(city, CLERK_DISTRICT, "supplied_not_used", None)
    body = {"codes": [mine], "project": PROJECT}
    r = client.post(f"{API}/reservations", json=body, headers=clerk)
    assert r.status_code == 201, r.text
    r = client.post(
        f"{API}/reservations/release", json={"codes": [mine], "project": PROJECT}, headers=clerk
    )
    assert r.status_code == 200, r.text
    # a release of one code of 市中区 among the clerk's own refuses the whole release
    client.post(f"{API}/reservations", json={"codes": [mine], "project": PROJECT}, headers=clerk)
    r = client.post(
        f"{API}/reservations/release",
        json={"codes": [mine, t["reserved"]], "project": PROJECT},
        headers=clerk,
    )
    assert r.status_code == 403
    assert len(_fingerprint(city)["active"]) == len(before["active"]) + 1


def test_a_project_is_replaced_only_by_who_stored_it_or_an_admin(client, city, admin, clerk):
    ours = {"name": "经办的项目", "industry": "3811", "land": {"area_mu_min": 5}}
    assert client.post(f"{API}/projects", json=ours, headers=clerk).status_code == 201
    assert client.post(f"{API}/projects", json=REQUIREMENT, headers=admin).status_code == 201
    before = _fingerprint(city)
    r = client.post(f"{API}/projects?replace=true", json=REQUIREMENT, headers=clerk)
    assert r.status_code == 403 and "admin" in r.json()["detail"]
    assert _fingerprint(city) == before
    changed = {**ours, "industry": "3812"}
    r = client.post(f"{API}/projects?replace=true", json=changed, headers=clerk)
    assert r.status_code == 201 and r.json()["replaced"]
    r = client.post(f"{API}/projects?replace=true", json=ours, headers=admin)
    assert r.status_code == 201 and r.json()["replaced"]


def test_the_command_line_is_the_operator_and_writes_everywhere(cli, city):
    """Whoever runs the command line holds the database itself (its file, or its
    PostgreSQL credentials): --by records a name, the district rule is the service's."""
    code = _parcel(city, OTHER, None, None)
    project = "data/projects/new_energy_equipment.toml"
    assert cli("projects", "add", project, "--by", "李", db=city).exit_code == 0
    r = cli("reserve", code, "--project", "新能源装备制造项目", "--by", "李", db=city)
    assert r.exit_code == 0, r.stderr


# ---- tokens end at once ------------------------------------------------------------


@pytest.fixture
def two(db_url):
    """Two apps on one database (two workers) and a clerk 王 signed in on the first."""
    add_user(store_of(db_url), "王", "clerk", "correct horse", "薛城区")
    first, second = TestClient(create_app(db_url)), TestClient(create_app(db_url))
    r = first.post("/api/v1/auth/token", data={"username": "王", "password": "correct horse"})
    assert r.status_code == 200
    token = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert second.get("/api/v1/me", headers=token).status_code == 200
    return first, second, token


def test_sign_out_ends_the_token_in_every_worker(two):
    first, second, token = two
    assert first.post("/api/v1/auth/logout", headers=token).status_code == 204
    assert second.get("/api/v1/me", headers=token).status_code == 401
    assert first.get("/api/v1/me", headers=token).status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        ("clerk", "another horse", "薛城区"),  # a new password
        ("viewer", "correct horse", None),  # a new role
        ("clerk", "correct horse", "市中区"),  # other districts
    ],
)
def test_a_change_of_password_role_or_districts_ends_the_token(two, db_url, change):
    first, second, token = two
    add_user(store_of(db_url), "王", change[0], change[1], change[2], replace=True)
    assert second.get("/api/v1/me", headers=token).status_code == 401
    r = second.post("/api/v1/auth/token", data={"username": "王", "password": change[1]})
    fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert second.get("/api/v1/me", headers=fresh).json()["role"] == change[0]


def test_a_deleted_user_made_again_under_the_name_has_none_of_the_old_tokens(two, db_url, cli):
    first, second, token = two
    r = cli("users", "delete", "王", db=db_url)
    assert r.exit_code == 0, r.stderr
    assert second.get("/api/v1/me", headers=token).status_code == 401
    add_user(store_of(db_url), "王", "admin", "correct horse")
    assert second.get("/api/v1/me", headers=token).status_code == 401
    r = cli("users", "delete", "nobody", db=db_url)
    assert r.exit_code == 1 and "users list" in r.stderr


def test_users_signout_ends_every_token_of_the_user(two, db_url, cli):
    first, second, token = two
    r = cli("users", "signout", "王", db=db_url)
    assert r.exit_code == 0, r.stderr
    assert second.get("/api/v1/me", headers=token).status_code == 401
    r = cli("users", "signout", "nobody", db=db_url)
    assert r.exit_code == 1 and "users list" in r.stderr


def test_signing_out_of_the_pages_ends_the_cookie_in_every_worker(db_url):
    add_user(store_of(db_url), "王", "clerk", "correct horse", "薛城区")
    first, second = TestClient(create_app(db_url)), TestClient(create_app(db_url))
    login = first.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]*)"', login).group(1)
    r = first.post(
        "/login",
        data={"username": "王", "password": "correct horse", "csrf_token": csrf, "next": "/"},
        follow_redirects=False,
    )
    cookie = r.cookies[SESSION_COOKIE]
    second.cookies.set(SESSION_COOKIE, cookie)
    assert second.get("/", follow_redirects=False).status_code == 200
    home = first.get("/").text
    csrf = re.search(r'name="csrf_token" value="([^"]*)"', home).group(1)
    out = first.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    # a copy of the cookie kept elsewhere opens nothing any more
    r = second.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_a_kept_basic_credential_ends_with_a_password_change(db_url):
    add_user(store_of(db_url), "王", "viewer", "correct horse")
    gis = TestClient(create_app(db_url))
    basic = {"Authorization": "Basic " + base64.b64encode("王:correct horse".encode()).decode()}
    assert gis.get("/ogc/collections", headers=basic).status_code == 200
    add_user(store_of(db_url), "王", "viewer", "another horse", replace=True)
    assert gis.get("/ogc/collections", headers=basic).status_code == 401
    delete_user(store_of(db_url), "王")


# ---- the sign-in limit across workers ----------------------------------------------


def test_forty_wrong_passwords_at_once_to_two_workers_get_five_tries(db_url):
    add_user(store_of(db_url), "王", "clerk", "correct horse")
    workers = [TestClient(create_app(db_url)), TestClient(create_app(db_url))]
    statuses: list[int] = []
    lock, start = threading.Lock(), threading.Barrier(40)

    def guess(i: int) -> None:
        start.wait()
        r = workers[i % 2].post(
            "/api/v1/auth/token", data={"username": "王", "password": f"guess {i}"}
        )
        with lock:
            statuses.append(r.status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(40)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(set(statuses)) == [401, 429]
    assert statuses.count(401) == 5 and statuses.count(429) == 35
    # the right password is refused too until the window ends
    r = workers[0].post("/api/v1/auth/token", data={"username": "王", "password": "correct horse"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


def test_a_token_version_at_the_top_of_its_range_still_moves(db_url):
    """The version is moved to a random value computed outside SQL: no overflow of the
    32-bit column, whatever it holds (PostgreSQL refused the arithmetic once)."""
    add_user(store_of(db_url), "王", "clerk", "correct horse")
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE app_user SET token_version = 2147483647"))
    for _ in range(3):
        end_tokens(store_of(db_url), get_user(store_of(db_url), "王").id)
        with engine.connect() as conn:
            moved = conn.execute(text("SELECT token_version FROM app_user")).scalar()
        assert 0 <= moved < 2**31 and moved != 2147483647
    engine.dispose()


def test_forty_wrong_passwords_at_once_to_a_served_pair_of_workers_get_five_tries(db_url):
    """The same through ``landbank serve --workers 2`` (two processes; PostGIS only:
    SpatiaLite serves one process)."""
    if db_url.startswith("sqlite"):
        pytest.skip("--workers 2 needs PostgreSQL")
    add_user(store_of(db_url), "王", "clerk", "correct horse")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = str(Path(sys.executable).with_name("landbank"))
    argv = [exe, "--db", db_url, "serve", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # up to 60 s on a busy machine
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("landbank serve did not answer")
        statuses: list[int] = []
        lock, start = threading.Lock(), threading.Barrier(40)

        def guess(i: int) -> None:
            start.wait()
            r = httpx.post(
                f"{base}/api/v1/auth/token",
                data={"username": "王", "password": f"guess {i}"},
                timeout=60,
            )
            with lock:
                statuses.append(r.status_code)

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(40)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert statuses.count(401) == 5 and statuses.count(429) == 35, statuses
    finally:
        server.terminate()
        server.wait(timeout=30)
