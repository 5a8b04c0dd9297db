"""The web service against hostile requests (issue 15, items 14, 15, 17, 18, 19), on
both engines: credentials are checked before a body is read and bodies are limited;
NUL characters, lone surrogates, numbers beyond 64 bits and over-long texts are a 4xx
naming the field (never a 500, the connection kept); wrong JSON types and implausible
dates are refused; every answer carries the security headers; an OGC bbox may have 6
numbers. A real ``landbank serve`` process shows the memory and the connections."""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from landbank.services.parcels import list_parcels, show_parcel
from landbank.services.users import add_user
from landbank.web.guard import MAX_BODY_BYTES
from tests.conftest import ROOT, Cli, _new_database
from tests.helpers import store_of, table_counts

API = "/api/v1"
ADMIN, PASSWORD = "admin", "admin password"
BIG = 50 * 1024 * 1024


@pytest.fixture(scope="module", params=["spatialite", "postgis"])
def city(request, tmp_path_factory) -> dict:
    """The sample parcels and an admin, once per engine."""
    url, drop = _new_database(request, request.param, tmp_path_factory.mktemp("city"))
    cli = Cli()
    gpkg = ROOT / "data" / "parcels" / "zaozhuang_parcels.gpkg"
    assert cli("import", "parcels", gpkg, db=url).exit_code == 0
    add_user(store_of(url), ADMIN, "admin", PASSWORD)
    codes = [p["code"] for p in list_parcels(store_of(url))]
    yield {"url": url, "codes": codes}
    drop()


@pytest.fixture(scope="module")
def app(city):
    from landbank.web.app import create_app

    return create_app(city["url"])


@pytest.fixture
def client(app) -> TestClient:
    return TestClient(app)


@pytest.fixture
def admin(client) -> dict[str, str]:
    r = client.post(f"{API}/auth/token", data={"username": ADMIN, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _signed_in(client: TestClient) -> TestClient:
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]*)"', page).group(1)
    r = client.post(
        "/login",
        data={"username": ADMIN, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


def _edit_form(client: TestClient, code: str, **fields) -> dict[str, str]:
    page = client.get(f"/parcels/{quote(code)}").text
    csrf = re.search(r'name="csrf_token" value="([^"]*)"', page).group(1)
    version = re.search(r'name="version" value="([^"]*)"', page).group(1)
    return {"csrf_token": csrf, "version": version, "reason": "核实", **fields}


def _patch(client, headers, code, fields: dict | str, **extra):
    body = (
        fields
        if isinstance(fields, str)
        else json.dumps({"fields": fields, "reason": "核实", **extra})
    )
    return client.patch(
        f"{API}/parcels/{quote(code)}",
        content=body.encode(),
        headers={**headers, "Content-Type": "application/json"},
    )


def _names_field(r, status: int, field: str, *words: str) -> None:
    """The answer has ``status`` and names ``field`` (and each of ``words``)."""
    assert r.status_code == status, (status, r.status_code, r.text[:300])
    assert field in r.text, r.text[:300]
    for word in words:
        assert word in r.text, (word, r.text[:300])


# ---- a real server ------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(city):
    """``landbank serve`` on the city, in its own process: (port, pid)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = str(Path(sys.executable).with_name("landbank"))
    proc = subprocess.Popen(
        [exe, "--db", city["url"], "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"serve did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
    yield port, proc.pid
    proc.terminate()
    proc.wait(timeout=20)


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response (with Content-Length) from ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed in the body")
        rest += chunk
    return status, headers, rest[:length]


def _big_post(port: int, path: str, headers: dict[str, str], size: int):
    """POSTs ``size`` bytes of JSON-ish body from a thread while reading the answer:
    the status, and the bytes the client managed to send before the answer came."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += f"Content-Length: {size}\r\n\r\n"
    sock.sendall(head.encode())
    sent = [0]

    def pump():
        chunk = b"[" + b"1," * (512 * 1024 - 1)
        try:
            while sent[0] < size:
                part = chunk[: size - sent[0]]
                sock.sendall(part)
                sent[0] += len(part)
        except OSError:
            pass  # the server answered and closed: what we want

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    try:
        status, _, body = _read_response(sock)
        at_answer = sent[0]
    finally:
        sock.close()
        thread.join(timeout=30)
    return status, body, at_answer


def test_a_50_mb_body_without_a_token_is_401_unread_and_the_server_does_not_grow(served):
    """Item 14: before, the 50 MB were read and parsed (3.9 s, +320 MB) to say 401."""
    port, pid = served
    before = _rss_mb(pid)
    for path in (f"{API}/match", f"{API}/projects", "/logout"):
        status, body, _ = _big_post(port, path, {}, BIG)
        assert status in (401, 303), (path, status, body[:200])
    status, body, _ = _big_post(port, f"{API}/match", {"Authorization": "Bearer forged"}, BIG)
    assert status == 401 and b"sign in" in body
    assert _rss_mb(pid) - before < 50, (before, _rss_mb(pid))


def test_a_too_large_body_with_a_valid_token_is_413_at_once(served, admin):
    port, pid = served
    before = _rss_mb(pid)
    status, body, _ = _big_post(port, f"{API}/match", admin, BIG)
    assert status == 413 and b"LANDBANK_MAX_BODY_KB" in body
    assert _rss_mb(pid) - before < 50


def test_a_chunked_body_is_counted_while_it_streams(client, admin):
    def chunks():
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b" " * 65536

    r = client.post(
        f"{API}/match", content=chunks(), headers={**admin, "Content-Type": "application/json"}
    )
    assert r.status_code == 413
    # a body within the limit still reaches the route
    ok = client.post(f"{API}/match", json={"name": "x"}, headers=admin)
    assert ok.status_code == 422 and "land" in ok.text


def test_sign_in_posts_need_no_token_but_are_limited(client):
    r = client.post(
        f"{API}/auth/token",
        content=b"username=" + b"a" * (MAX_BODY_BYTES + 10),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413
    r = client.post(f"{API}/auth/token", data={"username": ADMIN, "password": "wrong"})
    assert r.status_code == 401


# ---- item 15: NUL, lone surrogates, 64 bits -----------------------------------------


def test_nul_and_lone_surrogates_in_the_api_are_422_naming_the_field(city, client, admin):
    code = city["codes"][0]
    before = table_counts(city["url"])
    r = _patch(client, admin, code, {"holder": "某\x00公司"})
    _names_field(r, 422, "holder", "NUL")
    r = _patch(client, admin, code, '{"fields": {"holder": "\\ud800"}, "reason": "x"}')
    _names_field(r, 422, "holder", "surrogate")
    r = _patch(client, admin, code, {"holder": "甲"}, reason="核\x00实")
    _names_field(r, 422, "reason", "NUL")
    r = client.get(f"{API}/parcels", params={"district": "薛城\x00区"}, headers=admin)
    _names_field(r, 422, "district", "NUL")
    r = client.get(f"{API}/parcels", params={"q": "a\x00"}, headers=admin)
    _names_field(r, 422, "q", "NUL")
    r = client.get(f"{API}/parcels/{quote(code)}%00", headers=admin)
    assert r.status_code == 404, r.text
    r = client.post(
        f"{API}/projects",
        content=b'{"name": "\\u0000", "land": {"area_mu_min": 1}}',
        headers={**admin, "Content-Type": "application/json"},
    )
    _names_field(r, 422, "name", "NUL")
    # a pair of surrogates is one character, and fine
    r = _patch(client, admin, code, '{"fields": {"holder": "\\ud83d\\ude00公司"}, "reason": "x"}')
    assert r.status_code == 200, r.text
    assert show_parcel(store_of(city["url"]), code)["holder"] == "😀公司"
    assert table_counts(city["url"])["parcel"] == before["parcel"]


def test_numbers_beyond_64_bits_are_refused(city, client, admin):
    code = city["codes"][0]
    for offset in (2**63, 2**64, 10**30):
        r = client.get(f"{API}/parcels", params={"offset": offset}, headers=admin)
        _names_field(r, 422, "offset")
        r = client.get("/ogc/collections/parcels/items", params={"offset": offset}, headers=admin)
        assert r.status_code == 400 and "offset" in r.text, r.text
    r = _patch(client, admin, code, {"holder": "甲"}, expected_version=2**64)
    _names_field(r, 422, "expected_version", "too large")
    # a huge limit still means "as many as you give" on /ogc, as documented
    r = client.get("/ogc/collections/parcels/items", params={"limit": 2**70}, headers=admin)
    assert r.status_code == 200


def test_nul_in_sign_in_and_basic_auth_is_a_4xx_naming_the_field(client):
    r = client.post(f"{API}/auth/token", data={"username": "ad\x00min", "password": "x"})
    _names_field(r, 422, "username", "NUL")
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]*)"', page).group(1)
    r = client.post(
        "/login", data={"username": "a\x00", "password": "x", "csrf_token": token, "next": "/"}
    )
    _names_field(r, 422, "username", "NUL")
    r = client.post(
        f"{API}/auth/token", files={"username": (None, "ad\x00min"), "password": (None, "x")}
    )
    _names_field(r, 422, "username", "NUL")
    for credential in ("ad\x00min:x", "admin:pass\x00word"):
        basic = base64.b64encode(credential.encode()).decode()
        r = client.get("/ogc/collections", headers={"Authorization": f"Basic {basic}"})
        assert r.status_code == 400 and "NUL" in r.text, r.text
    r = client.get("/ogc/collections/parcels/items", params={"bbox": "1,2,3,\x00"})
    assert r.status_code == 400


def test_nul_in_a_page_form_and_query_is_422_naming_the_field(city, client):
    code = city["codes"][1]
    _signed_in(client)
    before = show_parcel(store_of(city["url"]), code)
    data = _edit_form(client, code, f_holder="某\x00公司", o_holder="")
    r = client.post(f"/parcels/{quote(code)}/edit", data=data, follow_redirects=False)
    _names_field(r, 422, "f_holder", "NUL")
    assert "text/html" in r.headers["content-type"]
    r = client.get("/parcels", params={"district": "\x00"})
    _names_field(r, 422, "district", "NUL")
    assert show_parcel(store_of(city["url"]), code)["version"] == before["version"]


def test_a_project_name_over_200_characters_is_422(client, admin):
    r = client.post(
        f"{API}/projects",
        json={"name": "项" * 201, "land": {"area_mu_min": 10, "area_mu_max": 20}},
        headers=admin,
    )
    _names_field(r, 422, "name", "200")


def test_the_connection_is_kept_after_a_refused_request(served, admin, city):
    """A 500 used to reset the client's keep-alive connection; a 4xx does not."""
    port, _ = served
    token = admin["Authorization"].split()[1]
    code = city["codes"][0]
    body = json.dumps({"fields": {"holder": "a\x00"}, "reason": "x"}).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        requests = [
            f"PATCH {API}/parcels/{quote(code)} HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body,
            f"GET {API}/parcels?offset={2**63} HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {token}\r\n\r\n".encode(),
            f"GET {API}/parcels?district=%00 HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {token}\r\n\r\n".encode(),
            f"GET {API}/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode(),
        ]
        statuses = []
        for request in requests:
            sock.sendall(request)
            status, headers, _ = _read_response(sock)
            statuses.append(status)
            assert headers.get("connection", "").lower() != "close"
        assert statuses == [422, 422, 422, 200]
    finally:
        sock.close()


# ---- item 17: lengths ---------------------------------------------------------------


def test_text_fields_are_limited_in_the_api_pages_cli_and_imports(city, client, admin, tmp_path):
    code = city["codes"][2]
    before = show_parcel(store_of(city["url"]), code)
    r = _patch(client, admin, code, {"holder": "公" * 201})
    _names_field(r, 422, "holder", "200")
    assert _patch(client, admin, code, {"holder": "公" * 200}).status_code == 200
    r = _patch(client, admin, code, {"name": "x" * 5_000_000})
    assert r.status_code == 413  # beyond the body limit already
    _signed_in(client)
    data = _edit_form(client, code, f_holder="司" * 201, o_holder="公" * 200)
    r = client.post(f"/parcels/{quote(code)}/edit", data=data, follow_redirects=False)
    assert r.status_code == 422 and "200" in r.text
    cli = Cli()
    r = cli("parcels", "set", code, "holder=" + "x" * 201, "--by", "a", "--reason", "b",
            db=city["url"])  # fmt: skip
    assert r.exit_code == 1 and "holder" in r.stderr and "200" in r.stderr
    assert r.stderr.strip().count("\n") == 0
    csv = tmp_path / "long.csv"
    csv.write_text(f"地块编号,土地使用权人\n{code},{'y' * 300}\n", encoding="utf-8")
    r = cli("import", "parcels", csv, "--upsert", db=city["url"])
    assert r.exit_code == 1, r.stderr
    line = r.stderr.strip()
    assert "long.csv" in line and "holder" in line and "300 characters" in line
    assert "\n" not in line
    assert show_parcel(store_of(city["url"]), code)["holder"] == "公" * 200
    assert show_parcel(store_of(city["url"]), code)["version"] == before["version"] + 1


# ---- item 18: types and dates -------------------------------------------------------


def test_wrong_json_types_are_422_not_stored_as_text(city, client, admin):
    code = city["codes"][3]
    before = show_parcel(store_of(city["url"]), code)
    for value in ({"evil": [1, 2]}, [1, 2], True, 12):
        r = _patch(client, admin, code, {"holder": value})
        _names_field(r, 422, "fields.holder", "text")
    r = _patch(client, admin, code, {"invested_wan": {"a": 1}})
    _names_field(r, 422, "fields.invested_wan", "number")
    assert show_parcel(store_of(city["url"]), code)["version"] == before["version"]
    # a number for a number field, a date as text: fine
    r = _patch(client, admin, code, {"invested_wan": 120, "started_on": "2024-03-01"})
    assert r.status_code == 200, r.text
    r = client.post(
        f"{API}/match",
        json={"name": "x", "land": {"area_mu_min": 1, "districts": "薛城区"}},
        headers=admin,
    )
    _names_field(r, 422, "districts", "list")


def test_implausible_dates_are_refused_everywhere(city, client, admin, tmp_path):
    code = city["codes"][4]
    before = show_parcel(store_of(city["url"]), code)
    for day in ("0001-01-01", "9999-12-31", "1900-01-01"):
        r = _patch(client, admin, code, {"started_on": day})
        _names_field(r, 422, "started_on", "1949-10-01")
        r = client.post(
            f"{API}/parcels/{quote(code)}/disposals",
            json={"method": "start_construction", "planned_on": day},
            headers=admin,
        )
        _names_field(r, 422, "planned_on")
    r = client.get(f"{API}/progress", params={"from": "0001-01-01"}, headers=admin)
    _names_field(r, 422, "from")
    cli = Cli()
    r = cli("parcels", "set", code, "started_on=9999-01-01", "--by", "a", "--reason", "b",
            db=city["url"])  # fmt: skip
    assert r.exit_code == 1 and "started_on" in r.stderr
    csv = tmp_path / "old.csv"
    csv.write_text(f"地块编号,实际开工日期\n{code},1900-01-01\n", encoding="utf-8")
    r = cli("import", "parcels", csv, "--upsert", db=city["url"])
    assert r.exit_code == 1 and "old.csv" in r.stderr and "started_on" in r.stderr
    assert show_parcel(store_of(city["url"]), code)["version"] == before["version"]


def test_the_date_range_comes_from_the_profile(tmp_path):
    import datetime as dt

    from landbank.config import load_profile
    from landbank.errors import InputError

    default = load_profile()
    assert default.date_bounds(dt.date(2026, 1, 1)) == (dt.date(1949, 10, 1), dt.date(2056, 12, 31))
    city = tmp_path / "city.toml"
    city.write_text("[dates]\nearliest = 1980-01-01\nlatest_years_ahead = 5\n")
    mine = load_profile(str(city))
    assert mine.date_bounds(dt.date(2026, 1, 1)) == (dt.date(1980, 1, 1), dt.date(2031, 12, 31))
    # parcels set reads the range of the profile it is given (refused before any write)
    from landbank.errors import FieldProblems
    from landbank.services.parcels import set_fields

    with pytest.raises(FieldProblems, match="1980-01-01"):
        set_fields("sqlite:///nowhere.sqlite", "X", {"started_on": "1975-05-01"}, "a", "b",
                   profile=str(city))  # fmt: skip
    bad = tmp_path / "bad.toml"
    bad.write_text('[dates]\nearliest = "1980"\n')
    with pytest.raises(InputError, match="earliest"):
        load_profile(str(bad))


# ---- item 19: headers, bbox ---------------------------------------------------------


def test_security_headers_on_every_kind_of_answer(city, client, admin):
    docs = client.get("/docs")
    assert docs.status_code == 200
    policy = docs.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "'sha256-" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert docs.headers["x-frame-options"] == "DENY"
    assert docs.headers["x-content-type-options"] == "nosniff"
    for r in (
        client.get(f"{API}/parcels", headers=admin),
        client.get(f"{API}/me"),  # a 401 too
        client.get(f"{API}/parcels/{quote(city['codes'][0])}", headers=admin),
    ):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cache-control"] == "no-store"
    assert client.get("/openapi.json").headers["x-content-type-options"] == "nosniff"
    _signed_in(client)
    page = client.get("/parcels")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    framed = client.get(f"/maps/parcel/{quote(city['codes'][0])}")
    assert framed.headers["x-frame-options"] == "SAMEORIGIN"  # the pages frame it


def test_an_ogc_bbox_of_6_numbers_uses_its_2d_part(client, admin):
    url = "/ogc/collections/parcels/items"
    four = client.get(url, params={"bbox": "117.1,34.7,117.6,35.0", "limit": 50}, headers=admin)
    six = client.get(
        url, params={"bbox": "117.1,34.7,-100,117.6,35.0,9000", "limit": 50}, headers=admin
    )
    assert four.status_code == six.status_code == 200, six.text
    assert four.json()["numberMatched"] == six.json()["numberMatched"] > 0
    assert [f["id"] for f in four.json()["features"]] == [f["id"] for f in six.json()["features"]]
    r = client.get(url, params={"bbox": "1,2,3,4,5"}, headers=admin)
    assert r.status_code == 400 and "6" in r.text


def test_docs_render_in_chromium_without_csp_errors(served, browser):
    port, _ = served
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"http://127.0.0.1:{port}/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() > 20
    page.close()
    assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == [], errors
