"""Issue 15, item 10 (follow-up): the web dashboard and the HTML progress report count
the unclassified parcels (未分类, no approval, supply or start date) apart, in zh and en;
the HTML report's headers follow --lang. Both engines."""

from __future__ import annotations

import html
import math
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbank.db.engine import make_engine
from landbank.db.models import Parcel
from landbank.domain.progress import FIGURES
from landbank.services.users import add_user
from landbank.web.app import create_app
from tests.helpers import store_of

PASSWORD = "correct horse"
VIEWER = "赵"
LON0, LAT0 = 117.30, 34.80
KX = 111_320.0 * math.cos(math.radians(LAT0))
KY = 110_574.0
UNCLASSIFIED_HEADS = {
    "zh": ["未分类宗数", "未分类面积(亩)"],
    "en": ["Unclassified", "Unclassified (mu)"],
}


def box(x: float, y: float, w: float, h: float) -> shapely.Polygon:
    """A w × h metre rectangle x, y metres east and north of LON0, LAT0."""
    return shapely.box(LON0 + x / KX, LAT0 + y / KY, LON0 + (x + w) / KX, LAT0 + (y + h) / KY)


@pytest.fixture
def undated(cli, db_url, tmp_path) -> str:
    """甲区: three parcels with no date and one approved; 乙区: one with no date and two
    approved; classified. The undated ones differ in size."""
    parcels = [
        {"code": f"CZ-{i}", "district": "甲区", "geometry": box(300 * i, 0, 100 + 50 * i, 150)}
        for i in range(3)
    ]
    parcels += [{"code": "CZ-9", "district": "乙区", "geometry": box(0, 2000, 180, 170)}]
    parcels += [
        {
            "code": f"AP-{i}",
            "district": "甲区" if i == 0 else "乙区",
            "approved_on": "2025-03-01",
            "geometry": box(300 * i, 1000, 200, 150),
        }
        for i in range(3)
    ]
    path = tmp_path / "undated.geojson"
    gpd.GeoDataFrame(parcels, crs="EPSG:4490").to_file(path, engine="pyogrio")
    result = cli("import", "parcels", path, db=db_url)
    assert result.exit_code == 0, result.stderr
    result = cli("classify", "--as-of", "2026-06-30", db=db_url)
    assert result.exit_code == 0, result.stderr
    return db_url


def unclassified_in_db(url: str) -> dict[str, tuple[int, float]]:
    """Per district, the count and area (mu) of current unclassified parcels, as stored."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            got = conn.execute(
                select(Parcel.district, func.count(), func.sum(Parcel.area_mu))
                .where(Parcel.category == "unclassified", Parcel.retired.is_(False))
                .group_by(Parcel.district)
            ).all()
    finally:
        engine.dispose()
    return {d: (int(n), float(a)) for d, n, a in got}


class _Table(HTMLParser):
    """The first table's rows as lists of cell texts, and its links."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.links: list[str] = []
        self._cell: list[str] | None = None
        self._done = False

    def handle_starttag(self, tag, attrs):
        if self._done:
            return
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a" and self.rows:
            self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if self._done:
            return
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._done = True

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _table(html: str) -> _Table:
    parser = _Table()
    parser.feed(html)
    return parser


def _signed_in(url: str) -> TestClient:
    add_user(store_of(url), VIEWER, "viewer", PASSWORD)
    client = TestClient(create_app(url))
    token = re.search(r'name="csrf_token" value="([^"]*)"', client.get("/login").text).group(1)
    r = client.post(
        "/login",
        data={"username": VIEWER, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return client


def test_the_dashboard_counts_the_unclassified_apart_in_zh_and_en(undated):
    stored = unclassified_in_db(undated)
    assert stored["甲区"][0] == 3 and stored["乙区"][0] == 1  # the fixture's five undated
    client = _signed_in(undated)
    for lang in ("zh", "en"):
        page = client.get("/", params={"lang": lang})
        assert page.status_code == 200, page.text
        table = _table(page.text)
        head, *body, foot = table.rows
        assert head[-2:] == UNCLASSIFIED_HEADS[lang], head
        assert head[1] == FIGURES["identified_count"][lang]
        by_district = {r[0]: r for r in body}
        for district, (n, area) in stored.items():
            row = by_district[district]
            assert row[-2:] == [str(n), f"{area:,.2f}"], row
        # the undated are not identified idle land: 甲区 has one approved parcel only
        assert by_district["甲区"][1] == "1" and by_district["乙区"][1] == "2"
        # the total: the sum of the districts as shown (each rounded to 0.01 mu, as the
        # ledger's SUM row), so within 0.005 mu a district of the database's own total
        assert foot[-2] == str(sum(n for n, _ in stored.values())), foot
        shown = sum(round(a, 2) for _, a in stored.values())
        assert foot[-1] == f"{shown:,.2f}", foot
        exact = sum(a for _, a in stored.values())
        assert abs(float(foot[-1].replace(",", "")) - exact) <= 0.005 * len(stored)
    # each district's count links to the list of those very parcels
    links = [h for h in table.links if "category=unclassified" in h and "district=" in h]
    assert len(links) == len(stored)
    for link in links:
        query = parse_qs(urlsplit(html.unescape(link)).query)
        (district,) = query["district"]
        listed = client.get(html.unescape(link))
        assert listed.status_code == 200, listed.text
        codes = set(re.findall(r'href="/parcels/([^"?]+)"', listed.text))
        assert len(codes) == stored[district][0] and all(c.startswith("CZ-") for c in codes)


def test_the_html_report_heads_follow_lang_and_show_the_unclassified(cli, undated, tmp_path):
    stored = unclassified_in_db(undated)
    pages = {}
    for lang in ("zh", "en"):
        path = tmp_path / f"progress_{lang}.html"
        result = cli("--lang", lang, "progress", "--html", path, db=undated)
        assert result.exit_code == 0, result.stderr
        pages[lang] = path.read_text(encoding="utf-8")
    for lang, page in pages.items():
        figures = page.split('<table id="figures">', 1)[1]
        table = _table("<table>" + figures)
        head, *body = table.rows
        assert head[0] == FIGURES["district"][lang]
        # the unclassified side by side (the cases' deadline counts may follow them)
        at = head.index(UNCLASSIFIED_HEADS[lang][0])
        assert head[at : at + 2] == UNCLASSIFIED_HEADS[lang], head
        by_district = {r[0]: r for r in body}
        for district, (n, area) in stored.items():
            assert by_district[district][at : at + 2] == [str(n), f"{area:.2f}"]
        heads = re.findall(r"<th>([^<]*)</th>", page)
        titles = re.findall(r"<h[12]>([^<]*)</h[12]>", page)
        assert heads and titles
        cjk = [w for w in heads + titles if re.search(r"[\u4e00-\u9fff]", w)]
        latin = [w for w in heads + titles if re.search(r"[A-Za-z]", w)]
        if lang == "en":
            assert cjk == [], cjk
            assert "Identified" in heads and "Due" in heads
        else:
            assert latin == [], latin
            assert "认定宗数" in heads and "到期" in heads
