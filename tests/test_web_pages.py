"""The pages of the web service: sign in (HttpOnly SameSite cookie, limited tries, no
open redirect), CSRF on every form post, rights (viewers and clerks of other districts
refused), the edit form's version check and per-field messages, the English switch,
nothing loaded from another site; and, in Debian's Chromium, a clerk changing a parcel
and seeing its new category on its page and its map. Both engines."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text as sql

from landbank.db.engine import make_engine
from landbank.domain import disposal as wf
from landbank.domain.categories import CATEGORIES
from landbank.domain.rights import User
from landbank.errors import NotFoundError
from landbank.services import disposal as disposal_service
from landbank.services import parcel_maps
from landbank.services import parcels as parcel_service
from landbank.services.buildings import list_buildings
from landbank.services.users import add_user
from landbank.web.app import create_app
from landbank.web.security import SESSION_COOKIE
from tests.conftest import ROOT, Cli, _new_database, make_disposing_city
from tests.helpers import serve_act, store_of, table_counts
from tests.helpers import served as serve_app

PASSWORD = "correct horse"
CLERK, OTHER_CLERK, VIEWER = "李", "王", "赵"  # 李 edits 市中区, 王 薛城区; 赵 reads


def _codes(url: str, category: str, district: str = "市中区") -> list[str]:
    page = parcel_service.page_parcels(store_of(url), category, district, limit=500)
    return [p["code"] for p in page["items"]]


def _has_disposal(url: str, code: str) -> bool:
    try:
        disposal_service.show_disposal(store_of(url), code)
    except Exception:
        return False
    return True


@pytest.fixture(scope="module", params=["spatialite", "postgis"])
def city(request, tmp_path_factory) -> dict:
    """The sample city with disposals, buildings and three users, once per engine;
    each test that writes takes parcels of its own from the lists here."""
    url, drop = _new_database(request, request.param, tmp_path_factory.mktemp("city"))
    cli = Cli()
    make_disposing_city(cli, url)
    sample = ROOT / "data" / "buildings" / "zaozhuang_buildings.xlsx"
    for what in ("buildings", "vacancies"):
        assert cli("import", what, sample, db=url).exit_code == 0
    add_user(store_of(url), CLERK, "clerk", PASSWORD, "市中区")
    add_user(store_of(url), OTHER_CLERK, "clerk", PASSWORD, "薛城区")
    add_user(store_of(url), VIEWER, "viewer", PASSWORD)
    idle = _codes(url, "supplied_not_used")
    unopened = [c for c in _codes(url, "approved_not_supplied") if not _has_disposal(url, c)]
    opened = [c for c in idle if _has_disposal(url, c)]
    assert len(idle) >= 5 and len(unopened) >= 1 and opened
    yield {
        "url": url,
        "read": idle[0],  # only read
        "edit": idle[-1],  # the form test changes it
        "browser": idle[-2],  # the browser test changes it
        "conflict": idle[-3],
        "markup": idle[-4],  # given a holder written as markup
        "open": unopened[0],  # the disposal test opens one on it
        "opened": opened[0],
    }
    drop()


# -- helpers --------------------------------------------------------------------------


class _Forms(HTMLParser):
    """The fields a browser would post from each form of a page (by form id), and every
    address the page loads or links (tag, attribute, value)."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self.refs: list[tuple[str, str, str]] = []
        self._form: str | None = None
        self._select: str | None = None
        self._first: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href", "action"):
            if a.get(key) is not None:
                self.refs.append((tag, key, a[key]))
        if tag == "form":
            self._form = a.get("id") or a.get("action")
            self.forms[self._form] = {}
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "radio"):
            self.forms[self._form][a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select, self._first = a.get("name"), None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first is None:
                self._first = value
                self.forms[self._form][self._select] = value
            if "selected" in a:
                self.forms[self._form][self._select] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _parse(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    return parser


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]*)"', html).group(1)


def _sign_in(client: TestClient, name: str, password: str = PASSWORD, next_path: str = "/"):
    token = _csrf(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": token, "next": next_path},
        follow_redirects=False,
    )


def _client(city: dict, name: str | None = None, **kwargs) -> TestClient:
    client = TestClient(create_app(city["url"], **kwargs))
    if name is not None:
        assert _sign_in(client, name).status_code == 303
    return client


def _page(client: TestClient, code: str) -> tuple[str, _Forms]:
    r = client.get(f"/parcels/{quote(code)}")
    assert r.status_code == 200, r.text
    return r.text, _parse(r.text)


# -- signing in -----------------------------------------------------------------------


def test_sign_in_sets_an_httponly_samesite_session_cookie(city):
    client = _client(city)
    r = _sign_in(client, CLERK, next_path="/parcels")
    assert r.status_code == 303 and r.headers["location"] == "/parcels"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    attributes = [a.strip().lower() for a in cookie.split(";")]
    assert "httponly" in attributes and "path=/" in attributes
    assert any(a in ("samesite=lax", "samesite=strict") for a in attributes)
    assert "secure" not in attributes  # plain http here; set over https
    page = client.get("/")
    assert page.status_code == 200 and CLERK in page.text
    # signing out clears it, with the form's CSRF token
    out = client.post("/logout", data={"csrf_token": _csrf(page.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_wrong_password_is_refused_with_no_session(city):
    client = _client(city)
    r = _sign_in(client, CLERK, "wrong horse")
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_the_sign_in_form_needs_its_own_csrf_token(city):
    client = _client(city)
    client.get("/login")
    r = client.post(
        "/login",
        data={"username": CLERK, "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert r.status_code == 403 and SESSION_COOKIE not in r.headers.get("set-cookie", "")


def _forget_sign_ins(url: str) -> None:
    """The failed sign-ins are counted in the database, which this module's tests share."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sql("DELETE FROM login_failure"))
    engine.dispose()


def test_failed_sign_ins_are_limited(city):
    _forget_sign_ins(city["url"])
    client = _client(city, login_attempts=3)
    try:
        for _ in range(3):
            assert _sign_in(client, CLERK, "a guess").status_code == 401
        r = _sign_in(client, CLERK)
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
    finally:
        _forget_sign_ins(city["url"])


@pytest.mark.parametrize(
    "path",
    ["/", "/parcels?district=市中区", "/parcels/{code}", "/match", "/buildings",
     "/maps/progress", "/maps/parcel/{code}"],
)  # fmt: skip
def test_pages_send_the_signed_out_to_sign_in_and_back(city, path):
    path = path.format(code=city["read"])
    client = _client(city)
    for cookie in (None, "forged.token.value"):
        if cookie:
            client.cookies.set(SESSION_COOKIE, cookie)
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303
        target = urlsplit(r.headers["location"])
        assert target.path == "/login" and unquote(parse_qs(target.query)["next"][0]) == path
    client.cookies.clear()
    landed = _sign_in(client, CLERK, next_path=path)
    assert unquote(landed.headers["location"]) == path


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "http:/evil.example",
     "javascript:alert(1)", "/\x0d\x0aLocation: https://evil.example"],
)  # fmt: skip
def test_sign_in_never_redirects_to_another_site(city, target):
    client = _client(city)
    r = _sign_in(client, CLERK, next_path=target)
    assert r.status_code == 303 and r.headers["location"] == "/"
    again = client.get("/login", params={"next": target}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/"


# -- posts: CSRF and rights -----------------------------------------------------------


def _edit_form(forms: _Forms, **changes) -> dict[str, str]:
    data = dict(forms.forms["edit-form"])
    data.update(changes)
    return data


POSTS = ("edit", "disposal/open", "disposal/advance", "disposal/blocker")


def test_posts_without_or_with_a_wrong_csrf_token_are_refused_and_change_nothing(city):
    client = _client(city, CLERK)
    code = city["opened"]
    html, forms = _page(client, code)
    assert "edit-form" in forms.forms and "advance-form" in forms.forms
    valid = _edit_form(forms, f_holder="改名公司", reason="核实")
    before = table_counts(city["url"])
    for token in (None, "", "0" * 64, _csrf(html)[:-1] + "x"):
        for action in POSTS:
            data = {**valid, "to": "dismissed", "kind": "mortgage", "method": "other"}
            if token is None:
                data.pop("csrf_token")
            else:
                data["csrf_token"] = token
            r = client.post(f"/parcels/{quote(code)}/{action}", data=data, follow_redirects=False)
            assert r.status_code == 403, (action, token)
            assert "表单校验失败" in r.text
        r = client.post("/logout", data={"csrf_token": token or ""}, follow_redirects=False)
        assert r.status_code == 403
    assert table_counts(city["url"]) == before
    # the token of another user's session does not pass either
    foreign = _csrf(_client(city, OTHER_CLERK).get("/").text)
    r = client.post(
        f"/parcels/{quote(code)}/edit",
        data={**valid, "csrf_token": foreign},
        follow_redirects=False,
    )
    assert r.status_code == 403 and table_counts(city["url"]) == before


def test_a_post_without_a_session_goes_to_sign_in_and_changes_nothing(city):
    forms = _page(_client(city, CLERK), city["opened"])[1]
    before = table_counts(city["url"])
    stranger = _client(city)
    data = _edit_form(forms, f_holder="改名公司", reason="核实")
    r = stranger.post(f"/parcels/{quote(city['opened'])}/edit", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert table_counts(city["url"]) == before


@pytest.mark.parametrize(("who", "says"), [(VIEWER, "只能浏览"), (OTHER_CLERK, "薛城区")])
def test_those_who_may_not_edit_see_no_form_and_their_posts_are_refused(city, who, says):
    code = city["opened"]
    clerk_forms = _page(_client(city, CLERK), code)[1]
    client = _client(city, who)
    html, forms = _page(client, code)
    assert not {"edit-form", "advance-form", "blocker-form", "open-form"} & set(forms.forms)
    assert "无修改权限" in html
    before = table_counts(city["url"])
    data = _edit_form(clerk_forms, f_holder="改名公司", reason="核实")
    data["csrf_token"] = _csrf(html)  # the user's own, valid token
    for action in POSTS:
        payload = {**data, "to": "dismissed", "kind": "mortgage", "method": "other"}
        r = client.post(f"/parcels/{quote(code)}/{action}", data=payload, follow_redirects=False)
        assert r.status_code == 403 and says in r.text, action
    assert table_counts(city["url"]) == before


# -- the edit form ----------------------------------------------------------------------


def test_a_clerk_changes_a_field_and_the_page_shows_the_new_category(city):
    client = _client(city, CLERK)
    code = city["edit"]
    html, forms = _page(client, code)
    old = parcel_service.show_parcel(store_of(city["url"]), code)
    assert old["category"] == "supplied_not_used"
    assert CATEGORIES["supplied_not_used"]["zh"] in html
    data = _edit_form(forms, f_started_on="2025-03-01", f_developed_area_mu="10", reason="现场核查")
    r = client.post(f"/parcels/{quote(code)}/edit", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/parcels/{code}?note=saved"
    new = parcel_service.show_parcel(store_of(city["url"]), code)
    assert new["version"] == old["version"] + 1 and new["started_on"] == "2025-03-01"
    assert new["category"] != "supplied_not_used"
    page = client.get(r.headers["location"]).text
    assert "已保存" in page
    shown = re.search(r'<span id="category"[^>]*>([^<]*)</span>', page).group(1)
    assert shown == CATEGORIES[new["category"]]["zh"]
    # only the changed fields were written, each with the clerk and the reason
    events = parcel_service.history(store_of(city["url"]), code)
    latest = [e for e in events if e["reason"] == "现场核查"]
    assert {e["field"] for e in latest} == {"started_on", "developed_area_mu", "category"}
    assert all(e["by"] == CLERK for e in latest)
    assert "现场核查" in page and "实际开工日期" in page


def test_a_stale_version_shows_the_conflict_and_writes_nothing(city):
    client = _client(city, CLERK)
    code = city["conflict"]
    _, forms = _page(client, code)
    read_at = int(forms.forms["edit-form"]["version"])
    parcel_service.set_fields(
        store_of(city["url"]), code, {"holder": "先改的公司"}, by="张", reason="更正"
    )
    before = table_counts(city["url"])
    data = _edit_form(forms, f_holder="后改的公司", reason="更正")
    r = client.post(f"/parcels/{quote(code)}/edit", data=data, follow_redirects=False)
    assert r.status_code == 409
    assert "已被他人修改" in r.text and f"当前版本 {read_at + 1}" in r.text
    assert "后改的公司" in r.text  # what the clerk tried, to make again
    assert table_counts(city["url"]) == before
    assert parcel_service.show_parcel(store_of(city["url"]), code)["holder"] == "先改的公司"
    # the form now carries the current version and values
    assert _parse(r.text).forms["edit-form"]["version"] == str(read_at + 1)
    assert _parse(r.text).forms["edit-form"]["f_holder"] == "先改的公司"


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"f_started_on": "2031-02-30"}, "f_started_on", "not a date"),
        ({"f_developed_area_mu": "很多"}, "f_developed_area_mu", "developed_area_mu"),
        ({"other_field": "plot_ratio_min", "other_value": "abc"}, "other_value", "plot_ratio_min"),
        ({"f_holder": "新公司", "reason": ""}, "reason", "请填写修改原因"),
        ({}, None, "没有改动任何字段"),
    ],
)
def test_a_bad_value_shows_the_fields_message_and_writes_nothing(city, changes, field, says):
    client = _client(city, CLERK)
    code = city["read"]
    _, forms = _page(client, code)
    before = table_counts(city["url"])
    data = _edit_form(forms, **{"reason": "核实", **changes})
    r = client.post(f"/parcels/{quote(code)}/edit", data=data, follow_redirects=False)
    assert r.status_code == 422 and says in r.text
    assert table_counts(city["url"]) == before
    if field:  # what the clerk typed stays in the form
        assert _parse(r.text).forms["edit-form"][field] == data[field]


def test_what_users_typed_is_shown_as_text_never_run(city):
    code = city["markup"]
    markup = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    parcel_service.set_fields(
        store_of(city["url"]), code, {"holder": markup}, by="张", reason="<b>测</b>"
    )
    html = _client(city, CLERK).get(f"/parcels/{quote(code)}").text
    assert markup not in html and "<b>测</b>" not in html and "<script" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


# -- disposal actions -------------------------------------------------------------------


def test_a_clerk_opens_advances_blocks_and_unblocks_a_disposal_from_the_page(city):
    client = _client(city, CLERK)
    code = city["open"]
    html, forms = _page(client, code)
    assert "open-form" in forms.forms and "advance-form" not in forms.forms

    def post(step: str, **data):
        fields = {"csrf_token": _csrf(html), **data}
        return client.post(f"/parcels/{quote(code)}/disposal/{step}", data=fields,
                           follow_redirects=False)  # fmt: skip

    r = post("open", method="supply", cause="", planned_on="2027-06-30", note="立案")
    assert r.status_code == 303 and r.headers["location"].endswith("?note=disposal_saved")
    html, forms = _page(client, code)
    assert "处置步骤已记录" not in html  # the note is shown only on the redirect's page
    assert "疑似" in html and "advance-form" in forms.forms and "open-form" not in forms.forms
    # investigating stands on a served investigation notice: the page refuses a bare step
    refused = post("advance", to="investigating", note="发函")
    assert refused.status_code == 422 and "served investigation notice" in refused.text
    serve_act(city["url"], code, "investigation", dt.date.today(), CLERK)
    assert post("blocker", kind="mortgage", action="block", note="抵押登记").status_code == 303
    shown = client.get(f"/parcels/{quote(code)}?note=disposal_saved").text
    assert "处置步骤已记录" in shown and "调查中" in shown and "抵押" in shown
    assert post("blocker", kind="mortgage", action="unblock").status_code == 303
    state = disposal_service.show_disposal(store_of(city["url"]), code)["disposals"][0]
    assert state["state"] == "investigating" and state["blockers"] == []
    assert [s["action"] for s in state["steps"]] == ["open", "advance", "block", "unblock"]
    assert {s["by"] for s in state["steps"]} == {CLERK}
    # a step the workflow does not allow: the page says which are, nothing is written
    before = table_counts(city["url"])
    r = post("advance", to="disposed")
    assert r.status_code == 422 and "allowed next" in r.text
    assert table_counts(city["url"]) == before


def test_the_parcel_page_asks_one_service_for_all_it_shows(city):
    store, code, today = store_of(city["url"]), city["opened"], dt.date(2026, 9, 1)
    clerk = User(CLERK, "clerk", ("市中区",))
    shown = parcel_service.parcel_page(store, code, clerk, today)
    assert shown["parcel"] == parcel_service.show_parcel(store, code)
    assert shown["events"] == list(reversed(parcel_service.history(store, code)))
    disposals = disposal_service.show_disposal(store, code, today)["disposals"]
    assert shown["disposals"] == disposals and shown["today"] == "2026-09-01"
    active = next((d for d in disposals if d["state"] not in wf.ENDED), None)
    assert shown["active"] == active and disposals
    assert shown["next_states"] == (wf.TRANSITIONS[active["state"]] if active else ())
    assert shown["may_edit"]
    for other in (User(OTHER_CLERK, "clerk", ("薛城区",)), User(VIEWER, "viewer")):
        assert not parcel_service.parcel_page(store, code, other, today)["may_edit"]
    with pytest.raises(NotFoundError):
        parcel_service.parcel_page(store, "NO-SUCH-PARCEL", clerk)


# -- language, offline, other pages -----------------------------------------------------


def test_the_english_switch_changes_the_labels_and_is_remembered(city):
    client = _client(city, CLERK)
    code = city["read"]
    zh = client.get(f"/parcels/{quote(code)}").text
    assert "类别与认定理由" in zh and CATEGORIES["supplied_not_used"]["zh"] in zh
    assert 'lang="zh-CN"' in zh and "实际开工日期" in zh
    en = client.get(f"/parcels/{quote(code)}", params={"lang": "en"})
    assert en.cookies.get("landbank_lang") == "en"
    for text in ("Category and reasons", "supplied, not used", "started on", "History"):
        assert text in en.text
    assert "类别与认定理由" not in en.text and 'lang="en"' in en.text
    later = client.get("/parcels").text  # no ?lang: the cookie keeps English
    assert "Parcels" in later and "Filter" in later
    back = client.get("/", params={"lang": "zh"}).text
    assert "各区处置进度" in back


def _pages(city: dict) -> list[str]:
    building = list_buildings(store_of(city["url"]))[0]["code"]
    return [
        "/",
        "/parcels",
        "/parcels?category=supplied_not_used&district=市中区&page=1",
        f"/parcels/{quote(city['opened'])}",
        "/match",
        "/match?kind=land&area_min=10&area_max=60&run=1",
        "/match?kind=floor_space&floor_min=200&floor_max=5000&run=1",
        "/buildings",
        f"/buildings/{quote(building)}",
        "/parcels/no-such-parcel",
    ]


def test_no_page_loads_or_links_anything_from_another_site(city):
    client = _client(city, CLERK)
    pages = _pages(city)
    maps = ["/maps/progress", "/maps/idle", f"/maps/parcel/{quote(city['read'])}",
            "/maps/match?kind=land&area_min=10&area_max=60"]  # fmt: skip
    signed_out = _client(city).get("/login")
    for path in [*pages, *maps, None]:
        r = signed_out if path is None else client.get(path)
        assert r.status_code in (200, 404), (path, r.text[-500:])
        assert r.headers["content-type"].startswith("text/html")
        refs = _parse(r.text).refs
        outside = [
            (tag, value)
            for tag, key, value in refs
            if re.match(r"^\s*(https?:)?//", value, re.I)
            and (tag in ("script", "link", "img", "iframe", "form") or path not in maps)
        ]
        assert outside == [], (path, outside)
        if path not in maps:
            policy = r.headers["content-security-policy"]
            assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
            assert "<script" not in r.text  # the pages need no script at all
    # the maps embedded in the pages carry Leaflet themselves
    html = client.get(maps[0]).text
    assert "L.map" in html or "leaflet" in html.lower()
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?:', html)


def test_errors_are_pages_with_the_message_and_status(city):
    client = _client(city, CLERK)
    r = client.get("/parcels/no-such-parcel")
    assert r.status_code == 404 and "no-such-parcel" in r.text and "<html" in r.text
    r = client.get("/parcels", params={"category": "nonsense"})
    assert r.status_code == 422 and "nonsense" in r.text and "<html" in r.text
    r = client.get("/parcels", params={"page": "abc"})
    assert r.status_code == 422 and "page" in r.text and "<html" in r.text


def test_the_dashboard_shows_progress_by_district_and_the_tiled_map(city):
    client = _client(city, VIEWER)
    html = client.get("/").text
    for district in ("市中区", "薛城区", "滕州市"):
        assert district in html
    assert '<iframe class="map" src="/map?lang=zh"' in html
    assert 'href="/maps/progress?lang=zh"' in html  # a city: the one-file maps too
    assert "处置率" in html and "合计" in html
    framed = client.get("/map")  # the overview frames it
    assert framed.headers["x-frame-options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in framed.headers["content-security-policy"]


def test_beyond_one_files_parcels_the_one_file_maps_give_way_to_the_tiled_map(city, monkeypatch):
    monkeypatch.setattr(parcel_maps, "ONE_FILE_MOST", 10)
    client = _client(city, VIEWER)
    html = client.get("/?lang=en").text
    assert '<iframe class="map" src="/map?lang=en"' in html
    assert "/maps/progress" not in html and "too many parcels for the one-file maps" in html
    for path in ("/maps/progress", "/maps/idle?category=supplied_not_used"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/map?lang=en", path


def test_the_parcel_list_filters_and_pages(city):
    client = _client(city, VIEWER)
    html = client.get("/parcels", params={"category": "supplied_not_used", "district": "市中区"})
    codes = re.findall(r'href="/parcels/([^"?]+)"', html.text)
    assert codes == _codes(city["url"], "supplied_not_used") and codes
    first = client.get("/parcels").text
    assert "共 " in first and 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/parcels", params={"page": 2}).text
    assert 'rel="prev"' in second
    assert set(re.findall(r'href="/parcels/([^"?]+)"', first)).isdisjoint(
        re.findall(r'href="/parcels/([^"?]+)"', second)
    )
    one = client.get("/parcels", params={"q": city["read"]}).text
    assert re.findall(r'href="/parcels/([^"?]+)"', one) == [city["read"]]


def test_the_match_form_ranks_candidates_with_reasons(city):
    client = _client(city, VIEWER)
    land = client.get(
        "/match", params={"kind": "land", "area_min": 10, "area_max": 60, "run": 1}
    ).text
    table = land[land.index('id="candidates"') :]
    assert re.search(r'<a href="/parcels/[^"]+">', table) and "供地依据" in table
    assert 'src="/maps/match?' in land
    floor = client.get(
        "/match",
        params={"kind": "floor_space", "floor_min": 200, "floor_max": 5000, "run": 1},
    ).text
    assert 'href="/buildings/' in floor[floor.index("候选结果") :]
    bad = client.get("/match", params={"kind": "land", "area_min": "十", "run": 1})
    assert bad.status_code == 422 and "请填写数字" in bad.text
    lonely = client.get("/match", params={"kind": "land", "area_min": 1, "near_lon": 117, "run": 1})
    assert lonely.status_code == 422 and "一并填写" in lonely.text


def test_buildings_list_their_state_and_vacant_floors(city):
    client = _client(city, VIEWER)
    buildings = list_buildings(store_of(city["url"]))
    html = client.get("/buildings").text
    for b in buildings:
        assert f'href="/buildings/{quote(b["code"])}"' in html
    vacant = next(b for b in buildings if b["vacant_area_m2"])
    page = client.get(f"/buildings/{quote(vacant['code'])}").text
    assert 'id="vacancies"' in page and "空置面积" in page


# -- in the browser ---------------------------------------------------------------------


@pytest.fixture
def served(city):
    """The app in a real uvicorn server on a free port, in a thread."""
    with serve_app(create_app(city["url"])) as url:
        yield url


def test_in_the_browser_a_clerk_changes_a_field_and_sees_the_category_on_page_and_map(
    browser, city, served
):
    code = city["browser"]
    old = CATEGORIES["supplied_not_used"]["zh"]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1300, "height": 900})
    page = context.new_page()
    errors, remote = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def refuse(route):
        remote.append(route.request.url)
        route.abort()

    page.route(lambda url: not url.startswith(served + "/"), refuse)
    try:
        page.goto(f"{served}/parcels/{quote(code)}")
        assert urlsplit(page.url).path == "/login"
        page.fill("input[name=username]", CLERK)
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(f"**/parcels/{quote(code)}")
        assert page.inner_text("#category") == old
        page.fill("#f_started_on", "2025-03-01")
        page.fill("#f_developed_area_mu", "10")
        page.fill("#reason", "现场核查已开工")
        page.click("#edit-form button[type=submit]")
        page.wait_for_url("**note=saved")
        new = parcel_service.show_parcel(store_of(city["url"]), code)["category"]
        label = CATEGORIES[new]["zh"]
        assert new != "supplied_not_used"
        assert page.inner_text("#category") == label
        assert "已保存" in page.inner_text(".message.ok")
        assert "现场核查已开工" in page.inner_text(".history")
        # the map in the page: the parcel is there and its popup shows the new category
        frame = page.frame_locator("iframe.small-map")
        frame.locator(".lb-search input").wait_for()
        maps = [f for f in page.frames if "/maps/parcel/" in f.url]
        assert len(maps) == 1
        m = maps[0]
        m.wait_for_function("window.landbank && window.landbank.ready", timeout=30_000)
        assert m.evaluate("code => landbank.find(code) !== null", code)
        m.evaluate(
            """code => { const input = document.querySelector('.lb-search input');
                 input.value = code;
                 input.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'})); }""",
            code,
        )
        popup = frame.locator(".leaflet-popup-content")
        popup.wait_for(timeout=5_000)
        text = popup.inner_text()
        assert code in text and label in text and old not in text
        assert errors == [] and remote == []
    finally:
        context.close()
