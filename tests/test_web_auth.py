"""People and signing in: users add|list, argon2 hashes, the signing key kept in the
database, bearer tokens, the limit on failed sign-ins. Both engines."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from landbank.db.engine import make_engine
from landbank.services.users import add_user, authenticate, secret_key
from landbank.web.app import create_app
from landbank.web.security import Signer
from tests.helpers import store_of, table_counts


def _rows(db_url: str, sql: str) -> list[tuple]:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        rows = list(conn.execute(text(sql)))
    engine.dispose()
    return rows


def test_users_add_stores_an_argon2_hash_never_the_password(cli, db_url):
    r = cli("users", "add", "王", "--role", "clerk", "--districts", "薛城区，市中区",
            "--password-stdin", input="correct horse\n", db=db_url)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    [(name, role, districts, hashed)] = _rows(
        db_url, "SELECT name, role, districts, password_hash FROM app_user"
    )
    assert (name, role, districts) == ("王", "clerk", "薛城区,市中区")
    assert hashed.startswith("$argon2") and "correct horse" not in hashed
    user = authenticate(store_of(db_url), "王", "correct horse")
    assert user is not None and user.districts == ("薛城区", "市中区")
    assert authenticate(store_of(db_url), "王", "wrong horse") is None
    assert authenticate(store_of(db_url), "nobody", "correct horse") is None
    listed = json.loads(cli("users", "list", "--json", db=db_url).stdout)
    assert listed == [{"name": "王", "role": "clerk", "districts": ["薛城区", "市中区"]}]


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (["--role", "clerk"], "long enough\n", "--password-stdin"),
        (["--role", "boss", "--password-stdin"], "long enough\n", "--role boss"),
        (["--role", "clerk", "--password-stdin"], "short\n", "at least 8"),
        (
            ["--role", "viewer", "--districts", "薛城区", "--password-stdin"],
            "long enough\n",
            "--districts is for a clerk",
        ),  # fmt: skip
    ],
)
def test_bad_users_add_is_one_line_and_changes_nothing(cli, db_url, args, stdin, says):
    before = table_counts(db_url)
    r = cli("users", "add", "王", *args, input=stdin, db=db_url)
    assert r.exit_code == 1 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert table_counts(db_url) == before


def test_a_second_add_needs_replace(cli, db_url):
    add = ("users", "add", "王", "--role", "viewer", "--password-stdin")
    assert cli(*add, input="first password\n", db=db_url).exit_code == 0
    again = cli(*add, input="second password\n", db=db_url)
    assert again.exit_code == 1 and "--replace" in again.stderr
    assert authenticate(store_of(db_url), "王", "first password") is not None
    assert cli(*add, "--replace", input="second password\n", db=db_url).exit_code == 0
    assert authenticate(store_of(db_url), "王", "second password") is not None


def test_the_signing_key_is_made_once_and_kept_in_the_database(db_url):
    first = secret_key(store_of(db_url))
    assert len(first) >= 40 and secret_key(store_of(db_url)) == first
    assert _rows(db_url, "SELECT count(*) FROM setting")[0][0] == 1
    # tokens of one key do not pass another's check
    assert Signer("another key").name_of(Signer(first).token("王")) is None
    assert Signer(first).name_of(Signer(first).token("王")) == "王"


@pytest.fixture
def client(db_url):
    add_user(store_of(db_url), "王", "clerk", "correct horse", "薛城区")
    return TestClient(create_app(db_url, login_attempts=3))


def test_a_token_opens_the_api_and_a_forged_one_does_not(client):
    r = client.post("/api/v1/auth/token", data={"username": "王", "password": "correct horse"})
    assert r.status_code == 200 and r.json()["token_type"] == "bearer"
    token = r.json()["access_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json() == {"name": "王", "role": "clerk", "districts": ["薛城区"]}
    for bad in (token[:-2] + "xx", "", "Bearer", Signer("x").token("王")):
        r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {bad}"})
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/me").status_code == 401


def test_failed_sign_ins_are_limited_per_name_and_address(client):
    for _ in range(3):
        r = client.post("/api/v1/auth/token", data={"username": "王", "password": "guess"})
        assert r.status_code == 401
    right = client.post("/api/v1/auth/token", data={"username": "王", "password": "correct horse"})
    assert right.status_code == 429 and int(right.headers["retry-after"]) > 0


def test_a_removed_user_token_stops_working(client, db_url):
    token = client.post(
        "/api/v1/auth/token", data={"username": "王", "password": "correct horse"}
    ).json()["access_token"]
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM app_user WHERE name = '王'"))
    engine.dispose()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_docs_are_served_without_a_cdn(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    for asset in ("/static/docs/swagger-ui-bundle.js", "/static/docs/swagger-ui.css"):
        assert asset in page.text and client.get(asset).status_code == 200


def test_serve_refuses_what_it_cannot_do(cli, db_url, empty_db_url):
    r = cli("serve", "--port", "0", db=db_url)
    assert r.exit_code == 1 and "--port" in r.stderr
    if db_url.startswith("sqlite"):
        r = cli("serve", "--workers", "2", db=db_url)
        assert r.exit_code == 1 and "PostgreSQL" in r.stderr
    r = cli("serve", db=empty_db_url)
    assert r.exit_code == 1 and f"landbank --db {empty_db_url} init" in r.stderr
