"""The token check of every request: one read by id on the connection the store keeps
for it (``Store.glance``), which sees every commit at once, holds no lock between
requests, and outlives a connection the server drops."""

from __future__ import annotations

import psycopg
from sqlalchemy import event

from landbank.services.users import add_user, end_tokens, get_user, token_holder
from tests.helpers import store_of


def test_the_token_check_sees_each_commit_on_one_kept_connection(db_url):
    store = store_of(db_url)
    add_user(store, "王", "clerk", "correct horse")
    user = get_user(store, "王")
    checkouts = []
    event.listen(store.engine.pool, "checkout", lambda *_: checkouts.append(1))
    for _ in range(3):
        assert token_holder(store, user.id, user.token_version, "王") == user
    assert len(checkouts) == 1  # the first check takes the connection; the rest keep it
    assert token_holder(store, user.id, user.token_version, "someone else") is None
    # a write right after a check commits at once: the check left no read open (on
    # SQLite an open read would hold the commit back until busy_timeout)
    end_tokens(store, user.id)
    assert token_holder(store, user.id, user.token_version, "王") is None
    moved = get_user(store, "王")
    assert token_holder(store, moved.id, moved.token_version, "王") == moved


def test_the_token_check_outlives_a_connection_the_server_drops(db_url):
    store = store_of(db_url)
    add_user(store, "王", "clerk", "correct horse")
    user = get_user(store, "王")
    assert token_holder(store, user.id, user.token_version, "王") == user
    if db_url.startswith("postgresql"):
        name = db_url.rsplit("/", 1)[1]
        with psycopg.connect(db_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            ended = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchone()[0]
        assert ended >= 1
    else:
        store.engine.dispose()  # the engine's connections go: the kept one too
    assert token_holder(store, user.id, user.token_version, "王") == user
