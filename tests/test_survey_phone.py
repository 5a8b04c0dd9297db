"""The survey page on a phone (issue 19), in real headless Chromium with a phone's
viewport, touch and geolocation, against the service on both engines: records and
photos made offline survive a reload offline and arrive once when the signal returns;
accepted, they show in the parcel's history; a parcel changed meanwhile comes back as
a conflict; twenty records made offline, their answers lost once, arrive once each;
everything the page loads comes from the service."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from landbank.db.store import Store
from landbank.services.parcels import history, set_fields, show_parcel
from landbank.services.surveys import review, review_queue, show_survey
from landbank.web.app import create_app
from tests import test_survey
from tests.test_survey import BUILDING, PARCELS, PASSWORD, _jpeg
from tests.test_web_ogc import served

# the sample city of the survey tests, with its users (s1 a surveyor of 市中区)
city, templates = test_survey.city, test_survey.templates

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "permissions": ["geolocation"],
}


@pytest.fixture
def server(city):
    with served(create_app(city)) as url:
        yield url


def _survey(cli, city, *args, name="秋季排摸"):
    result = cli("survey", "create", name, "--assign", "s1", *args, db=city)
    assert result.exit_code == 0, result.stderr


def _photo(lon: float, lat: float) -> bytes:
    """A 1200×900 JPEG with EXIF GPS and time (Pillow), bigger than the page sends."""
    small = Image.open(io.BytesIO(_jpeg(lon, lat, "2026:11:20 10:00:00")))
    exif = small.getexif()
    out = io.BytesIO()
    Image.effect_noise((1200, 900), 40).convert("RGB").save(out, "JPEG", quality=95, exif=exif)
    return out.getvalue()


class Phone:
    """A phone's browser signed in as s1 on the survey page; the requests it tried
    that were not the service's."""

    def __init__(self, browser, url: str, where: tuple[float, float]):
        self.url = url
        self.context = browser.new_context(
            **PHONE, geolocation={"longitude": where[0], "latitude": where[1]}, base_url=url
        )
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context.route(lambda u: not u.startswith(url), self._refuse)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto("/login")
        self.page.fill("input[name=username]", "s1")
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url("**/survey")
        self.ready()
        self.page.wait_for_function(
            "() => navigator.serviceWorker.controller !== null", timeout=15_000
        )

    def _refuse(self, route):
        self.outside.append(route.request.url)
        route.abort()

    def ready(self):
        self.page.wait_for_function("() => window.landbankSurvey && window.landbankSurvey.ready")

    def offline(self, yes: bool = True):
        self.context.set_offline(yes)

    def queued(self) -> int:
        return int(self.page.inner_text("#queue-count"))

    def open_task(self, code: str):
        self.page.tap(f'li[data-code="{code}"] .open-task')
        self.page.wait_for_selector("#record-form:not([hidden])")

    def parcel(self, code: str, status: str, since: str, photo: bytes | None = None):
        self.open_task(code)
        form = self.page.locator("#record-form")
        form.locator("select[name=site_status]").select_option(status)
        form.locator("input[name=status_on]").fill(since)
        if photo is not None:
            form.locator("input[name=photo]").set_input_files(
                files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": photo}]
            )
        before = self.queued()
        form.locator("button.save").tap()
        self.page.wait_for_function(
            "b => +document.getElementById('queue-count').textContent !== b", arg=before
        )

    def sync(self):
        self.page.evaluate("window.landbankSurvey.sync()")

    def close(self):
        self.context.close()


def test_offline_records_and_photos_survive_a_reload_and_arrive_once(cli, city, server, browser):
    _survey(cli, city, "--codes", PARCELS[0], "--buildings", BUILDING)
    store = Store.shared(city)
    centre = show_parcel(store, PARCELS[0])["centroid"]
    phone = Phone(browser, server, tuple(centre))
    try:
        page = phone.page
        assert PARCELS[0] in page.inner_text("#task-list") and BUILDING in page.inner_text(
            "#task-list"
        )
        # nearest task first: the phone stands on the parcel
        first = page.locator("#task-list li").first.get_attribute("data-code")
        assert first == PARCELS[0]
        phone.offline()
        phone.parcel(PARCELS[0], "under_construction", "2026-10-08", _photo(*centre))
        assert phone.queued() == 1
        phone.open_task(BUILDING)
        form = page.locator("#record-form")
        form.locator("input[name=area_3]").fill("650")
        form.locator("input[name=rent_3]").fill("16")
        form.locator("input[name=from_3]").fill("2027-01-01")
        form.locator("button.save").tap()
        page.wait_for_function("() => document.getElementById('queue-count').textContent == '2'")
        # reloaded without signal: the page comes from the service worker, the queue stays
        page.reload()
        phone.ready()
        assert phone.queued() == 2
        assert PARCELS[0] in page.inner_text("#task-list")
        assert review_queue(store, "秋季排摸") == []
        phone.offline(False)
        phone.sync()
        page.wait_for_function("() => document.getElementById('queue-count').textContent == '0'")
        queue = {t["code"]: t for t in review_queue(store, "秋季排摸")}
        assert set(queue) == {PARCELS[0], BUILDING}
        record = queue[PARCELS[0]]["records"][0]
        assert record["values"]["site_status"] == "under_construction"
        [photo] = record["photos"]
        # shrunk on the phone, its EXIF GPS and time carried over
        assert photo["size_bytes"] < 150 * 1024 and photo["media_type"] == "image/jpeg"
        assert photo["distance_m"] == 0 and photo["flags"] == []
        assert photo["taken_at"] == "2026-11-20T02:00:00+00:00"
        floors = queue[BUILDING]["records"][0]["values"]["floors"]
        assert [f["vacant_area_m2"] for f in floors if f["vacant_area_m2"]] == [650]
        # the same records sent again by a second sync: nothing new
        phone.sync()
        assert len(show_survey(store, "秋季排摸")["tasks"][0]["records"]) == 1
        # accepted, the parcel's history names the surveyor and the reviewer
        review(store, "秋季排摸", PARCELS[0], "accept", "王科长")
        events = [e for e in history(store, PARCELS[0]) if e["field"] == "started_on"]
        assert events[-1]["by"] == "王科长" and "surveyed by s1" in events[-1]["reason"]
        assert phone.outside == [] and phone.errors == []
    finally:
        phone.close()


def test_a_parcel_changed_meanwhile_comes_back_as_a_conflict(cli, city, server, browser):
    _survey(cli, city, "--codes", PARCELS[1])
    store = Store.shared(city)
    phone = Phone(browser, server, tuple(show_parcel(store, PARCELS[1])["centroid"]))
    try:
        phone.offline()
        phone.parcel(PARCELS[1], "stopped", "2026-09-01")
        before = show_parcel(store, PARCELS[1])
        set_fields(store, PARCELS[1], {"holder": "新业主"}, by="clerk", reason="更正")
        phone.offline(False)
        phone.sync()
        page = phone.page
        page.wait_for_selector(f'li[data-code="{PARCELS[1]}"] .conflict')
        assert phone.queued() == 0
        task = show_survey(store, "秋季排摸")["tasks"][0]
        assert task["state"] == "open" and task["records"][0]["state"] == "conflict"
        assert show_parcel(store, PARCELS[1])["stopped_on"] == before["stopped_on"]
    finally:
        phone.close()


def test_twenty_records_made_offline_arrive_once_each_though_answers_are_lost(
    cli, city, server, browser
):
    _survey(cli, city, "--codes", *PARCELS)
    store = Store.shared(city)
    phone = Phone(browser, server, tuple(show_parcel(store, PARCELS[0])["centroid"]))
    try:
        phone.offline()
        for code in PARCELS:
            phone.parcel(code, "not_started", "")
        assert phone.queued() == 20
        phone.page.reload()
        phone.ready()
        assert phone.queued() == 20
        # the first answer to each record is lost on the way back: the server stored it,
        # the phone saw the line drop and sends it again
        lost: set[str] = set()

        def lose_first_answer(route):
            key = route.request.post_data_json["idempotency_key"]
            response = route.fetch()
            if key in lost:
                route.fulfill(response=response)
                return
            lost.add(key)
            route.abort()

        phone.page.route("**/api/v1/tasks/*/records", lose_first_answer)
        phone.offline(False)
        for _ in range(10):
            phone.sync()
            if phone.queued() == 0:
                break
        assert phone.queued() == 0 and len(lost) == 20
        tasks = show_survey(store, "秋季排摸")["tasks"]
        assert len(tasks) == 20
        assert [len(t["records"]) for t in tasks] == [1] * 20
        assert {t["state"] for t in tasks} == {"submitted"}
    finally:
        phone.close()


def test_the_page_of_a_surveyor_reads_nothing_else(cli, city, server, browser):
    _survey(cli, city, "--codes", PARCELS[2])
    store = Store.shared(city)
    phone = Phone(browser, server, tuple(show_parcel(store, PARCELS[2])["centroid"]))
    try:
        statuses = phone.page.evaluate(
            """async () => {
                const token = (await (await fetch('/survey/token')).json()).token;
                const h = {headers: {Authorization: 'Bearer ' + token}};
                const out = [];
                for (const p of ['/api/v1/parcels', '/api/v1/buildings', '/api/v1/surveys',
                                 '/api/v1/progress', '/parcels', '/ogc/collections']) {
                    out.push((await fetch(p, h)).status);
                }
                return out;
            }"""
        )
        assert statuses == [403] * 6
    finally:
        phone.close()
