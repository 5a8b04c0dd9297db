"""Reads on a streaming replica (``landbank serve --read-db``), writes on the primary,
and every user's own write seen on their next read: on a primary and replica of the
run's own (``replicated`` in conftest), the replica paused where a test needs it stale.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from landbank.db import seen
from landbank.db.store import Store
from landbank.errors import InputError
from landbank.services.parcels import page_parcels, set_fields, show_parcel
from landbank.web.app import create_app
from landbank.web.seen import SEEN_COOKIE

API = "/api/v1"


def _where(uow) -> tuple[bool, int]:
    """(in recovery, the server's port) of the server a unit runs on."""
    row = uow.exec_driver_sql("SELECT pg_is_in_recovery(), inet_server_port()").one()
    return bool(row[0]), int(row[1])


@pytest.fixture
def city(replicated_city) -> tuple[str, str]:
    return replicated_city


def test_a_write_on_the_primary_is_replayed_on_the_replica(replicated, city):
    primary, replica = city
    code = show_code(primary)
    with seen.client(None):
        set_fields(Store.open(primary), code, {"name": "复制到备库"}, by="clerk", reason="t")
    replicated.caught_up()
    alone = Store.open(replica)  # the replica by itself, as any reader would open it
    try:
        assert show_parcel(alone, code)["name"] == "复制到备库"
        with alone.read() as uow:
            assert _where(uow) == (True, replicated.replica_port)
    finally:
        alone.close()


def show_code(url: str) -> str:
    store = Store.open(url)
    try:
        return page_parcels(store, limit=1)["items"][0]["code"]
    finally:
        store.close()


def test_a_read_unit_runs_on_the_replica_and_a_write_unit_on_the_primary(replicated, city):
    store = Store.open(*city)
    try:
        with seen.client(None):
            with store.read() as uow:
                assert _where(uow) == (True, replicated.replica_port)
                with pytest.raises(Exception, match="read-only"):
                    uow.exec_driver_sql("UPDATE parcel SET name = 'x'")
            with store.write(by="t") as uow:
                assert _where(uow) == (False, replicated.primary_port)
    finally:
        store.close()


def test_a_writer_reads_their_write_while_the_replica_is_paused(replicated, city):
    """The store alone: the writer's next read unit goes to the primary; a read of
    another client (another Seen) is the replica's, stale; after resume, the replica's
    and fresh."""
    store = Store.open(*city)
    code = show_code(city[0])
    try:
        replicated.pause_replay()
        with seen.client(None) as writer:
            set_fields(store, code, {"name": "暂停时改名"}, by="clerk", reason="t")
            assert writer.wrote is not None
            assert show_parcel(store, code)["name"] == "暂停时改名"
            with store.read() as uow:
                assert _where(uow) == (False, replicated.primary_port)
        with seen.client(None):
            assert show_parcel(store, code)["name"] != "暂停时改名"  # stale, allowed
        with seen.client(writer.wrote):  # the writer's next request: their cookie
            assert show_parcel(store, code)["name"] == "暂停时改名"
        replicated.resume_replay()
        replicated.caught_up()
        for need in (None, writer.wrote):
            with seen.client(need):
                assert show_parcel(store, code)["name"] == "暂停时改名"
                with store.read() as uow:
                    assert _where(uow) == (True, replicated.replica_port)
    finally:
        replicated.resume_replay()
        store.close()


def _signed_in(app, name: str) -> TestClient:
    client = TestClient(app)
    r = client.post(f"{API}/auth/token", data={"username": name, "password": f"{name} password"})
    assert r.status_code == 200, r.text
    client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return client


def test_through_the_service_a_clerk_sees_their_edit_and_a_viewer_the_replica(replicated, city):
    """``create_app(..., read_db_url)``: the clerk's PATCH sets the cookie of its WAL
    position; with the replica paused their next GET shows the edit (the primary
    answers), the viewer's shows the replica's; after resume both show it."""
    app = create_app(city[0], read_db_url=city[1])
    clerk, viewer = _signed_in(app, "clerk"), _signed_in(app, "viewer")
    code = show_code(city[0])
    before = viewer.get(f"{API}/parcels/{code}").json()
    replicated.pause_replay()
    try:
        r = clerk.patch(
            f"{API}/parcels/{code}",
            json={
                "fields": {"name": "经办人改名"},
                "reason": "复核",
                "expected_version": before["version"],
            },
        )
        assert r.status_code == 200, r.text
        assert seen.parse(clerk.cookies.get(SEEN_COOKIE)) is not None
        assert clerk.get(f"{API}/parcels/{code}").json()["name"] == "经办人改名"
        assert viewer.get(f"{API}/parcels/{code}").json()["name"] == before["name"]
        # the viewer's own last write (their sign-in, counted) came before the edit
        viewer_seen = seen.parse(viewer.cookies.get(SEEN_COOKIE)) or 0
        assert viewer_seen < seen.parse(clerk.cookies.get(SEEN_COOKIE))
    finally:
        replicated.resume_replay()
    replicated.caught_up()
    assert viewer.get(f"{API}/parcels/{code}").json()["name"] == "经办人改名"
    assert clerk.get(f"{API}/parcels/{code}").json()["name"] == "经办人改名"


def test_a_malformed_seen_cookie_is_ignored(replicated, city):
    app = create_app(city[0], read_db_url=city[1])
    viewer = _signed_in(app, "viewer")
    viewer.cookies.set(SEEN_COOKIE, "not/a position;")
    assert viewer.get(f"{API}/parcels?limit=1").status_code == 200


def test_reads_go_to_the_primary_while_the_replica_is_down(replicated, city):
    store = Store.open(*city)
    try:
        with store.read() as uow:  # a pooled connection to the replica, then it stops
            assert _where(uow)[0] is True
        replicated.stop_replica()
        try:
            with seen.client(None):
                with store.read() as uow:
                    assert _where(uow) == (False, replicated.primary_port)
                assert page_parcels(store, limit=1)["total"] == 40
        finally:
            replicated.start_replica()
    finally:
        store.close()


def test_read_db_needs_postgresql_for_both(city, tmp_path):
    sqlite = f"sqlite:///{tmp_path / 'x.sqlite'}"
    for url, read in ((sqlite, city[1]), (city[0], sqlite)):
        with pytest.raises(InputError, match="--read-db .*needs PostgreSQL"):
            Store.open(url, read)


def test_serve_refuses_read_db_on_spatialite_in_one_line(cli, tmp_path, city):
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    assert cli("init", db=db).exit_code == 0
    result = cli("serve", "--read-db", city[1], db=db)
    assert result.exit_code == 1
    assert "--read-db" in result.stderr and "needs PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr
