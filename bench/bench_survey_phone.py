"""The survey page on a phone over Chromium's emulated slow 3G (issue 19): the bytes and
time of its first load (target ≤ 300 KB, drawn ≤ 5 s; baseline: the sign-in page on
the same link), and the sync of 20 records made offline with a 400 KB camera photo
each (shrunk on the phone; target ≤ 60 s; baseline: the same 20 records without
photos on the same link). Headless Chromium (the system's) driven by Playwright; the
service in-process on SpatiaLite (the link is what is measured).

Slow 3G as Chrome's DevTools define it: 2,000 ms latency, 400 kbit/s down and up.

    PYTHONPATH=. .venv/bin/python bench/bench_survey_phone.py [--record]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import re
import shutil
import socket
import sys
import threading
import time

import uvicorn
from bench_survey import CODES, PASSWORD, database
from PIL import Image, ImageFilter
from playwright.sync_api import sync_playwright
from results import report  # noqa: E402  (bench/ is the script's folder)
from typer.testing import CliRunner

from landbank.cli import app as cli_app
from landbank.db.store import Store
from landbank.web.app import create_app

SLOW_3G = {
    "offline": False,
    "latency": 2000,
    "downloadThroughput": 400 * 1000 / 8,
    "uploadThroughput": 400 * 1000 / 8,
}


def serve(url: str):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(url), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def camera_photo(seed: int) -> bytes:
    """A 400 KB JPEG like a phone's: 2,000 × 1,500, smooth with some grain, EXIF time."""
    base = Image.effect_mandelbrot((2000, 1500), (-2 + seed * 0.01, -1.2, 1, 1.2), 60)
    grain = Image.effect_noise((2000, 1500), 12)
    image = Image.merge("RGB", (base, grain, base.filter(ImageFilter.GaussianBlur(3))))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 10:00:00"
    for quality in range(90, 20, -5):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, exif=exif)
        if out.tell() <= 420 * 1024:
            return out.getvalue()
    return out.getvalue()


class Phone:
    def __init__(self, browser, base: str):
        self.context = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
            base_url=base, geolocation={"longitude": 117.55, "latitude": 34.86},
            permissions=["geolocation"],
        )  # fmt: skip
        self.page = self.context.new_page()
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.send("Network.enable")
        self.bytes = 0
        self.cdp.on("Network.loadingFinished", self._count)

    def _count(self, event):
        self.bytes += event.get("encodedDataLength", 0)

    def link(self, conditions: dict | None):
        self.cdp.send(
            "Network.emulateNetworkConditions",
            conditions or {"offline": False, "latency": 0, "downloadThroughput": -1,
                           "uploadThroughput": -1},
        )  # fmt: skip

    def sign_in(self):
        self.page.goto("/login")
        self.page.fill("input[name=username]", "s1")
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url("**/survey")
        self.page.wait_for_function("() => window.landbankSurvey && window.landbankSurvey.ready")


def first_loads(browser, base: str) -> tuple[tuple[float, int], tuple[float, float, int]]:
    """(seconds, bytes) of the sign-in page, and (seconds until the first task's code is
    drawn, seconds until the map is drawn too, bytes) of the survey page: first loads,
    nothing cached, on slow 3G. The sign-in itself is posted before the link slows."""
    phone = Phone(browser, base)
    phone.link(SLOW_3G)
    start = time.perf_counter()
    phone.page.goto("/login", wait_until="load")
    login = (time.perf_counter() - start, phone.bytes)
    phone.link(None)
    token = re.search(r'name="csrf_token" value="([^"]*)"', phone.page.content()).group(1)
    signed = phone.context.request.post(
        "/login", form={"username": "s1", "password": PASSWORD, "csrf_token": token,
                        "next": "/login"}, max_redirects=0,
    )  # fmt: skip
    assert signed.status == 303, signed.status
    blank = Phone.__new__(Phone)  # a new tab of the same phone: its cookies, no cache
    blank.context, blank.page = phone.context, phone.context.new_page()
    blank.cdp = phone.context.new_cdp_session(blank.page)
    blank.cdp.send("Network.enable")
    blank.cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    blank.bytes = 0
    blank.cdp.on("Network.loadingFinished", blank._count)
    blank.link(SLOW_3G)
    start = time.perf_counter()
    blank.page.goto("/survey", wait_until="commit")
    blank.page.wait_for_selector(f"text={CODES[0]}", state="visible", timeout=60_000)
    drawn = time.perf_counter() - start
    blank.page.wait_for_function(
        "() => window.L && document.querySelector('#survey-map .leaflet-interactive')",
        timeout=120_000,
    )
    mapped = time.perf_counter() - start
    blank.page.wait_for_load_state("networkidle")
    survey = (drawn, mapped, blank.bytes)
    phone.context.close()
    return login, survey


def sync(browser, base: str, photos: list[bytes] | None) -> float:
    """Seconds to send 20 records made offline (each with one photo of ``photos``)."""
    phone = Phone(browser, base)
    phone.sign_in()
    page = phone.page
    phone.context.set_offline(True)
    listed = page.locator("#task-list li.task-open").all()
    codes = [li.get_attribute("data-code") for li in listed]
    for i, code in enumerate(codes[:20]):
        page.tap(f'li[data-code="{code}"] .open-task')
        form = page.locator("#record-form")
        form.locator("select[name=site_status]").select_option("not_started")
        if photos:
            form.locator("input[name=photo]").set_input_files(
                files=[{"name": f"IMG_{i}.jpg", "mimeType": "image/jpeg", "buffer": photos[i]}]
            )
        form.locator("button.save").tap()
        page.wait_for_function(
            "n => +document.getElementById('queue-count').textContent === n", arg=i + 1
        )
    phone.context.set_offline(False)
    phone.link(SLOW_3G)
    start = time.perf_counter()
    page.evaluate("window.landbankSurvey.sync()")
    page.wait_for_function(
        "() => document.getElementById('queue-count').textContent === '0'", timeout=600_000
    )
    took = time.perf_counter() - start
    phone.context.close()
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    url = database("SpatiaLite")
    more = [f"370402-01-{i:06d}" for i in range(21, 41)]
    for name, codes in (("without-photos", CODES), ("with-photos", more)):
        done = CliRunner().invoke(
            cli_app, ["--db", url, "survey", "create", name, "--assign", "s1", "--codes", *codes]
        )
        assert done.exit_code == 0, done.output
    server, base = serve(url)
    photos = [camera_photo(i) for i in range(20)]
    size = sum(map(len, photos)) / 20 / 1024
    chromium = shutil.which("chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        login, survey = first_loads(browser, base)
        # each sync sends 20 open tasks: the first those of one survey, then the other's
        bare = sync(browser, base, None)
        shrunk = sync(browser, base, photos)
        browser.close()
    server.should_exit = True
    store = Store.open(url)
    with store.read() as uow:
        from landbank.db import surveys

        photos_kept = len(surveys.photos(uow))
    store.close()
    assert photos_kept == 20, photos_kept
    cores = os.cpu_count()
    table = "\n".join(
        [
            f"### survey page on a phone, Chromium's slow 3G (2 s, 400 kbit/s), "
            f"{dt.date.today()}, {cores} cores",
            "",
            "`PYTHONPATH=. .venv/bin/python bench/bench_survey_phone.py --record`",
            "",
            "| figure | baseline | landbank | target |",
            "|---|---|---|---|",
            f"| first load, bytes over the wire, map library included (baseline: the "
            f"sign-in page) | {login[1] / 1024:.0f} KB | {survey[2] / 1024:.0f} KB | ≤ 300 KB |",
            f"| first load until the task list is drawn, its codes on screen (baseline: the "
            f"sign-in page loaded) | {login[0]:.1f} s | {survey[0]:.1f} s | ≤ 5 s |",
            f"| first load until the map of the tasks is drawn too | | {survey[1]:.1f} s | |",
            f"| sync of 20 records made offline (baseline: without photos; landbank: a "
            f"{size:.0f} KB camera photo each, shrunk on the phone) | {bare:.1f} s | "
            f"{shrunk:.1f} s | ≤ 60 s |",
            "",
        ]
    )
    report(table, args.record)


if __name__ == "__main__":
    sys.exit(main())
