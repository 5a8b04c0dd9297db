"""Field survey (issue 19), the server side, on both engines: the CLI contract, records
once per idempotency key, conflicts kept, review that applies through the services
of every edit (history naming surveyor and reviewer, vacancies and state), photos
with EXIF time and GPS, and a surveyor who reads and writes only their own tasks."""

from __future__ import annotations

import io
import json
import re
import shutil
import uuid

import fastapi.routing
import psycopg
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import text

from landbank.db.engine import make_engine
from landbank.db.store import Store
from landbank.services.parcels import history, show_parcel
from landbank.services.survey_records import add_photo
from landbank.services.users import add_user, get_user
from landbank.web.app import create_app
from tests.conftest import ROOT, _pg_admin_dsn

API = "/api/v1"
HOME = "市中区"  # the surveyor's district
PASSWORDS = {
    "admin": ("admin", None),
    "clerk": ("clerk", HOME),
    "viewer": ("viewer", None),
    "s1": ("surveyor", HOME),
    "s2": ("surveyor", HOME),
    "far": ("surveyor", "滕州市"),
}
PASSWORD = "a long password"
PARCELS = [f"370402-01-{i:06d}" for i in range(1, 21)]  # twenty parcels of 市中区
BUILDING = "LY-0008"  # a building of 市中区, ten floors


def _copy_db(url: str, template: str) -> None:
    if url.startswith("sqlite"):
        shutil.copy(template, url.removeprefix("sqlite:///"))
        return
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_pg_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


@pytest.fixture(scope="module")
def templates():
    made: dict[str, str] = {}
    yield made
    if "postgis" in made:
        with psycopg.connect(_pg_admin_dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{made["postgis"]}" WITH (FORCE)')


@pytest.fixture
def city(cli, db_url, templates, tmp_path_factory) -> str:
    """The sample parcels (classified) and buildings with their vacancies, and the users
    of PASSWORDS, copied for each test from one load per engine."""
    engine = "spatialite" if db_url.startswith("sqlite") else "postgis"
    if engine in templates:
        _copy_db(db_url, templates[engine])
        return db_url
    gpkg = ROOT / "data" / "parcels" / "zaozhuang_parcels.gpkg"
    xlsx = ROOT / "data" / "buildings" / "zaozhuang_buildings.xlsx"
    assert cli("import", "parcels", gpkg, db=db_url).exit_code == 0
    assert cli("classify", "--as-of", "2026-06-30", db=db_url).exit_code == 0
    assert cli("import", "buildings", xlsx, db=db_url).exit_code == 0
    assert cli("import", "vacancies", xlsx, db=db_url).exit_code == 0
    for name, (role, districts) in PASSWORDS.items():
        if role != "surveyor":  # the surveyors come through the command line
            store = Store.open(db_url)
            add_user(store, name, role, PASSWORD, districts)
            store.close()
            continue
        added = cli("users", "add", name, "--role", "surveyor", "--districts", districts,
                    "--password-stdin", db=db_url, input=PASSWORD + "\n")  # fmt: skip
        assert added.exit_code == 0, added.stderr
    if engine == "spatialite":
        keep = str(tmp_path_factory.mktemp("survey") / "city.sqlite")
        shutil.copy(db_url.removeprefix("sqlite:///"), keep)
    else:
        keep = f"lbt_survey_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(_pg_admin_dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{keep}" TEMPLATE "{db_url.rsplit("/", 1)[1]}"')
    templates[engine] = keep
    return db_url


@pytest.fixture
def client(city) -> TestClient:
    return TestClient(create_app(city))


def _auth(client: TestClient, name: str) -> dict[str, str]:
    r = client.post(f"{API}/auth/token", data={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _json(result):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _survey(cli, city, *args, name="秋季排摸", assign="s1"):
    return _json(cli("survey", "create", name, "--assign", assign, *args, "--json", db=city))


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = {
            t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()
            for t in ("survey", "survey_task", "survey_record", "survey_photo", "attachment",
                      "attachment_link", "parcel_event", "vacancy")
        }  # fmt: skip
    engine.dispose()
    return found


def _task(client, headers, code) -> dict:
    r = client.get(f"{API}/tasks", headers=headers)
    assert r.status_code == 200, r.text
    return next(t for t in r.json() if t["code"] == code)


def _submit(client, headers, task, values, key=None, seen=None):
    body = {
        "idempotency_key": key or uuid.uuid4().hex,
        "seen_version": task["target"]["version"] if seen is None else seen,
        "visited_on": "2026-11-20",
        "values": values,
    }
    return client.post(f"{API}/tasks/{task['task_id']}/records", json=body, headers=headers)


# ---- the command line -------------------------------------------------------------------


def test_survey_create_show_list_on_the_command_line(cli, city):
    made = _survey(cli, city, "--codes", PARCELS[0], PARCELS[1], "--buildings", BUILDING,
                   "--due", "2026-12-31")  # fmt: skip
    assert made["created"] and made["added"] == 3 and made["due_on"] == "2026-12-31"
    shown = _json(cli("survey", "show", "秋季排摸", "--json", db=city))
    tasks = {t["code"]: t for t in shown["tasks"]}
    assert set(tasks) == {PARCELS[0], PARCELS[1], BUILDING}
    assert tasks[BUILDING]["kind"] == "building" and tasks[PARCELS[0]]["kind"] == "parcel"
    assert {t["assignee"] for t in tasks.values()} == {"s1"}
    assert {t["state"] for t in tasks.values()} == {"open"}
    # a second surveyor's tasks added to the same survey
    added = _survey(cli, city, "--codes", PARCELS[2], assign="s2")
    assert not added["created"] and added["added"] == 1
    twice = cli("survey", "create", "秋季排摸", "--assign", "s2", "--codes", PARCELS[2], db=city)
    assert twice.exit_code == 1 and "has parcel 370402-01-000003 already" in twice.stderr
    listed = _json(cli("survey", "list", "--json", db=city))
    assert listed == [
        {"survey": "秋季排摸", "due_on": "2026-12-31", "by": listed[0]["by"],
         "at": listed[0]["at"], "tasks": 4, "states": {"open": 4}}
    ]  # fmt: skip
    assert "秋季排摸" in cli("survey", "list", db=city).stdout


def test_a_filter_chooses_current_parcels(cli, city):
    made = _survey(cli, city, "--filter", f"district={HOME}", name="全区", assign="s2")
    every = [c for c in (t["code"] for t in made["tasks"])]
    assert len(every) == 61 and all(c.startswith("370402") for c in every)


@pytest.mark.parametrize(
    "args, words",
    [
        (["--assign", "clerk", "--codes", PARCELS[0]], ["clerk is a clerk", "assign a surveyor"]),
        (["--assign", "nobody", "--codes", PARCELS[0]], ["no such user", "--role surveyor"]),
        (["--assign", "far", "--codes", PARCELS[0]], ["lies in 市中区", "surveys 滕州市 only"]),
        (["--assign", "s1", "--codes", "NO-SUCH"], ["NO-SUCH is not in the database"]),
        (["--assign", "s1"], ["nothing to survey"]),
        (["--assign", "s1", "--filter", "colour=red"], ["--filter 'colour=red'", "KEY=VALUE"]),
        (["--assign", "s1", "--codes", PARCELS[0], "--due", "2026-13-01"], ["--due", "YYYY-MM"]),
    ],
)
def test_bad_survey_input_is_one_line_and_writes_nothing(cli, city, args, words):
    before = _counts(city)
    result = cli("survey", "create", "x", *args, db=city)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]
    assert _counts(city) == before


def test_the_surveyor_role_takes_districts(cli, city):
    assert get_user(Store.shared(city), "s1").districts == (HOME,)
    refused = cli("users", "add", "v2", "--role", "viewer", "--districts", HOME,
                  "--password-stdin", db=city, input=PASSWORD + "\n")  # fmt: skip
    assert refused.exit_code == 1 and "clerk or a surveyor" in refused.stderr


# ---- records: once per key, conflicts kept --------------------------------------------------


def test_twenty_records_each_sent_twice_are_stored_once_each(cli, city, client):
    _survey(cli, city, "--codes", *PARCELS)
    s1 = _auth(client, "s1")
    tasks = {t["code"]: t for t in client.get(f"{API}/tasks", headers=s1).json()}
    assert set(tasks) == set(PARCELS)
    first = {}
    for i, code in enumerate(PARCELS):
        values = {"site_status": "在建", "status_on": "2026-10-01", "note": f"#{i}"}
        for attempt in range(2):
            r = _submit(client, s1, tasks[code], values, key=f"phone-1-{i}")
            assert r.status_code == (201 if attempt == 0 else 200), r.text
            body = r.json()
            assert body["replayed"] is (attempt == 1)
            first.setdefault(code, body["record_id"])
            assert body["record_id"] == first[code] and body["state"] == "submitted"
    shown = _json(cli("survey", "show", "秋季排摸", "--json", db=city))
    records = [r for t in shown["tasks"] for r in t["records"]]
    assert len(records) == 20 == _counts(city)["survey_record"]
    assert {r["values"]["site_status"] for r in records} == {"under_construction"}
    assert {t["state"] for t in shown["tasks"]} == {"submitted"}


def test_a_target_changed_meanwhile_is_kept_as_a_conflict(cli, city, client):
    _survey(cli, city, "--codes", PARCELS[0])
    s1, clerk = _auth(client, "s1"), _auth(client, "clerk")
    task = _task(client, s1, PARCELS[0])  # what the phone kept offline
    before = show_parcel(Store.shared(city), PARCELS[0])
    r = client.patch(f"{API}/parcels/{PARCELS[0]}", headers=clerk,
                     json={"fields": {"holder": "新业主"}, "reason": "更正",
                           "expected_version": before["version"]})  # fmt: skip
    assert r.status_code == 200, r.text
    r = _submit(client, s1, task, {"site_status": "stopped", "status_on": "2026-09-01"}, "k1")
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["state"] == "conflict" and body["current_version"] == before["version"] + 1
    assert "conflict" in body["detail"]
    again = _submit(client, s1, task, {"site_status": "stopped", "status_on": "2026-09-01"}, "k1")
    assert again.status_code == 409 and again.json()["record_id"] == body["record_id"]
    # the surveyor sees it; the task still waits; nothing reached the parcel
    mine = _task(client, s1, PARCELS[0])
    assert mine["state"] == "open" and [r["state"] for r in mine["records"]] == ["conflict"]
    after = show_parcel(Store.shared(city), PARCELS[0])
    assert after["stopped_on"] == before["stopped_on"] and after["version"] == before["version"] + 1
    assert _json(cli("survey", "review", "秋季排摸", "--json", db=city)) == []
    # looked at again with the new version: it goes through
    fresh = _task(client, s1, PARCELS[0])
    ok = _submit(client, s1, fresh, {"site_status": "stopped", "status_on": "2026-09-01"}, "k2")
    assert ok.status_code == 201 and ok.json()["state"] == "submitted"


def test_bad_record_values_are_named(cli, city, client):
    _survey(cli, city, "--codes", PARCELS[0], "--buildings", BUILDING)
    s1 = _auth(client, "s1")
    before = _counts(city)
    parcel, building = _task(client, s1, PARCELS[0]), _task(client, s1, BUILDING)
    cases = [
        (parcel, {"site_status": "flying"}, "values.site_status"),
        (parcel, {"site_status": "in_production"}, "values.site_status"),
        (parcel, {"site_status": "已投产"}, "values.status_on"),
        (parcel, {"site_status": "在建", "status_on": "2026-12-25"}, "values.status_on"),
        (building, {"floors": [{"floor": 11, "vacant_area_m2": 10}]}, "values.floors[0].floor"),
        (building, {"floors": [{"floor": 1, "vacant_area_m2": -1}]}, "values.floors[0].vacant"),
        (building, {"floors": []}, "values.floors"),
        (building, {"floors": [{"floor": 2, "vacant_area_m2": "many"}]}, "values.floors[0].vac"),
    ]
    for task, values, field in cases:
        r = _submit(client, s1, task, values)
        assert r.status_code == 422, (values, r.text)
        assert r.json()["detail"][0]["field"].startswith(field), r.text
    assert _counts(city) == before


# ---- review -----------------------------------------------------------------------------------


def test_accept_applies_the_site_status_with_surveyor_and_reviewer_in_the_history(
    cli, city, client
):
    _survey(cli, city, "--codes", PARCELS[2])
    s1 = _auth(client, "s1")
    before = show_parcel(Store.shared(city), PARCELS[2])
    assert before["started_on"] is None
    task = _task(client, s1, PARCELS[2])
    r = _submit(client, s1, task, {"site_status": "under_construction",
                                    "status_on": "2026-10-08", "note": "塔吊两台"})  # fmt: skip
    assert r.status_code == 201, r.text
    queue = _json(cli("survey", "review", "秋季排摸", "--json", db=city))
    assert [t["code"] for t in queue] == [PARCELS[2]]
    done = _json(cli("survey", "review", "秋季排摸", "--accept", PARCELS[2], "--by", "王科长",
                     "--json", db=city))  # fmt: skip
    assert done["state"] == "accepted" and done["applied"]["fields"] == ["started_on"]
    after = show_parcel(Store.shared(city), PARCELS[2])
    assert after["started_on"] == "2026-10-08" and after["version"] == before["version"] + 1
    assert after["classified_as_of"] is not None
    events = [e for e in history(Store.shared(city), PARCELS[2]) if e["by"] == "王科长"]
    fields = {e["field"]: e for e in events}
    assert set(fields) >= {"site_status", "started_on"}
    assert fields["started_on"]["new_value"] == "2026-10-08"
    assert fields["site_status"]["new_value"] == "under_construction 2026-10-08"
    for event in events:
        assert "surveyed by s1" in event["reason"] and "accepted by 王科长" in event["reason"]
    shown = _json(cli("survey", "show", "秋季排摸", "--json", db=city))
    assert shown["tasks"][0]["state"] == "accepted"
    assert shown["tasks"][0]["records"][0]["state"] == "accepted"
    # nothing more to review; a task accepted takes no record
    again = cli("survey", "review", "秋季排摸", "--accept", PARCELS[2], db=city)
    assert again.exit_code == 1 and "nothing waits for a review" in again.stderr
    late = _submit(client, s1, _task(client, s1, PARCELS[2]), {"site_status": "other"})
    assert late.status_code == 409


def test_accept_of_a_building_replaces_its_floors_and_moves_its_state(cli, city, client):
    _survey(cli, city, "--buildings", BUILDING)
    s1 = _auth(client, "s1")
    task = _task(client, s1, BUILDING)
    assert task["target"]["floors"] == 10
    floors = [
        {"floor": f, "vacant_area_m2": 0 if f < 10 else 800.5,
         "available_from": "2027-01-01", "rent_yuan_m2_month": 18}
        for f in range(1, 11)
    ]  # fmt: skip
    assert _submit(client, s1, task, {"floors": floors}).status_code == 201
    clerk = _auth(client, "clerk")
    r = client.post(f"{API}/surveys/秋季排摸/review", headers=clerk,
                    json={"code": BUILDING, "decision": "accept"})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["applied"]["state"] == "partly_vacant"
    building = client.get(f"{API}/buildings/{BUILDING}", headers=clerk).json()
    assert [(v["floor"], v["vacant_area_m2"]) for v in building["vacancies"]] == [(10, 800.5)]
    assert building["vacancies"][0]["available_from"] == "2027-01-01"
    assert building["version"] == task["target"]["version"] + 1
    assert building["state"] == "partly_vacant"


def test_reject_sends_the_task_back_rejected_with_the_note(cli, city, client):
    _survey(cli, city, "--codes", PARCELS[3])
    s1 = _auth(client, "s1")
    assert _submit(client, s1, _task(client, s1, PARCELS[3]), {"site_status": "其他"}).is_success
    before = show_parcel(Store.shared(city), PARCELS[3])
    note = "照片看不清，请重拍"
    done = cli("survey", "review", "秋季排摸", "--reject", PARCELS[3], "--note", note, db=city)
    assert done.exit_code == 0, done.stderr
    task = _json(cli("survey", "show", "秋季排摸", "--json", db=city))["tasks"][0]
    assert task["state"] == "rejected" and task["note"] == "照片看不清，请重拍"
    assert task["records"][0]["state"] == "rejected"
    mine = _task(client, s1, PARCELS[3])
    assert mine["state"] == "rejected" and mine["note"] == "照片看不清，请重拍"
    assert show_parcel(Store.shared(city), PARCELS[3])["version"] == before["version"]
    # surveyed again: the task waits for a review once more
    assert _submit(client, s1, mine, {"site_status": "其他"}).status_code == 201
    assert _task(client, s1, PARCELS[3])["state"] == "submitted"


# ---- photos ---------------------------------------------------------------------------------


def _rational(value: float):
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 60, 4)
    return (d, m, s)


def _jpeg(lon=None, lat=None, taken: str | None = None, size=(64, 48)) -> bytes:
    """A JPEG made here with Pillow, with EXIF GPS (tags 1-4) and DateTimeOriginal."""
    image = Image.new("RGB", size, (120, 160, 90))
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
        exif.get_ifd(0x8769)[0x9011] = "+08:00"
    if lon is not None:
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2] = ("N" if lat >= 0 else "S"), _rational(abs(lat))
        gps[3], gps[4] = ("E" if lon >= 0 else "W"), _rational(abs(lon))
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_photos_are_kept_once_with_their_distance_and_flags(cli, city, client):
    _survey(cli, city, "--codes", PARCELS[4])
    s1, viewer = _auth(client, "s1"), _auth(client, "viewer")
    task = _task(client, s1, PARCELS[4])
    lon, lat = task["target"]["centroid"]
    record = _submit(client, s1, task, {"site_status": "not_started"}).json()
    url = f"{API}/records/{record['record_id']}/photos"
    near = _jpeg(lon, lat, "2026:11:20 10:15:00")
    far = _jpeg(lon + 0.05, lat, "2026:11:20 10:20:00")  # some 4.3 km east
    old = _jpeg(lon, lat, "2026:08:01 09:00:00")
    bare = _jpeg()
    shown = {}
    for name, content in (("near.jpg", near), ("far.jpg", far), ("old.jpg", old),
                          ("bare.jpg", bare)):  # fmt: skip
        r = client.post(url, headers=s1, files={"file": (name, content, "image/jpeg")})
        assert r.status_code == 201, r.text
        shown[name] = r.json()
    assert shown["near.jpg"]["distance_m"] == 0 and shown["near.jpg"]["flags"] == []
    assert shown["near.jpg"]["taken_at"] == "2026-11-20T02:15:00+00:00"
    assert abs(shown["near.jpg"]["lon"] - lon) < 1e-5 and abs(shown["near.jpg"]["lat"] - lat) < 1e-5
    assert 3500 < shown["far.jpg"]["distance_m"] < 5000 and shown["far.jpg"]["flags"] == ["far"]
    assert shown["old.jpg"]["flags"] == ["old"]
    assert shown["bare.jpg"]["flags"] == ["no_gps", "no_time"]
    assert shown["bare.jpg"]["distance_m"] is None
    # the same file again: kept once
    again = client.post(url, headers=s1, files={"file": ("near.jpg", near, "image/jpeg")})
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["photo_id"] == shown["near.jpg"]["photo_id"]
    counts = _counts(city)
    assert counts["survey_photo"] == 4 and counts["attachment"] == 4
    # one storage: the photo is an attachment linked to the parcel, sha256 kept
    engine = make_engine(city)
    with engine.connect() as conn:
        links = conn.execute(
            text("SELECT l.role, l.parcel_code, a.sha256, a.media_type FROM attachment_link l "
                 "JOIN attachment a ON a.id = l.attachment_id ORDER BY l.id")
        ).all()  # fmt: skip
    engine.dispose()
    assert {(r[0], r[1], r[3]) for r in links} == {("photo", PARCELS[4], "image/jpeg")}
    # the review queue shows them; a reader fetches the bytes
    queue = client.get(f"{API}/surveys/秋季排摸/review", headers=viewer).json()
    photos = queue[0]["records"][-1]["photos"]
    assert [p["filename"] for p in photos] == ["near.jpg", "far.jpg", "old.jpg", "bare.jpg"]
    got = client.get(photos[0]["url"], headers=viewer)
    assert got.status_code == 200 and got.content == near
    assert got.headers["content-type"] == "image/jpeg"


def _pdf() -> bytes:
    import pypdf

    writer, out = pypdf.PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=100, height=100)
    writer.write(out)
    return out.getvalue()


def test_bad_photos_are_one_line_and_store_nothing(cli, city, client, tmp_path):
    _survey(cli, city, "--codes", PARCELS[5])
    s1 = _auth(client, "s1")
    record = _submit(client, s1, _task(client, s1, PARCELS[5]), {"site_status": "other"}).json()
    url = f"{API}/records/{record['record_id']}/photos"
    before = _counts(city)
    bad = [
        ("notes.jpg", b"not an image at all, just text", "text"),
        ("cut.jpg", _jpeg()[:200], "damaged or cut short"),
        ("scan.pdf", _pdf(), "JPEG or PNG"),
        ("photo.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\0" * 64, "HEIC"),
        ("empty.jpg", b"", "empty"),
    ]
    for name, content, word in bad:
        r = client.post(url, headers=s1, files={"file": (name, content, "image/jpeg")})
        assert r.status_code == 422, (name, r.text)
        detail = r.json()["detail"]
        assert isinstance(detail, str) and "\n" not in detail and word in detail, detail
        assert name in detail
    # too big for the profile's limit: one line, nothing stored
    profile = tmp_path / "small.toml"
    profile.write_text('name = "small"\n[case]\nattachment_max_mb = 0.001\n', encoding="utf-8")
    big = _jpeg(size=(400, 300))
    from landbank.errors import InputError

    with pytest.raises(InputError) as caught:
        add_photo(Store.shared(city), get_user(Store.shared(city), "s1"), record["record_id"],
                  "big.jpg", big, profile=str(profile))  # fmt: skip
    assert "over the limit" in str(caught.value) and "big.jpg" in str(caught.value)
    assert _counts(city) == before


# ---- a surveyor sees their own tasks only ------------------------------------------------------


def _routes(app, prefix: str):
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    for route in flatten(app.routes) if flatten else app.routes:
        original = getattr(route, "original_route", route)
        path = route.path or ""
        if isinstance(original, APIRoute) and path.startswith(prefix):
            for method in sorted(route.methods):
                yield method, path


OWN = {f"{API}/me", f"{API}/tasks", f"{API}/tasks/{{task_id}}", f"{API}/photos/{{photo_id}}",
       f"{API}/tasks/{{task_id}}/records", f"{API}/records/{{record_id}}/photos",
       f"{API}/auth/token", f"{API}/auth/logout"}  # fmt: skip


def test_a_surveyor_is_refused_every_api_route_but_their_own(cli, city, client):
    _survey(cli, city, "--codes", PARCELS[6])
    app = client.app
    s1 = _auth(client, "s1")
    before = _counts(city)
    routes = [(m, p) for m, p in _routes(app, API) if p not in OWN]
    assert len(routes) >= 30
    for method, path in routes:
        url = re.sub(r"\{[^}]+\}", "1", path)
        r = client.request(method, url, headers=s1, json={})
        assert r.status_code == 403, (method, path, r.status_code, r.text)
    assert "surveyor" in client.get(f"{API}/parcels", headers=s1).json()["detail"]
    assert _counts(city) == before


def test_a_surveyor_reads_and_writes_only_their_own_tasks(cli, city, client):
    _survey(cli, city, "--codes", PARCELS[7], assign="s1")
    _survey(cli, city, "--codes", PARCELS[8], assign="s2", name="另一次")
    s1, s2 = _auth(client, "s1"), _auth(client, "s2")
    mine = _task(client, s1, PARCELS[7])
    theirs = _task(client, s2, PARCELS[8])
    assert [t["code"] for t in client.get(f"{API}/tasks", headers=s1).json()] == [PARCELS[7]]
    assert client.get(f"{API}/tasks/{theirs['task_id']}", headers=s1).status_code == 403
    assert client.get(f"{API}/tasks/{mine['task_id']}", headers=s1).status_code == 200
    r = _submit(client, s1, theirs, {"site_status": "other"})
    assert r.status_code == 403, r.text
    record = _submit(client, s2, theirs, {"site_status": "other"}).json()
    photo = client.post(f"{API}/records/{record['record_id']}/photos", headers=s2,
                        files={"file": ("a.jpg", _jpeg(), "image/jpeg")}).json()  # fmt: skip
    up = client.post(f"{API}/records/{record['record_id']}/photos", headers=s1,
                     files={"file": ("b.jpg", _jpeg(size=(8, 8)), "image/jpeg")})  # fmt: skip
    assert up.status_code == 403
    assert client.get(photo["url"], headers=s1).status_code == 403
    assert client.get(photo["url"], headers=s2).status_code == 200
    # a clerk or a viewer submits nothing; a clerk outside the district reviews nothing
    viewer, clerk, admin = (_auth(client, n) for n in ("viewer", "clerk", "admin"))
    for who in (viewer, clerk, admin):
        assert _submit(client, who, mine, {"site_status": "other"}).status_code == 403
    far_parcel = "370481-06-000001"
    made = client.post(f"{API}/surveys", headers=clerk,
                       json={"name": "越区", "assign": "far", "codes": [far_parcel]})  # fmt: skip
    assert made.status_code == 403 and "you may edit 市中区 only" in made.json()["detail"]
    ok = client.post(f"{API}/surveys", headers=admin,
                     json={"name": "越区", "assign": "far", "codes": [far_parcel]})  # fmt: skip
    assert ok.status_code == 201, ok.text
    # OGC API and the pages: refused too
    assert client.get("/ogc/collections", headers=s1).status_code == 403


def test_pages_a_surveyor_lands_on_their_task_list_and_nothing_else(cli, city, client):
    _survey(cli, city, "--codes", PARCELS[9], PARCELS[10], "--buildings", BUILDING)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1)
    r = client.post("/login", data={"username": "s1", "password": PASSWORD,
                                    "csrf_token": token, "next": "/"})  # fmt: skip
    assert r.status_code == 200 and r.url.path == "/survey", r.url
    for code in (PARCELS[9], PARCELS[10], BUILDING):
        assert code in r.text
    refused = ("/parcels", f"/parcels/{PARCELS[9]}", "/buildings", f"/buildings/{BUILDING}",
               "/cases/due", "/match", "/maps/idle", "/surveys",
               "/surveys/秋季排摸/review")  # fmt: skip
    for path in refused:
        got = client.get(path, follow_redirects=False)
        assert got.status_code == 403, (path, got.status_code)
    assert client.get("/survey").status_code == 200


def test_the_review_page_shows_records_photos_and_takes_a_decision(cli, city, client):
    _survey(cli, city, "--codes", PARCELS[11])
    s1 = _auth(client, "s1")
    task = _task(client, s1, PARCELS[11])
    lon, lat = task["target"]["centroid"]
    record = _submit(client, s1, task, {"site_status": "completed", "status_on": "2026-06-30"})
    client.post(f"{API}/records/{record.json()['record_id']}/photos", headers=s1,
                files={"file": ("site.jpg", _jpeg(lon + 0.01, lat, "2026:11:20 09:00:00"),
                                "image/jpeg")})  # fmt: skip
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1)
    client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    review = client.get("/surveys/秋季排摸/review")
    assert review.status_code == 200
    assert PARCELS[11] in review.text and "已竣工" in review.text and " m<" in review.text
    assert "拍摄地点过远" in review.text
    csrf = re.search(r'name="csrf_token" value="([^"]*)"', review.text).group(1)
    form = {"csrf_token": csrf, "code": PARCELS[11], "decision": "accept"}
    done = client.post("/surveys/秋季排摸/review", data=form)
    assert done.status_code == 200 and "已审核" in done.text
    assert show_parcel(Store.shared(city), PARCELS[11])["completed_on"] == "2026-06-30"


def test_the_survey_page_gives_a_token_to_a_surveyor_only(cli, city, client):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1)
    client.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf_token": token})
    assert client.get("/survey/token").status_code == 403
    assert client.get("/survey", follow_redirects=False).headers["location"] == "/surveys"
    worker = client.get("/survey-sw.js")
    assert worker.status_code == 200 and "javascript" in worker.headers["content-type"]
    assert "caches.open" in worker.text
    assert client.get("/survey/assets/leaflet.js").text.startswith("/*")


def test_a_photo_over_the_json_body_limit_is_taken_from_a_surveyor(cli, city, client):
    """The edge guard lets a surveyor's photo through up to the attachment limit (the
    bodies of other requests stop at 1 MB); a viewer's is refused before it is read, a
    clerk's by the route (records and their photos come from surveyors)."""
    _survey(cli, city, "--codes", PARCELS[12])
    s1 = _auth(client, "s1")
    record = _submit(client, s1, _task(client, s1, PARCELS[12]), {"site_status": "other"})
    image = Image.effect_noise((1400, 1400), 90).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=97)
    assert out.tell() > 1024 * 1024
    url = f"{API}/records/{record.json()['record_id']}/photos"
    files = {"file": ("big.jpg", out.getvalue(), "image/jpeg")}
    assert client.post(url, headers=s1, files=files).status_code == 201
    assert client.post(url, headers=_auth(client, "viewer"), files=files).status_code == 413
    assert client.post(url, headers=_auth(client, "clerk"), files=files).status_code == 403
    assert _counts(city)["survey_photo"] == 1


def test_the_phone_pages_assets_come_gzipped_and_nothing_else_does(client):
    for path in ("/survey/assets/leaflet.js", "/static/web/survey.js"):
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
        packed = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert plain.status_code == packed.status_code == 200
        assert "content-encoding" not in plain.headers
        assert packed.headers["content-encoding"] == "gzip"
        # the client decoded it: the same bytes, a third or less of them on the wire
        assert packed.content == plain.content
        assert int(packed.headers["content-length"]) * 2 < len(plain.content)
    page = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and "content-encoding" not in page.headers
