"""Fuzz the whole documented API (every operation of /api/v1 and /ogc in the service's
OpenAPI description) with schemathesis, on both engines, on the sample city: as an
admin every operation, as a clerk of one district those that write. No answer is a
5xx, and every answer is as documented: its status code, content type, headers and
body schema.

Each operation gets LANDBANK_FUZZ_EXAMPLES generated requests (default 25) per user,
valid ones and invalid ones (schemathesis's positive and negative modes), derandomised
so that CI sends the same requests every run; about half name a real parcel, building,
project or collection so that the fuzz reaches past the 404. Every failure is collected
(user, operation, check, the request as a curl command) and reported together.

    LANDBANK_FUZZ_EXAMPLES=200 pytest -s tests/test_api_fuzz.py   # a longer run
"""

from __future__ import annotations

import os
import time
import tomllib
from collections import defaultdict

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from landbank.services.users import add_user
from landbank.web.app import create_app
from tests.conftest import ROOT, make_disposing_city
from tests.helpers import store_of

MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
EXAMPLES = int(os.environ.get("LANDBANK_FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# not GET but writing nothing: fuzzed by the admin only
READING = {"POST /api/v1/auth/token", "POST /api/v1/match"}
# who fuzzes: the admin every operation, a clerk of one district those that write
USERS = {"admin": None, "clerk": "薛城区"}

# Failures known and let pass, each with the reason: (operation or "*", check title,
# part of the failure's text, why). Empty: every failure fails the test. A fault
# found here is fixed, not listed.
KNOWN_OPEN: list[tuple[str, str, str, str]] = []


def _load_city(cli, db_url: str) -> None:
    make_disposing_city(cli, db_url)
    xlsx = ROOT / "data" / "buildings" / "zaozhuang_buildings.xlsx"
    assert cli("import", "buildings", xlsx, db=db_url).exit_code == 0
    assert cli("import", "vacancies", xlsx, db=db_url).exit_code == 0
    for name, district in USERS.items():
        add_user(store_of(db_url), name, name, f"{name} password", district)


def _operations(schema) -> list:
    found = []
    for result in schema.get_all_operations():
        found.append(result.ok())
    return found


class Fuzz:
    """Sends cases to the app as one user at a time; keeps per (user, operation) how
    many were sent, and the first request that failed each check: in ``failures``, or
    in ``known`` when KNOWN_OPEN names it."""

    def __init__(self, session, headers: dict, real: dict) -> None:
        self.session, self.headers, self.real = session, headers, real
        self.counts: dict = defaultdict(int)
        self.failures: dict = {}
        self.known: dict = {}

    def send(self, user: str, case) -> None:
        label = case.operation.label
        self.counts[user, label] += 1
        headers = self.headers[user]
        try:
            response = case.call(session=self.session, headers=headers)
        except Exception as exc:  # the in-process client raises what made a 500
            self._note(user, case, "Server error", 500, f"{type(exc).__name__}: {exc}")
            return
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (FailureGroup, Failure) as exc:
            for failure in getattr(exc, "exceptions", [exc]):
                self._note(user, case, failure.title, response.status_code, str(failure))

    def _note(self, user: str, case, title: str, status: int, text: str) -> None:
        label = case.operation.label
        found = (status, case.as_curl_command(), text.splitlines()[0] if text else "")
        for operation, check, part, why in KNOWN_OPEN:
            if operation in (label, "*") and check == title and part in text:
                self.known.setdefault((user, label, title, why), found)
                return
        self.failures.setdefault((user, label, title), found)

    def generated(self, user: str, operation) -> None:
        """EXAMPLES generated requests, valid and invalid, about half of them with real
        path parameters."""
        names = [p.name for p in operation.path_parameters]
        strategies = [operation.as_strategy(mode) for mode in MODES]
        real = {n: self.real[n] for n in names if self.real.get(n)}
        if real:
            strategies += [
                st.fixed_dictionaries({n: st.sampled_from(v) for n, v in real.items()}).flatmap(
                    lambda fixed, mode=mode: operation.as_strategy(mode, path_parameters=fixed)
                )
                for mode in MODES
            ]

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=st.one_of(strategies))
        def run(case):
            self.send(user, case)

        run()

    def boundaries(self, user: str, schema, operation) -> int:
        """schemathesis's coverage phase: the edge values of every parameter and field
        (lengths and bounds just in and just out, wrong types, missing ones), a fixed
        list; returns how many were sent."""
        config = schema.config.generation_for(operation=operation)
        sent = 0
        for case in schema.iter_coverage_cases(
            operation, generation_modes=MODES, generation_config=config
        ):
            self.send(user, case)
            sent += 1
        return sent


@pytest.fixture
def fuzz_city(cli, db_url, tmp_path) -> str:
    """``db_url`` with the sample city (classified, disposals in various states,
    buildings and vacancies) and an admin."""
    _load_city(cli, db_url)
    return db_url


def _real_values(client: TestClient, headers: dict) -> dict[str, list[str]]:
    """Codes and names the database holds, for path parameters; two projects stored."""
    for path in sorted((ROOT / "data" / "projects").glob("*.toml")):
        requirement = tomllib.loads(path.read_text(encoding="utf-8"))
        r = client.post("/api/v1/projects", json=requirement, headers=headers)
        assert r.status_code == 201, r.text
    parcels = client.get("/api/v1/parcels", params={"limit": 20}, headers=headers).json()
    clerks = {"limit": 5, "district": USERS["clerk"]}
    theirs = client.get("/api/v1/parcels", params=clerks, headers=headers).json()
    buildings = client.get("/api/v1/buildings", headers=headers).json()
    projects = client.get("/api/v1/projects", headers=headers).json()
    codes = [p["code"] for p in parcels["items"] + theirs["items"]]
    codes += [b["code"] for b in buildings[:5]]
    return {
        "code": codes,
        "name": [p["name"] for p in projects],
        "collection_id": ["parcels", "buildings"],
        "feature_id": codes,
    }


def _sign_in(client: TestClient, name: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": name, "password": f"{name} password"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_fuzz_whole_api(fuzz_city):
    """Every documented operation as the admin (generated requests and edge cases),
    those that write again as a clerk of one district, and the operations of /ogc as its
    own definition (/ogc/api) describes them: no 5xx, every answer as documented (status
    code, content type, headers, body schema)."""
    app = create_app(fuzz_city)
    client = TestClient(app)
    # signed in before the fuzz of the sign-in makes the limiter refuse this address
    headers = {name: _sign_in(client, name) for name in USERS}
    real = _real_values(client, headers["admin"])
    started = time.perf_counter()

    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = _operations(schema)
    documented = {
        f"{m.upper()} {p}": op["responses"]
        for p, item in app.openapi()["paths"].items()
        for m, op in item.items()
        if p.startswith(("/api/v1", "/ogc"))
    }
    assert {op.label for op in operations} >= set(documented)
    writing = [op for op in operations if op.method.upper() != "GET" and op.label not in READING]
    assert len(writing) >= 8
    # the definition of /ogc alone, 3.0 and without 422, that QGIS and GDAL read
    ogc_schema = schemathesis.openapi.from_asgi("/ogc/api", app, headers=headers["admin"])
    ogc_operations = _operations(ogc_schema)
    assert len(ogc_operations) == len([p for p in documented if p.startswith("GET /ogc")])
    headers["ogc/api"] = headers["admin"]
    passes = [("admin", schema, operations), ("clerk", None, writing)]
    passes.append(("ogc/api", ogc_schema, ogc_operations))
    edges = {}
    with schemathesis.python.asgi.get_client(app) as session:
        fuzz = Fuzz(session, headers, real)
        for name, edged, some in passes:
            for operation in some:
                if edged is not None:
                    edges[name, operation.label] = fuzz.boundaries(name, edged, operation)
                fuzz.generated(name, operation)
    took = time.perf_counter() - started
    sent = sum(fuzz.counts.values())
    print(f"\nfuzzed {len(operations)} operations, {sent} requests in {took:.0f} s")
    print("requests per operation: generated + edge cases")
    for name, _, some in passes:
        for op in some:
            edge = edges.get((name, op.label), 0)
            n = fuzz.counts.get((name, op.label), 0) - edge
            print(f"  {name:8s} {n:4d} + {edge:4d}  {op.label}")
    for (user, label, title, why), (status, curl, _) in sorted(fuzz.known.items()):
        print(f"known, open: {label} as {user}: {title} (HTTP {status}), {why}\n  {curl}")
    covered = defaultdict(set)
    for (name, label), n in fuzz.counts.items():
        if n:
            covered[name].add(label)
    for name, _, some in passes:
        assert covered[name] == {op.label for op in some}, name
    open_ = fuzz.failures
    report = "\n\n".join(
        f"{label} as {user} — {title}: HTTP {status}\n  {curl}\n  {text}"
        for (user, label, title), (status, curl, text) in sorted(open_.items())
    )
    assert not open_, f"{len(open_)} failures:\n\n{report}"
