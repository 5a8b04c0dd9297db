"""The parcel list's total and its pickers' names are found once per land stamp
(``services.kept``): a second page of the same filters counts nothing again, and an
edit that changes the count or the names is seen at once. Both engines."""

from __future__ import annotations

from sqlalchemy import event

from landbank.services import parcels as service
from landbank.synth import synthetic_parcels
from tests.helpers import store_of, write_vector


def _counted(store):
    """The statements with a count(*) run on ``store``'s engine, as a list to watch."""
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        if "count(*)" in statement.lower():
            seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", note)
    return seen


def test_the_total_and_places_are_kept_until_an_edit_moves_them(cli, db_url, tmp_path):
    path = write_vector(synthetic_parcels(120, seed=8), tmp_path / "city.gpkg")
    assert cli("import", "parcels", str(path), "-q", db=db_url).exit_code == 0
    store = store_of(db_url)
    seen = _counted(store)
    first = service.page_parcels(store, limit=10, with_places=True)
    assert first["total"] == 120 and len(first["items"]) == 10
    districts = first["places"]["districts"]
    counts = len(seen)
    assert counts >= 1
    again = service.page_parcels(store, limit=10, offset=10, with_places=True)
    assert len(seen) == counts  # neither counted nor the names read again
    assert again["total"] == 120 and again["places"]["districts"] == districts
    assert [i["code"] for i in again["items"]] != [i["code"] for i in first["items"]]
    one, was = first["items"][0]["code"], first["items"][0]["district"]
    in_district = service.page_parcels(store, district=was)["total"]
    service.set_fields(store, one, {"district": "新设区"}, by="t", reason="test")
    after = service.page_parcels(store, limit=10, with_places=True)
    assert len(seen) > counts  # the stamp moved: counted again
    assert after["total"] == 120 and "新设区" in after["places"]["districts"]
    moved = service.page_parcels(store, district="新设区")
    assert moved["total"] == 1 and moved["items"][0]["code"] == one
    assert service.page_parcels(store, district=was)["total"] == in_district - 1
