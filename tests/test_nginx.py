"""Two ``landbank serve`` processes behind Debian's nginx (round robin) on one PostGIS
database, and the same with their reads on a streaming replica: a clerk signs in and
edits a parcel through nginx, and whichever process answers next shows the edit; the
match and tile caches of both processes see it (data stamps); the sign-in works across
the processes (the signing key is the database's)."""

from __future__ import annotations

import re

import httpx
import mapbox_vector_tile
import pytest

from landbank.domain.tiles import tile_of
from landbank.services.parcels import show_parcel
from tests.edge import Site, nginx_program
from tests.helpers import store_of

API = "/api/v1"
NEW_PARK = "规模测试园"
MATCH = {"land": {"area_mu_min": 1, "area_mu_max": 1000}}


@pytest.fixture(params=["one database", "reads on the replica"])
def site(request, replicated_city, tmp_path):
    if nginx_program() is None:
        from tests.helpers import tool

        tool("nginx")  # skips, or fails in CI, saying make setup installs it
    primary, replica = replicated_city
    read_db = replica if request.param == "reads on the replica" else None
    running = Site(tmp_path / "nginx", primary, 2, read_db)
    yield running
    running.stop()


def _signed_in_pages(url: str) -> httpx.Client:
    """A browser's sign-in through nginx: the form from one process, the post (its
    CSRF nonce checked) likely by the other."""
    client = httpx.Client(base_url=url, timeout=60)
    form = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)[1]
    r = client.post(
        "/login",
        data={"username": "clerk", "password": "clerk password", "csrf_token": csrf, "next": "/"},
    )
    assert r.status_code == 303, r.text[:300]
    assert "landbank_session" in client.cookies
    return client


def _token(url: str) -> dict:
    r = httpx.post(
        f"{url}{API}/auth/token", data={"username": "viewer", "password": "viewer password"}
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _tile_parks(url: str, auth: dict, path: str) -> set[str]:
    r = httpx.get(f"{url}{path}", headers=auth, timeout=60)
    assert r.status_code == 200, r.text[:200]
    layer = mapbox_vector_tile.decode(r.content)["parcels"]
    return {f["properties"].get("park") for f in layer["features"]}


def _match_parks(url: str, auth: dict, code: str) -> set[str]:
    r = httpx.post(f"{url}{API}/match", json=MATCH, params={"top": 100}, headers=auth, timeout=60)
    assert r.status_code == 200, r.text[:300]
    return {c["park"] for c in r.json() if code in c["codes"]}


def test_an_edit_through_nginx_is_seen_by_both_processes(site, replicated, replicated_city):
    primary, _ = replicated_city
    viewer = _token(site.url)  # a token made by one process holds on the other
    first = httpx.post(f"{site.url}{API}/match", json=MATCH, headers=viewer, timeout=60).json()
    code = first[0]["codes"][0]
    parcel = show_parcel(store_of(primary), code)
    lon, lat = parcel["centroid"]
    t = tile_of(lon, lat, 16)
    tile = f"/tiles/parcels/{t.z}/{t.x}/{t.y}.mvt"
    for url in site.direct:  # both processes keep the tile and the land pool
        assert NEW_PARK not in _tile_parks(url, viewer, tile)
        assert _match_parks(url, viewer, code) == {parcel["park"]}

    clerk = _signed_in_pages(site.url)
    for _ in range(4):  # the session holds on whichever process answers
        assert clerk.get(f"/parcels/{code}").status_code == 200
    if site.read_db:
        replicated.pause_replay()  # the replica stale: only the clerk's cookie helps
    try:
        page = clerk.get(f"/parcels/{code}").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        version = re.search(r'name="version" value="(\d+)"', page)[1]
        r = clerk.post(
            f"/parcels/{code}/edit",
            data={"csrf_token": csrf, "version": version, "reason": "规模测试",
                  "other_field": "park", "other_value": NEW_PARK},
        )  # fmt: skip
        assert r.status_code == 303, r.text[:500]
        for _ in range(4):  # the next reads, through nginx, by either process
            assert NEW_PARK in clerk.get(f"/parcels/{code}").text
            assert clerk.get(f"{API}/parcels/{code}", headers=viewer).json()["park"] == NEW_PARK
        if site.read_db:  # a client without the clerk's cookie reads the replica, stale
            r = httpx.get(f"{site.url}{API}/parcels/{code}", headers=viewer)
            assert r.json()["park"] == parcel["park"]
    finally:
        replicated.resume_replay()
    replicated.caught_up()
    for url in site.direct:  # the caches of both processes moved with the data stamps
        assert NEW_PARK in _tile_parks(url, viewer, tile)
        assert _match_parks(url, viewer, code) == {NEW_PARK}
    for _ in range(4):
        r = httpx.get(f"{site.url}{API}/parcels/{code}", headers=viewer)
        assert r.json()["park"] == NEW_PARK
