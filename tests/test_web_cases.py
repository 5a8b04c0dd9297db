"""The idle-land case in the web service, on both engines: the public list of idle land
is the one thing shown without signing in, and shows nothing but the published fields;
the JSON API carries a case out (act numbers with 〔〕 and Chinese in the address,
URL-encoded) with the same refusals as the command line; viewers and clerks of other
districts are refused every write; the case page offers the actions its state allows;
what falls due is a clerk's districts; an upload may pass the body limit up to the
attachment limit, for a signed-in writer only."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from urllib.parse import quote

import fastapi.routing
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import text

from landbank.db.engine import make_engine
from landbank.domain.case_lists import PUBLIC_FIELDS
from landbank.services.users import add_user
from landbank.web.app import create_app
from tests.helpers import store_of
from tests.test_case_lists import CLERK, HOLDERS, LAND_PRICE_WAN, NOTE, make_cases

API = "/api/v1"
PASSWORD = "correct horse"
# 李 acts in 市中区 (parcels A, C, D), 王 in 薛城区 (B); 赵 reads; 管 is the admin
LI, WANG, ZHAO, GUAN = "李四海", "王五岳", "赵六合", "管理员甲"
USERS = {LI: ("clerk", "市中区"), WANG: ("clerk", "薛城区"), ZHAO: ("viewer", None),
         GUAN: ("admin", None)}  # fmt: skip
# what may be shown without signing in: the public list, the sign-in form, the API's
# own description and the static files
PUBLIC_PATHS = {
    "/public/idle-land",
    "/public/idle-land.xlsx",
    "/public/idle-land.geojson",
    "/login",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/openapi.json",
    # the survey page's service worker and map library: files, like /static/web
    "/survey-sw.js",
    "/survey/assets/leaflet.js",
    "/survey/assets/leaflet.css",
}


@pytest.fixture
def web(db_url, small_city, tmp_path) -> dict:
    cases = make_cases(db_url, small_city, tmp_path)
    for name, (role, district) in USERS.items():
        add_user(store_of(db_url), name, role, PASSWORD, district)
    app = create_app(db_url)
    return {**cases, "app": app, "client": TestClient(app), "db_url": db_url}


def _bearer(client: TestClient, name: str) -> dict[str, str]:
    r = client.post(f"{API}/auth/token", data={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _browser(app, name: str) -> tuple[TestClient, str]:
    """A browser signed in as ``name``, and the CSRF token of its session."""
    browser = TestClient(app)
    token = _csrf(browser.get("/login").text)
    r = browser.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return browser, _csrf(browser.get("/").text)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]*)"', html).group(1)


def _n(number: str) -> str:
    """A number (文号) as one segment of an address."""
    return quote(number, safe="")


def _png(size_bytes: int = 2000) -> bytes:
    """A real PNG of about ``size_bytes`` (noise does not compress)."""
    side = max(8, int((size_bytes / 3) ** 0.5))
    image = Image.frombytes("RGB", (side, side), bytes(_noise(side * side * 3)))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _noise(n: int) -> bytes:
    return hashlib.shake_256(b"landbank").digest(n)


def _written(url: str) -> dict:
    """What a refused write must leave as it was: acts, numbers, files, states."""
    engine = make_engine(url)
    queries = {
        "acts": "SELECT number, status, served_on, hearing_requested_on, paid_on FROM case_act",
        "numbers": "SELECT kind, year, last_seq FROM doc_number_seq",
        "links": "SELECT role, filename FROM attachment_link",
        "files": "SELECT sha256 FROM attachment",
        "cases": "SELECT parcel_code, status, method FROM disposal",
        "events": "SELECT count(*) FROM parcel_event",
    }
    with engine.connect() as conn:
        found = {
            k: sorted(tuple(map(str, r)) for r in conn.execute(text(q))) for k, q in queries.items()
        }
    engine.dispose()
    return found


# ---- the public list --------------------------------------------------------------------


def test_the_public_page_shows_the_published_fields_without_signing_in(web):
    client = web["client"]  # signed in as nobody
    r = client.get("/public/idle-land")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    headers = re.findall(r"<th>([^<]*)</th>", r.text)
    assert headers == [zh for _, zh, _ in PUBLIC_FIELDS]
    body = r.text
    assert web["hearing"] in body and web["government"] in body and HOLDERS[1] in body
    assert "政府原因" in body and "2026-07-16" in body
    assert web["investigating"] not in body and HOLDERS[0] not in body  # not determined
    assert web["disposed"] not in body and HOLDERS[3] not in body  # disposed: left the list
    # nothing but the published fields: no clerk, note, price, fee, number or area
    for secret in (CLERK, NOTE, "1234.5", "1,234.5", "246.9", GUAN, LI, WANG, ZHAO, "亩"):
        assert secret not in body, secret
    for number in web["numbers"].values():
        assert number not in body
    assert 'action="/logout"' not in body and "/parcels" not in body
    en = client.get("/public/idle-land", params={"lang": "en"}).text
    assert "Land-use right holder" in en and "Idle for" in en


def test_the_public_downloads_hold_only_the_published_fields(web):
    client = web["client"]
    r = client.get("/public/idle-land.geojson")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    features = json.loads(r.content)["features"]
    assert {f["properties"]["code"] for f in features} == {web["hearing"], web["government"]}
    for feature in features:
        assert list(feature["properties"]) == [key for key, _, _ in PUBLIC_FIELDS]
    r = client.get("/public/idle-land.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert "filename*=UTF-8''" in r.headers["content-disposition"]


def _get_routes(app):
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    for route in flatten(app.routes) if flatten else app.routes:
        if "GET" in (getattr(route, "methods", None) or ()):
            yield route.path


def test_nothing_else_is_reachable_without_signing_in(web):
    client, number = web["client"], web["numbers"]["b_hearing"]
    paths = list(_get_routes(web["app"]))
    assert {"/public/idle-land", "/cases/{code}", f"{API}/cases/{{code}}"} <= set(paths)
    for path in paths:
        if path in PUBLIC_PATHS:
            continue
        url = path.replace("{number}", _n(number)).replace("{name}", "x")
        url = re.sub(r"\{[^}]+\}", quote(web["hearing"], safe=""), url)
        r = client.get(url, follow_redirects=False)
        if path.startswith(("/api/", "/ogc", "/tiles")):  # GIS clients: 401, as /ogc
            assert r.status_code == 401, (path, r.status_code)
        else:
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    # and no write goes through the public page's neighbourhood
    r = client.post("/public/idle-land", follow_redirects=False)
    assert r.status_code in (303, 405)


# ---- the JSON API -------------------------------------------------------------------------


def test_a_clerk_carries_out_a_case_through_the_api(web):
    client, a = web["client"], web["investigating"]
    li = _bearer(client, LI)
    r = client.get(f"{API}/cases/{quote(a)}", headers=_bearer(client, ZHAO))  # a viewer reads
    assert r.status_code == 200 and r.json()["state"] == "investigating"
    (notice,) = r.json()["acts"]
    assert notice["served_on"] == "2026-09-03"
    assert notice["deadlines"][0]["what"] == "answer to the investigation notice"
    assert notice["deadlines"][0]["due_on"] == "2026-10-08"
    r = client.post(
        f"{API}/cases/{quote(a)}/acts", json={"kind": "determination", "on": "2026-10-09"},
        headers=li,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    assert "〔2026〕" in number and r.json()["kind"] == "determination"
    r = client.get(f"{API}/acts/{_n(number)}/document.docx", headers=li)
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    proof = _png()
    r = client.post(
        f"{API}/acts/{_n(number)}/service",
        data={"on": "2026-10-10", "method": "left", "to": "门卫 张三"},
        files={"proof": ("送达回证.png", proof, "image/png")},
        headers=li,
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "determined"
    served = next(x for x in r.json()["acts"] if x["number"] == number)
    assert served["served_on"] == "2026-10-10" and served["service_method"] == "left"
    assert served["served_to"] == "门卫 张三"
    (kept,) = [f for f in served["files"] if f["role"] == "proof"]
    assert kept["sha256"] == hashlib.sha256(proof).hexdigest()


@pytest.mark.parametrize(
    "send, says",
    [
        ({"kind": "fee", "on": "2026-10-09"}, "needs a determined case"),
        ({"kind": "investigation", "on": "2026-10-09"}, "already has a live investigation"),
        ({"kind": "determination", "on": "2026-08-01"}, "before the previous act"),
        ({"kind": "determination", "on": "2099-01-01"}, "on"),
        ({"kind": "summons"}, "kind 'summons' is unknown"),
    ],
)
def test_an_act_the_case_does_not_allow_is_422_and_writes_nothing(web, send, says):
    client, a = web["client"], web["investigating"]
    before = _written(web["url"])
    r = client.post(f"{API}/cases/{quote(a)}/acts", json=send, headers=_bearer(client, LI))
    assert r.status_code == 422 and says in json.dumps(r.json(), ensure_ascii=False), r.text
    assert _written(web["url"]) == before


def test_a_bad_service_is_422_and_writes_nothing(web):
    client, number = web["client"], web["numbers"]["a_investigation"]
    li = _bearer(client, LI)
    determination = client.post(
        f"{API}/cases/{quote(web['investigating'])}/acts",
        json={"kind": "determination", "on": "2026-09-20"}, headers=li,
    ).json()["number"]  # fmt: skip
    before = _written(web["url"])
    refused = [
        (number, {"on": "2026-10-01", "method": "direct"}, None, "served on 2026-09-03 already"),
        (determination, {"on": "2026-10-01", "method": "fax"}, None, "--method fax"),
        (determination, {"on": "2026-13-01", "method": "direct"}, None, "not a date"),
        (determination, {"on": "2026-10-01", "method": "direct"},
         ("proof.png", b'{"type": "FeatureCollection"}', "image/png"), "proof.png"),
        ("枣自然资闲认〔2026〕999号", {"on": "2026-10-01", "method": "direct"}, None,
         "no act is numbered"),
    ]  # fmt: skip
    for act, data, proof, says in refused:
        files = {"proof": proof} if proof else None
        r = client.post(f"{API}/acts/{_n(act)}/service", data=data, files=files, headers=li)
        assert r.status_code in (404, 422) and says in r.text, (says, r.status_code, r.text)
        assert _written(web["url"]) == before


def test_hearing_fee_void_and_payment_through_the_api(web):
    client, b, hearing = web["client"], web["hearing"], web["numbers"]["b_hearing"]
    wang = _bearer(client, WANG)
    r = client.post(
        f"{API}/acts/{_n(hearing)}/hearing", json={"requested_on": "2026-10-09"}, headers=wang
    )
    assert r.status_code == 200, r.text
    before = _written(web["url"])
    r = client.post(
        f"{API}/cases/{quote(b)}/acts", json={"kind": "fee", "on": "2026-10-20"}, headers=wang
    )
    assert r.status_code == 422 and "record it held first" in r.json()["detail"]
    assert _written(web["url"]) == before
    r = client.post(
        f"{API}/acts/{_n(hearing)}/hearing",
        json={"held_on": "2026-10-20", "outcome": "维持征缴意见"},
        headers=wang,
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"{API}/cases/{quote(b)}/acts", json={"kind": "fee", "on": "2026-10-21"}, headers=wang
    )
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["amount_wan"] == round(LAND_PRICE_WAN * 0.2, 2)
    assert "20%" in first["fee_basis"]
    r = client.post(
        f"{API}/acts/{_n(first['number'])}/void", json={"reason": "金额笔误"}, headers=wang
    )
    assert r.status_code == 200, r.text
    voided = next(x for x in r.json()["acts"] if x["number"] == first["number"])
    assert voided["status"] == "voided" and voided["void_reason"] == "金额笔误"
    r = client.post(
        f"{API}/cases/{quote(b)}/acts", json={"kind": "fee", "on": "2026-10-22"}, headers=wang
    )
    assert r.status_code == 201 and r.json()["number"] != first["number"]
    fee = r.json()["number"]
    r = client.post(
        f"{API}/acts/{_n(fee)}/service", data={"on": "2026-10-23", "method": "post"}, headers=wang
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"{API}/acts/{_n(fee)}/payment",
        json={"amount_wan": 1.0, "on": "2026-10-30", "receipt": "NO.0001"},
        headers=wang,
    )
    assert r.status_code == 422 and "less than the fee" in r.json()["detail"]
    paid = {"amount_wan": first["amount_wan"], "on": "2026-10-30", "receipt": "NO.0001"}
    r = client.post(f"{API}/acts/{_n(fee)}/payment", json=paid, headers=wang)
    assert r.status_code == 200, r.text
    shown = next(x for x in r.json()["acts"] if x["number"] == fee)
    assert shown["paid_on"] == "2026-10-30" and shown["receipt"] == "NO.0001"


def test_every_case_write_refuses_a_viewer_and_a_clerk_of_another_district(web):
    client, b, number = web["client"], web["hearing"], web["numbers"]["b_hearing"]
    png = ("e.png", _png(), "image/png")
    writes = [
        (f"/cases/{quote(b)}/acts", {"json": {"kind": "fee"}}),
        (f"/acts/{_n(number)}/service", {"data": {"on": "2026-10-01", "method": "direct"}}),
        (f"/acts/{_n(number)}/hearing", {"json": {"requested_on": "2026-10-01"}}),
        (f"/acts/{_n(number)}/payment", {"json": {"amount_wan": 1, "on": "2026-10-01"}}),
        (f"/acts/{_n(number)}/deregistration", {"json": {"on": "2026-10-01"}}),
        (f"/acts/{_n(number)}/void", {"json": {"reason": "r"}}),
        (f"/cases/{quote(b)}/attachments", {"files": {"file": png}}),
    ]
    before = _written(web["url"])
    for who in (ZHAO, LI):
        headers = _bearer(client, who)
        for path, body in writes:
            r = client.post(API + path, headers=headers, **body)
            assert r.status_code == 403, (who, path, r.status_code, r.text)
            if who == LI:
                assert "薛城区" in r.json()["detail"] and "市中区" in r.json()["detail"]
    assert _written(web["url"]) == before


def test_what_falls_due_is_the_clerks_districts_and_everything_for_a_viewer(web):
    client = web["client"]
    r = client.get(f"{API}/cases/due", params={"within": 3650}, headers=_bearer(client, WANG))
    assert r.status_code == 200 and {d["code"] for d in r.json()} == {web["hearing"]}
    r = client.get(f"{API}/cases/due", params={"within": 3650}, headers=_bearer(client, ZHAO))
    assert {d["code"] for d in r.json()} == {web["hearing"], web["investigating"]}
    r = client.get(f"{API}/cases/due", params={"within": -1}, headers=_bearer(client, ZHAO))
    assert r.status_code == 422
    browser, _ = _browser(web["app"], LI)
    page = browser.get("/cases/due", params={"within": 3650}).text
    assert web["investigating"] in page and web["hearing"] not in page
    assert "调查通知答复期限" in page and f'href="/cases/{web["investigating"]}"' in page


# ---- the pages ----------------------------------------------------------------------------


def test_the_case_page_offers_what_the_state_allows_to_who_may_act(web):
    a = web["investigating"]
    browser, csrf = _browser(web["app"], LI)
    page = browser.get(f"/cases/{quote(a)}").text
    assert web["numbers"]["a_investigation"] in page and "2026-10-08" in page
    issue = re.search(r'<form[^>]*id="issue-form".*?</form>', page, re.S).group(0)
    assert re.findall(r'<option value="([a-z_]+)"', issue) == ["determination"]
    assert 'id="serve-investigation"' not in page  # served already
    assert f'href="/acts/{_n(web["numbers"]["a_investigation"])}/document.docx"' in page
    parcel = browser.get(f"/parcels/{quote(a)}").text
    assert f'href="/cases/{quote(a)}"' in parcel
    for who in (ZHAO, WANG):
        other, _ = _browser(web["app"], who)
        shown = other.get(f"/cases/{quote(a)}").text
        assert (
            web["numbers"]["a_investigation"] in shown
            and '<form method="post" action="/cases' not in shown
        )
    en = browser.get(f"/cases/{quote(a)}", params={"lang": "en"}).text
    assert "investigation notice" in en and "Documents" in en


def test_a_clerk_issues_and_serves_from_the_page(web):
    a = web["investigating"]
    browser, csrf = _browser(web["app"], LI)
    before = _written(web["url"])
    r = browser.post(f"/cases/{quote(a)}/issue", data={"kind": "determination"},
                     follow_redirects=False)  # fmt: skip
    assert r.status_code == 403 and _written(web["url"]) == before  # no CSRF token
    r = browser.post(
        f"/cases/{quote(a)}/issue",
        data={"csrf_token": csrf, "kind": "determination", "on": "2026-10-09"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("note=case_saved")
    page = browser.get(f"/cases/{quote(a)}").text
    form = re.search(r'<form[^>]*id="serve-determination".*?</form>', page, re.S).group(0)
    action = re.search(r'action="([^"]+)"', form).group(1)
    r = browser.post(
        action,
        data={"csrf_token": csrf, "on": "2026-10-10", "method": "direct"},
        files={"proof": ("回证.png", _png(), "image/png")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = browser.get(f"/cases/{quote(a)}").text
    assert 'id="case-state">已认定' in page and "回证.png" in page
    r = browser.post(
        f"/cases/{quote(a)}/issue",
        data={"csrf_token": csrf, "kind": "fee", "on": "2026-10-11"},
        follow_redirects=False,
    )
    assert r.status_code == 422 and "hearing notice" in r.text  # the page again, the reason


# ---- the body limit of uploads --------------------------------------------------------


def test_an_upload_may_pass_the_body_limit_up_to_the_attachment_limit(web, tmp_path, monkeypatch):
    profile = tmp_path / "city.toml"
    profile.write_text('name = "city"\n[case]\nattachment_max_mb = 2\n', encoding="utf-8")
    monkeypatch.setenv("LANDBANK_PROFILE", str(profile))
    client, a = web["client"], web["investigating"]
    li = _bearer(client, LI)
    number = client.post(
        f"{API}/cases/{quote(a)}/acts", json={"kind": "determination", "on": "2026-10-09"},
        headers=li,
    ).json()["number"]  # fmt: skip
    url = f"{API}/acts/{_n(number)}/service"
    form = {"on": "2026-10-10", "method": "direct"}
    big, too_big = _png(int(1.5 * 1048576)), _png(int(2.5 * 1048576))
    assert 1048576 < len(big) < 2 * 1048576 < len(too_big)
    before = _written(web["url"])
    r = client.post(url, data=form, files={"proof": ("p.png", too_big, "image/png")}, headers=li)
    assert r.status_code == 413 and "2 MB" in r.json()["detail"]
    viewer = _bearer(client, ZHAO)  # a viewer keeps the body limit of every request
    r = client.post(url, data=form, files={"proof": ("p.png", big, "image/png")}, headers=viewer)
    assert r.status_code == 413
    r = client.post(url, data=form, files={"proof": ("p.png", big, "image/png")})
    assert r.status_code == 401  # no token: refused before the body is read
    assert _written(web["url"]) == before
    r = client.post(url, data=form, files={"proof": ("p.png", big, "image/png")}, headers=li)
    assert r.status_code == 200, r.text
    served = next(x for x in r.json()["acts"] if x["number"] == number)
    assert [f["size_bytes"] for f in served["files"] if f["role"] == "proof"] == [len(big)]


# ---- what other helpers' services provide ------------------------------------------------


def test_evidence_is_attached_through_the_api(web):
    client, a = web["client"], web["investigating"]
    photo = _png()
    r = client.post(
        f"{API}/cases/{quote(a)}/attachments",
        files={"file": ("现场照片.png", photo, "image/png")},
        data={"note": "现场"},
        headers=_bearer(client, LI),
    )
    assert r.status_code == 201, r.text
    shown = client.get(f"{API}/cases/{quote(a)}", headers=_bearer(client, ZHAO)).json()
    assert [e["sha256"] for e in shown["evidence"]] == [hashlib.sha256(photo).hexdigest()]


def test_the_case_file_downloads_as_a_zip(web):
    client, b = web["client"], web["hearing"]
    r = client.get(f"{API}/cases/{quote(b)}/file.zip", headers=_bearer(client, ZHAO))
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert any(n.endswith(".docx") for n in names)
    browser, _ = _browser(web["app"], WANG)
    r = browser.get(f"/cases/{quote(b)}/file.zip")
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_an_acts_pdf_is_made_once_by_libreoffice(web):
    from landbank.io.documents import soffice

    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed: make setup installs it")
    from landbank.db import attachments
    from landbank.db import cases as cases_db

    client, number = web["client"], web["numbers"]["b_determination"]

    def kept() -> int:
        with store_of(web["db_url"]).read() as uow:
            act = cases_db.act_by_number(uow, number)
            return len(attachments.links(uow, act_id=act["id"], role="pdf"))

    viewer = _bearer(client, ZHAO)
    r = client.get(f"{API}/acts/{_n(number)}/document.pdf", headers=viewer)
    assert r.status_code == 200 and r.content[:5] == b"%PDF-", r.text[:300]
    assert kept() == 0  # a viewer's GET writes nothing
    writer = _bearer(client, GUAN)
    made = client.get(f"{API}/acts/{_n(number)}/document.pdf", headers=writer)
    assert made.status_code == 200 and made.content[:5] == b"%PDF-" and kept() == 1
    again = client.get(f"{API}/acts/{_n(number)}/document.pdf", headers=viewer)
    assert again.content == made.content  # kept, not made again
    missing = client.get(f"{API}/acts/{_n('无此文号')}/document.pdf", headers=viewer)
    assert missing.status_code == 404


def test_the_issue_form_names_the_government_cause_and_passes_it(web):
    from landbank.db import cases as cases_db
    from landbank.domain.case_documents import GOVERNMENT_CAUSES

    c = web["government"]
    browser, csrf = _browser(web["app"], LI)
    page = browser.get(f"/cases/{quote(c)}").text
    issue = re.search(r'<form[^>]*id="issue-form".*?</form>', page, re.S).group(0)
    select = re.search(r'<select name="cause_type">.*?</select>', issue, re.S).group(0)
    assert re.findall(r'<option value="([a-z_]*)"', select) == ["", *GOVERNMENT_CAUSES]
    # an enterprise-caused case has no such field
    other = browser.get(f"/cases/{quote(web['investigating'])}").text
    assert 'name="cause_type"' not in other
    today = dt.date.today()
    r = browser.post(
        f"/cases/{quote(c)}/issue",
        data={"csrf_token": csrf, "kind": "agreement", "on": today.isoformat(),
              "method": "extend_deadline", "cause_type": "plan_change",
              "new_start_on": (today + dt.timedelta(days=100)).isoformat()},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    with store_of(web["url"]).read() as uow:
        numbers = [n["number"] for n in cases_db.numbers(uow, None, "agreement")]
        fields = json.loads(cases_db.act_by_number(uow, numbers[-1])["fields"])
    assert any(GOVERNMENT_CAUSES["plan_change"] in str(v) for v in fields.values()), fields
