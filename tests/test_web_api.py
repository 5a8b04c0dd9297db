"""The JSON API under /api/v1 on both engines: every route needs a token, writes need a
clerk or an admin and a clerk writes only in their districts, stale versions and bad
fields are refused, filters are bound parameters, downloads come from a fixed list,
sign-in is limited; and the actions mirror the command line."""

from __future__ import annotations

import io
import re
import shutil
import tomllib
import uuid
from urllib.parse import quote

import fastapi.routing
import openpyxl
import psycopg
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from landbank.db.store import Store
from landbank.services.disposal import show_disposal
from landbank.services.disposal_progress import progress
from landbank.services.parcels import list_parcels, show_parcel
from landbank.services.users import add_user
from landbank.web.app import create_app
from landbank.web.security import SESSION_COOKIE
from tests.conftest import ROOT, _pg_admin_dsn, make_disposing_city
from tests.helpers import serve_act, store_of, table_counts

API = "/api/v1"
CLERK_DISTRICT = "薛城区"
INJECTIONS = ["' OR 1=1 --", '"; DROP TABLE parcel; --', "%' OR '1'='1", "1; SELECT pg_sleep(5)"]
TRAVERSALS = [
    "..%2f..%2fetc%2fpasswd",
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%252f..%252fetc%252fpasswd",
    "..%5c..%5clandbank.sqlite",
    "../landbank.sqlite",
    "....//....//etc/passwd",
    "%2fetc%2fpasswd",
    "progress_ledger.xlsx%00.html",
    "..",
    "progress_ledger.xlsx/..",
]
READING_POSTS = {f"{API}/match"}  # a POST for its body; it writes nothing
PASSWORDS = {"admin": "admin password", "clerk": "clerk password", "viewer": "viewer password"}


# ---- the sample city, loaded once per engine and copied for each test ---------------


def _db_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


@pytest.fixture(scope="module")
def city_templates():
    """engine → a loaded sample city to copy (a file, or a PostgreSQL database name)."""
    made: dict[str, str] = {}
    yield made
    if "postgis" in made:
        with psycopg.connect(_pg_admin_dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{made["postgis"]}" WITH (FORCE)')


def _load_city(cli, db_url: str) -> None:
    make_disposing_city(cli, db_url)
    xlsx = ROOT / "data" / "buildings" / "zaozhuang_buildings.xlsx"
    assert cli("import", "buildings", xlsx, db=db_url).exit_code == 0
    assert cli("import", "vacancies", xlsx, db=db_url).exit_code == 0
    store = Store.open(db_url)  # closed before PostgreSQL copies the database
    try:
        for name, password in PASSWORDS.items():
            add_user(store, name, name, password, CLERK_DISTRICT if name == "clerk" else None)
    finally:
        store.close()


@pytest.fixture
def city(cli, db_url, city_templates, tmp_path_factory) -> str:
    """``db_url`` holding the sample city (classified, disposals in various states,
    buildings and vacancies) and three users: admin, a clerk of 薛城区, a viewer."""
    engine = "spatialite" if db_url.startswith("sqlite") else "postgis"
    template = city_templates.get(engine)
    if engine == "spatialite":
        path = db_url.removeprefix("sqlite:///")
        if template is None:
            _load_city(cli, db_url)
            template = str(tmp_path_factory.mktemp("city") / "city.sqlite")
            shutil.copy(path, template)
            city_templates[engine] = template
        else:
            shutil.copy(template, path)
        return db_url
    name = _db_name(db_url)
    with psycopg.connect(_pg_admin_dsn(), autocommit=True) as conn:
        if template is None:
            _load_city(cli, db_url)
            template = f"lbt_city_{uuid.uuid4().hex[:12]}"
            conn.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
            city_templates[engine] = template
        else:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return db_url


@pytest.fixture
def app(city):
    return create_app(city)


@pytest.fixture
def client(app) -> TestClient:
    return TestClient(app)


def _headers(client: TestClient, role: str) -> dict[str, str]:
    r = client.post(f"{API}/auth/token", data={"username": role, "password": PASSWORDS[role]})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
def admin(client):
    return _headers(client, "admin")


@pytest.fixture
def clerk(client):
    return _headers(client, "clerk")


@pytest.fixture
def viewer(client):
    return _headers(client, "viewer")


def _api_routes(app):
    """(method, path template, APIRoute) of every route the app serves under /api/v1
    but the sign-in (routers included with a prefix flattened, on FastAPI versions that
    keep them nested)."""
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    for route in flatten(app.routes) if flatten else app.routes:
        original = getattr(route, "original_route", route)
        path = route.path or ""
        if not isinstance(original, APIRoute) or not path.startswith(API):
            continue
        if path == f"{API}/auth/token":
            continue
        for method in sorted(route.methods):
            yield method, path, original


def _fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", quote(value, safe=""), path)


def _parcel(city: str, district: str, category: str | None, disposal: str | None) -> str:
    """A parcel code of ``district`` (and ``category``) with an open disposal (``open``)
    or without any (None)."""
    for p in list_parcels(store_of(city), category=category):
        if p["district"] != district:
            continue
        try:
            show_disposal(store_of(city), p["code"])
            has = True
        except Exception:
            has = False
        if has == (disposal == "open"):
            return p["code"]
    raise AssertionError(f"no {category} parcel in {district} with disposal={disposal}")


def _tables(city: str) -> dict:
    return table_counts(city)


# ---- rights -----------------------------------------------------------------------


def test_every_api_route_but_sign_in_refuses_a_request_without_a_token(app, client, city):
    code = list_parcels(store_of(city))[0]["code"]
    routes = list(_api_routes(app))
    assert len(routes) >= 20
    for method, path, _route in routes:
        url = _fill(path, code)
        for headers in ({}, {"Authorization": "Bearer forged"}, {"Authorization": "Basic eDp5"}):
            r = client.request(method, url, headers=headers)
            assert r.status_code == 401, (method, path, headers, r.status_code, r.text)
            assert r.headers["www-authenticate"] == "Bearer"


def test_a_session_cookie_alone_does_not_open_the_api(admin, client, city):
    """The API reads only bearer tokens: a browser's cookie cannot be ridden by a
    cross-site form (no CSRF token needed, none accepted in its place)."""
    code = list_parcels(store_of(city))[0]["code"]
    token = admin["Authorization"].split()[1]  # a token that opens the API as a bearer
    client.cookies.set(SESSION_COOKIE, token)
    before = _tables(city)
    r = client.patch(
        f"{API}/parcels/{code}",
        json={"fields": {"holder": "x"}, "reason": "csrf"},
        headers={"X-CSRF-Token": "anything"},
    )
    assert r.status_code == 401
    assert client.get(f"{API}/parcels").status_code == 401
    assert _tables(city) == before


def test_a_viewer_reads_but_every_write_is_403(app, client, city, viewer):
    code = list_parcels(store_of(city))[0]["code"]
    assert client.get(f"{API}/parcels/{code}", headers=viewer).status_code == 200
    before = _tables(city)
    writes = [
        (m, p)
        for m, p, _ in _api_routes(app)
        if m != "GET" and p not in READING_POSTS and not p.startswith(f"{API}/auth/")
    ]
    assert len(writes) >= 8
    for method, path in writes:
        r = client.request(method, _fill(path, code), headers=viewer, json={})
        assert r.status_code == 403, (method, path, r.status_code, r.text)
    assert _tables(city) == before


def test_a_clerk_writes_only_in_their_districts(client, city, clerk):
    elsewhere_new = _parcel(city, "市中区", None, None)
    elsewhere_open = _parcel(city, "市中区", "supplied_not_used", "open")
    before = _tables(city)
    version = show_parcel(store_of(city), elsewhere_new)["version"]
    refused = [
        ("PATCH", f"/parcels/{elsewhere_new}",
         {"fields": {"holder": "x"}, "reason": "r", "expected_version": version}),
        ("POST", f"/parcels/{elsewhere_new}/disposals", {"method": "start_construction"}),
        ("POST", f"/parcels/{elsewhere_open}/disposals/advance", {"to": "investigating"}),
        ("POST", f"/parcels/{elsewhere_open}/disposals/block", {"kind": "mortgage"}),
        ("POST", "/parcels/LY-0002/disposals", {"method": "transfer"}),  # a building of 市中区
    ]  # fmt: skip
    for method, path, body in refused:
        r = client.request(method, API + path, json=body, headers=clerk)
        assert r.status_code == 403, (path, r.text)
        assert "市中区" in r.json()["detail"] and CLERK_DISTRICT in r.json()["detail"]
    assert _tables(city) == before
    # nor may a clerk move a parcel of theirs out of their districts
    mine = _parcel(city, CLERK_DISTRICT, "supplied_not_used", None)
    r = client.patch(
        f"{API}/parcels/{mine}",
        json={"fields": {"district": "市中区"}, "reason": "move"},
        headers=clerk,
    )
    assert r.status_code == 403 and _tables(city) == before
    assert r.json()["detail"] == f"district=市中区: you may edit {CLERK_DISTRICT} only"
    # in their own district the same writes go through
    r = client.patch(
        f"{API}/parcels/{mine}", json={"fields": {"holder": "新主"}, "reason": "r"}, headers=clerk
    )
    assert r.status_code == 200 and r.json()["changed"] == ["holder"]
    r = client.post(
        f"{API}/parcels/{mine}/disposals", json={"method": "start_construction"}, headers=clerk
    )
    assert r.status_code == 201, r.text
    r = client.post(f"{API}/parcels/LY-0011/disposals", json={"method": "transfer"}, headers=clerk)
    assert r.status_code == 201 and r.json()["disposals"][0]["subject"] == "building"


def test_a_stale_expected_version_is_409_with_the_current_version(client, city, admin):
    code = list_parcels(store_of(city))[0]["code"]
    current = show_parcel(store_of(city), code)["version"]
    body = {"fields": {"holder": "甲"}, "reason": "r", "expected_version": current}
    first = client.patch(f"{API}/parcels/{code}", json=body, headers=admin)
    assert first.status_code == 200 and first.json()["version"] == current + 1
    before = _tables(city)
    again = client.patch(
        f"{API}/parcels/{code}", json={**body, "fields": {"holder": "乙"}}, headers=admin
    )
    assert again.status_code == 409
    assert again.json()["current_version"] == current + 1
    assert f"version {current + 1}" in again.json()["detail"]
    assert _tables(city) == before and show_parcel(store_of(city), code)["holder"] == "甲"


def test_bad_fields_are_422_with_one_message_per_field(client, city, admin):
    code = list_parcels(store_of(city))[0]["code"]
    before = _tables(city)
    fields = {
        "started_on": "2031-02-30",
        "land_price_wan": "many",
        "category": "sort_of_idle",
        "colour": "red",
    }
    r = client.patch(f"{API}/parcels/{code}", json={"fields": fields, "reason": "r"}, headers=admin)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert sorted(d["field"] for d in detail) == sorted(f"fields.{f}" for f in fields)
    assert all(d["message"] for d in detail)
    assert "2031-02-30" in next(d["message"] for d in detail if d["field"] == "fields.started_on")
    # a blank reason too: the fields are still named one by one
    body = {"fields": fields, "reason": " "}
    blank = client.patch(f"{API}/parcels/{code}", json=body, headers=admin)
    assert blank.status_code == 422 and blank.json()["detail"] == detail
    # bad bodies of the actions: one entry per field too
    r = client.post(
        f"{API}/parcels/{code}/disposals",
        json={"method": "supply", "planned_on": "30/06/2026", "area_mu": -1},
        headers=admin,
    )
    assert r.status_code == 422
    assert sorted(d["field"] for d in r.json()["detail"]) == ["area_mu", "planned_on"]
    assert _tables(city) == before


# ---- input that tries to escape ---------------------------------------------------


def _rows(body):
    if isinstance(body, dict) and "items" in body:
        return body["items"]
    return body if isinstance(body, list) else None


def test_sql_injection_in_every_filter_finds_nothing_and_breaks_nothing(app, client, city, admin):
    before = _tables(city)
    gets = [(path, route) for method, path, route in _api_routes(app) if method == "GET"]
    tried = 0
    for path, route in gets:
        params = [p.alias for p in route.dependant.query_params]
        for payload in INJECTIONS:
            if "{" in path:  # the path's own parameter is an input too
                r = client.get(_fill(path, payload), headers=admin)
                assert r.status_code in (404, 422), (path, payload, r.status_code, r.text)
            for param in params:
                url = _fill(path, "progress_ledger.xlsx" if "downloads" in path else "X")
                if "{" not in path:
                    url = path
                r = client.get(url, params={param: payload}, headers=admin)
                tried += 1
                assert r.status_code in (200, 404, 422), (path, param, payload, r.text)
                if r.status_code == 200:
                    assert _rows(r.json()) == [], (path, param, payload, r.text[:200])
    assert tried >= 40  # parcels, due, reservations, buildings, progress, downloads
    assert _tables(city) == before
    assert len(list_parcels(store_of(city))) > 0


@pytest.mark.parametrize("name", TRAVERSALS)
def test_a_path_traversal_in_a_download_is_404(client, admin, name):
    r = client.get(f"{API}/downloads/{name}", headers=admin)
    assert r.status_code == 404, (name, r.status_code)
    assert b"root:" not in r.content and b"SQLite format" not in r.content


def test_sign_in_is_refused_after_five_wrong_passwords(client):
    for _ in range(5):
        r = client.post(f"{API}/auth/token", data={"username": "clerk", "password": "guess"})
        assert r.status_code == 401
    right = client.post(
        f"{API}/auth/token", data={"username": "clerk", "password": PASSWORDS["clerk"]}
    )
    assert right.status_code == 429 and int(right.headers["retry-after"]) > 0
    assert "access_token" not in right.text


# ---- what the actions do ----------------------------------------------------------


def test_open_advance_and_block_a_disposal(client, city, clerk):
    code = _parcel(city, CLERK_DISTRICT, "supplied_not_used", None)
    r = client.post(
        f"{API}/parcels/{code}/disposals",
        json={"method": "start_construction", "planned_on": "2026-12-31", "on": "2026-01-05",
              "reason": "巡查发现"},
        headers=clerk,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["disposals"][0]["state"] == "suspected"
    again = client.post(
        f"{API}/parcels/{code}/disposals", json={"method": "start_construction"}, headers=clerk
    )
    assert again.status_code == 409
    # investigating stands on a served investigation notice: no bare advance
    r = client.post(
        f"{API}/parcels/{code}/disposals/advance",
        json={"to": "investigating", "on": "2026-02-01", "doc": "枣自然资函〔2026〕1号"},
        headers=clerk,
    )
    assert r.status_code == 422 and "served investigation notice" in r.text
    notice = serve_act(city, code, "investigation", "2026-02-01", "clerk")
    shown = client.get(f"{API}/parcels/{code}/disposals", headers=clerk).json()
    d = shown["disposals"][0]
    assert d["state"] == "investigating"
    assert [(s["action"], s["doc"]) for s in d["steps"]] == [("open", None), ("advance", notice)]
    assert {s["by"] for s in d["steps"]} == {"clerk"}
    skip = client.post(
        f"{API}/parcels/{code}/disposals/advance", json={"to": "disposed"}, headers=clerk
    )
    assert skip.status_code == 422
    blocked = client.post(
        f"{API}/parcels/{code}/disposals/block", json={"kind": "seizure"}, headers=clerk
    )
    assert blocked.status_code == 200 and blocked.json()["disposals"][0]["blockers"] == ["seizure"]
    freed = client.post(
        f"{API}/parcels/{code}/disposals/unblock", json={"kind": "seizure"}, headers=clerk
    )
    assert freed.status_code == 200 and freed.json()["disposals"][0]["blockers"] == []
    due = client.get(f"{API}/disposals/due", params={"within": 3650}, headers=clerk)
    assert due.status_code == 200 and code in {x["code"] for x in due.json()}
    history = client.get(f"{API}/parcels/{code}/history", headers=clerk).json()
    assert [e["field"] for e in history].count("disposal") == 4


def _requirement(name: str) -> dict:
    data = tomllib.loads((ROOT / "data" / "projects" / name).read_text(encoding="utf-8"))
    table = data.get("land") or data["floor_space"]
    table["ready_by"] = str(table["ready_by"])
    return data


def test_match_the_sample_projects(client, viewer):
    land = client.post(
        f"{API}/match",
        params={"top": 3, "as_of": "2026-06-30"},
        json=_requirement("new_energy_equipment.toml"),
        headers=viewer,
    )
    assert land.status_code == 200, land.text
    found = land.json()
    assert 1 <= len(found) <= 3 and [c["rank"] for c in found] == list(range(1, len(found) + 1))
    assert all("geometry" not in c and c["area_mu"] > 0 for c in found)
    floor = client.post(
        f"{API}/match",
        params={"as_of": "2026-06-30", "lang": "en"},
        json=_requirement("precision_parts_workshop.toml"),
        headers=viewer,
    )
    assert floor.status_code == 200 and floor.json()[0]["kind"] == "floor_space"
    bad = client.post(f"{API}/match", json={"land": {"area_mu_min": "many"}}, headers=viewer)
    assert bad.status_code == 422 and "area_mu_min" in bad.json()["detail"]
    assert client.post(f"{API}/match", json=[1, 2], headers=viewer).status_code == 422


def test_store_a_project_reserve_and_release(client, city, clerk, viewer):
    req = _requirement("new_energy_equipment.toml")
    r = client.post(f"{API}/projects", json=req, headers=clerk)
    assert r.status_code == 201 and r.json() == {"project": req["name"], "kind": "land",
                                                 "replaced": False}  # fmt: skip
    assert client.post(f"{API}/projects", json=req, headers=clerk).status_code == 409
    r = client.post(f"{API}/projects", params={"replace": "true"}, json=req, headers=clerk)
    assert r.status_code == 201 and r.json()["replaced"] is True
    nameless = client.post(f"{API}/projects", json={"land": req["land"]}, headers=clerk)
    assert nameless.status_code == 422 and "name" in nameless.json()["detail"]
    listed = client.get(f"{API}/projects", headers=viewer).json()
    assert [p["name"] for p in listed] == [req["name"]]
    shown = client.get(f"{API}/projects/{req['name']}", headers=viewer).json()
    assert shown["requirement"]["land"]["area_mu_max"] == 50

    best = client.post(
        f"{API}/match", params={"as_of": "2026-06-30"}, json=req, headers=viewer
    ).json()[0]
    codes = best["codes"]
    r = client.post(
        f"{API}/reservations",
        json={"codes": codes, "project": req["name"], "until": "2049-12-31", "reason": "洽谈中"},
        headers=clerk,
    )
    assert r.status_code == 201, r.text
    assert sorted(r.json()["reserved"]) == sorted(codes)
    held = client.get(f"{API}/reservations", headers=viewer).json()
    assert sorted(h["code"] for h in held) == sorted(codes)
    assert {h["by"] for h in held} == {"clerk"}
    twice = client.post(
        f"{API}/reservations", json={"codes": codes, "project": req["name"]}, headers=clerk
    )
    assert twice.status_code == 409
    other = {**req, "name": "另一个项目"}
    assert client.post(f"{API}/projects", json=other, headers=clerk).status_code == 201
    rematch = client.post(
        f"{API}/match", params={"as_of": "2026-06-30"}, json=other, headers=viewer
    ).json()
    assert not any(set(c["codes"]) & set(codes) for c in rematch)
    r = client.post(
        f"{API}/reservations/release", json={"codes": codes, "project": req["name"]}, headers=clerk
    )
    assert r.status_code == 200 and sorted(r.json()["released"]) == sorted(codes)
    assert client.get(f"{API}/reservations", headers=viewer).json() == []
    everything = client.get(f"{API}/reservations", params={"all": "true"}, headers=viewer).json()
    assert {h["state"] for h in everything} == {"released"}


def test_buildings_list_and_show(client, viewer):
    listed = client.get(f"{API}/buildings", headers=viewer).json()
    assert len(listed) == 12 and listed[0]["code"] == "LY-0001"
    park = listed[0]["park"]
    of_park = client.get(f"{API}/buildings", params={"park": park}, headers=viewer).json()
    assert of_park and {b["park"] for b in of_park} == {park}
    vacant = client.get(f"{API}/buildings", params={"state": "vacant"}, headers=viewer).json()
    assert {b["state"] for b in vacant} <= {"vacant"}
    assert (
        client.get(f"{API}/buildings", params={"state": "empty"}, headers=viewer).status_code == 422
    )
    one = client.get(f"{API}/buildings/LY-0001", headers=viewer).json()
    assert one["code"] == "LY-0001" and one["vacancies"]
    assert client.get(f"{API}/buildings/LY-9999", headers=viewer).status_code == 404


def test_progress_is_the_services_json(client, city, viewer):
    for by in ("district", "category", "month"):
        r = client.get(f"{API}/progress", params={"by": by}, headers=viewer)
        assert r.status_code == 200 and r.json() == progress(store_of(city), by)
    dated = client.get(
        f"{API}/progress", params={"by": "month", "from": "2026-01-01", "to": "2026-12-31"},
        headers=viewer,
    )  # fmt: skip
    assert dated.status_code == 200
    assert client.get(f"{API}/progress", params={"by": "colour"}, headers=viewer).status_code == 422
    swapped = client.get(
        f"{API}/progress", params={"from": "2026-12-31", "to": "2026-01-01"}, headers=viewer
    )
    assert swapped.status_code == 422 and "swap" in swapped.json()["detail"]


def test_the_ledger_download_is_a_real_workbook(client, viewer):
    r = client.get(f"{API}/downloads/progress_ledger.xlsx", headers=viewer)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="progress_ledger.xlsx"' in r.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert len(book.sheetnames) >= 2
    report = client.get(f"{API}/downloads/progress_report.html", headers=viewer)
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert "attachment" in report.headers["content-disposition"]
    assert "<html" in report.text.lower()


def test_openapi_lists_the_endpoints_and_docs_load_nothing_remote(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path, method in [
        ("/auth/token", "post"),
        ("/parcels", "get"),
        ("/parcels/{code}", "patch"),
        ("/parcels/{code}/disposals", "post"),
        ("/parcels/{code}/disposals/advance", "post"),
        ("/parcels/{code}/disposals/block", "post"),
        ("/parcels/{code}/disposals/unblock", "post"),
        ("/disposals/due", "get"),
        ("/match", "post"),
        ("/projects", "post"),
        ("/reservations", "post"),
        ("/reservations/release", "post"),
        ("/buildings", "get"),
        ("/buildings/{code}", "get"),
        ("/progress", "get"),
        ("/downloads/{name}", "get"),
    ]:
        assert method in paths[API + path], path
    page = client.get("/docs").text
    assets = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', page)
    assert assets and all(a.startswith("/static/") for a in assets), assets
    assert not re.search(r"https?://", page)
