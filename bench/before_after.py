"""The bench figures of bench/RESULTS.md on two trees in the same run: a base commit,
checked out into a throwaway git worktree, and this tree. Both are driven only through
what a refactor keeps: the `landbank` command line and the HTTP service of
`landbank serve`.

    PYTHONPATH=$PWD .venv/bin/python bench/before_after.py [--base REV]
        [--scale small|full] [--only import,classify,progress,map,match,web]
        [--repeat N] [--record]

``--base`` defaults to the merge-base of HEAD and main. Each figure runs on both trees in
turn, the order alternating from one repetition (or request) to the next: before, after;
after, before; ... so that a drift of the machine falls on both alike. A tree's commands
run as ``python -c "... from landbank.cli import main; main()"`` with PYTHONPATH set to
that tree, and such a process stops at once if landbank was imported from elsewhere.

Setup (the synthetic city, databases, users) runs this tree's code, through the
functions of the bench_*.py scripts, and is not timed; so both trees must share one
schema, which `landbank init` on each checks first. The figures (median of the runs):

- import: `landbank import parcels` into a fresh SpatiaLite file and a fresh PostGIS
  database: wall s and peak RSS MB of the process;
- classify: `landbank classify` of a freshly imported city, both engines, whole command;
- progress: `landbank progress --by district` on bench_progress's city, both engines;
- map: `landbank map --basemap none` on bench_map's city (SpatiaLite): build s, HTML MB;
- match: cold, whole `landbank match --project FILE` commands on the first of
  bench_match's requirements; warm, p50 / p95 of POST /api/v1/match to `landbank serve`
  of each tree, both serving the same database, after bench_match's warm-up;
- web: bench_web_load's HTTP loop (8 clients, GET + PATCH, 2 workers, PostGIS) against
  `landbank serve` of each tree: updates/s, 5xx and lost updates.

``--record`` appends the table to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the bench scripts' setup must run this tree's landbank: in this process and in the
# `landbank` commands they start (the venv's editable install may point elsewhere)
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = str(ROOT)

import bench_classify  # noqa: E402
import bench_import  # noqa: E402
import bench_map  # noqa: E402
import bench_match  # noqa: E402
import bench_progress  # noqa: E402
import bench_web_load  # noqa: E402
from results import report  # noqa: E402

WORK = bench_import.OUT / "before_after"
ENGINES = ("SpatiaLite", "PostGIS")
AS_OF = "2026-06-30"
WEB_CLIENTS, WEB_PARCELS, WEB_WORKERS = 8, 50, 2

# what a tree's process runs: landbank's command line, refusing a landbank from elsewhere
CHILD = """\
import os, sys
import landbank
tree = os.environ["LB_BENCH_TREE"]
if not os.path.realpath(landbank.__file__).startswith(tree + os.sep):
    sys.exit(f"landbank was imported from {landbank.__file__}, not from {tree}")
from landbank.cli import main
sys.argv[0] = "landbank"
main()
"""


@dataclasses.dataclass(frozen=True)
class Scale:
    parcels: int  # the synthetic city of import, classify, progress, map and match
    repeat: int  # runs of each command per tree
    requirements: int  # warm match requests per kind and engine
    cold: int  # `landbank match` commands per kind and engine
    web_seconds: float  # one web load run


SCALES = {
    "small": Scale(parcels=5_000, repeat=2, requirements=20, cold=2, web_seconds=5.0),
    "full": Scale(parcels=100_000, repeat=3, requirements=100, cold=5, web_seconds=30.0),
}


@dataclasses.dataclass(frozen=True)
class Tree:
    label: str  # "before" or "after"
    path: Path  # resolved, as landbank.__file__ shows it
    commit: str  # short hash, as the table shows it

    def cli(self, *args: str) -> list[str]:
        """The command line of ``landbank ARGS`` from this tree."""
        return [sys.executable, "-c", CHILD, *args]

    def env(self, **extra: str) -> dict[str, str]:
        """This process's environment with this tree on PYTHONPATH, and ``extra``.
        PYTHONSAFEPATH keeps ``python -c`` from importing the working folder's landbank."""
        tree = str(self.path)
        safe = {"PYTHONPATH": tree, "PYTHONSAFEPATH": "1", "LB_BENCH_TREE": tree}
        return {**os.environ, **safe, **extra}

    def run(self, *args: str) -> tuple[float, float]:
        """Runs ``landbank ARGS``; returns (wall s, peak RSS MB). Raises on failure."""
        return bench_import.run(self.cli(*args), self.env())

    def output(self, *args: str, stdin: str | None = None) -> str:
        """Runs ``landbank ARGS``; returns its stdout. Raises on failure."""
        proc = subprocess.run(
            self.cli(*args), input=stdin, capture_output=True, text=True, env=self.env()
        )
        if proc.returncode:
            raise SystemExit(f"{self.label}: landbank {' '.join(args)}: {proc.stderr[-600:]}")
        return proc.stdout


@dataclasses.dataclass(frozen=True)
class Row:
    figure: str
    before: float
    after: float
    fmt: str = "{:.2f}"
    higher_is_better: bool = False


Runs = dict[str, list[float]]  # tree label → one value per run


def runs() -> Runs:
    return defaultdict(list)


def row(figure: str, values: Runs, fmt: str = "{:.2f}", reduce=statistics.median, **kw) -> Row:
    """A table row of ``values`` reduced per tree (median unless told)."""
    return Row(figure, reduce(values["before"]), reduce(values["after"]), fmt, **kw)


def in_turn(trees: tuple[Tree, Tree], i: int) -> tuple[Tree, Tree]:
    """Both trees, before first on even ``i`` and after first on odd."""
    return trees if i % 2 == 0 else trees[::-1]


def turns(trees: tuple[Tree, Tree], repeat: int) -> Iterator[tuple[int, Tree]]:
    """(repetition, tree) in the order to run them."""
    for i in range(repeat):
        for tree in in_turn(trees, i):
            yield i, tree


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def fresh_db(kind: str, name: str) -> str:
    """The URL of a new, empty database of ``kind``."""
    if kind == "SpatiaLite":
        return f"sqlite:///{bench_import.fresh_sqlite(f'{name}.sqlite')}"
    return bench_import.fresh_pg(name)


# -- figures: each takes the trees and the scale, returns its rows and notes ----------


def fig_import(trees, scale: Scale) -> tuple[list[Row], list[str]]:
    city = bench_import.city_file(scale.parcels)
    rows = []
    for kind in ENGINES:
        wall, rss = runs(), runs()
        for _, tree in turns(trees, scale.repeat):
            say(f"import, {kind}: {tree.label}")
            url = fresh_db(kind, "lb_before_after_import")
            tree.run("--db", url, "init")
            w, m = tree.run("--db", url, "import", "parcels", str(city), "-q")
            wall[tree.label].append(w)
            rss[tree.label].append(m)
        what = f"`import parcels` {scale.parcels:,} parcels, {kind}"
        rows += [row(f"{what}, s", wall), row(f"{what}, peak RSS MB", rss, "{:.0f}", max)]
    return rows, []


def fig_classify(trees, scale: Scale) -> tuple[list[Row], list[str]]:
    rows = []
    for kind in ENGINES:
        wall = runs()
        for _, tree in turns(trees, scale.repeat):
            say(f"classify, {kind}: {tree.label} (importing the city anew first)")
            url = bench_classify.city_db(kind, scale.parcels)
            wall[tree.label].append(
                tree.run("--db", url, "classify", "--as-of", AS_OF, "--json")[0]
            )
        rows.append(row(f"`classify` {scale.parcels:,} parcels, {kind}, whole command, s", wall))
    return rows, []


def fig_progress(trees, scale: Scale) -> tuple[list[Row], list[str]]:
    rows = []
    for kind in ENGINES:
        say(f"progress, {kind}: building the city")
        url = bench_progress.city(kind, scale.parcels)
        wall = runs()
        for _, tree in turns(trees, scale.repeat):
            wall[tree.label].append(
                tree.run("--db", url, "progress", "--by", "district", "--json")[0]
            )
        rows.append(row(f"`progress --by district`, {kind}, whole command, s", wall))
    return rows, []


def fig_map(trees, scale: Scale) -> tuple[list[Row], list[str]]:
    say("map: building the city")
    url = bench_map.city(scale.parcels)
    wall, size = runs(), runs()
    for _, tree in turns(trees, scale.repeat):
        html = WORK / f"map_{tree.label}.html"
        wall[tree.label].append(
            tree.run("--db", url, "map", "--basemap", "none", "--out", str(html))[0]
        )
        size[tree.label].append(html.stat().st_size / 1e6)
    return [
        row("`map --basemap none`, SpatiaLite, build (whole command), s", wall),
        row("`map` HTML size, MB", size, "{:.2f}"),
    ], []


def requirement_data(req) -> dict:
    """A bench_match requirement laid out as a requirement file (what `landbank match
    --project FILE` and POST /api/v1/match read)."""
    need = req.land if req.land is not None else req.floor_space
    table = {**dataclasses.asdict(need), **dataclasses.asdict(req.place)}
    table = {
        k: v.isoformat() if isinstance(v, dt.date) else list(v) if isinstance(v, tuple) else v
        for k, v in table.items()
        if v is not None and v != ()
    }
    head = {"name": req.name, "industry": req.industry}
    return {**{k: v for k, v in head.items() if v is not None}, req.kind: table}


def _post_match(api, body: dict) -> tuple[float, list]:
    """POSTs one requirement; returns (ms, the candidates' codes)."""
    start = time.perf_counter()
    status, got, text = api.call("POST", f"/api/v1/match?as_of={AS_OF}&top=10", body)
    took = (time.perf_counter() - start) * 1000
    if status != 200:
        raise SystemExit(f"POST /api/v1/match: {status} {text[:300]}")
    return took, bench_match.codes(got)


def _match_cold(trees, url: str, label: str, reqs: list) -> list[Row]:
    wall = runs()
    for i, req in enumerate(reqs):
        path = WORK / f"{req.name}.json"
        path.write_text(json.dumps(requirement_data(req), ensure_ascii=False), encoding="utf-8")
        for tree in in_turn(trees, i):
            args = ["--db", url, "match", "--project", str(path), "--as-of", AS_OF]
            args += ["--profile", bench_match.PROFILE, "--top", "10", "--json"]
            wall[tree.label].append(tree.run(*args)[0])
    return [row(f"{label}: cold, `landbank match` (whole command), p50 s", wall)]


def _match_warm(trees, url: str, label: str, reqs: list, apis: dict) -> tuple[list[Row], int]:
    """Rows of p50 / p95 and how many requests the trees answered differently."""
    bodies = [requirement_data(r) for r in reqs]
    for tree in trees:
        for body in bodies[: bench_match.WARM_UP]:
            _post_match(apis[tree.label], body)
    ms, answers = runs(), defaultdict(list)
    for i, body in enumerate(bodies):
        for tree in in_turn(trees, i):
            took, codes = _post_match(apis[tree.label], body)
            ms[tree.label].append(took)
            answers[tree.label].append(codes)
    differ = sum(a != b for a, b in zip(answers["before"], answers["after"], strict=True))
    p95 = functools.partial(bench_match.pct, q=95)
    return [
        row(f"{label}: warm, POST /api/v1/match, p50 ms", ms, "{:.0f}"),
        row(f"{label}: warm, POST /api/v1/match, p95 ms", ms, "{:.0f}", p95),
    ], differ


def fig_match(trees, scale: Scale) -> tuple[list[Row], list[str]]:
    land, floor = bench_match.requirements(scale.requirements)
    rows, notes = [], []
    for kind in ENGINES:
        say(f"match, {kind}: the city (built unless bench_match left it)")
        url = bench_match.city(kind, scale.parcels)
        trees[1].output(
            "--db", url, "users", "add", "client0", "--role", "viewer", "--password-stdin",
            "--replace", stdin=bench_web_load.PASSWORD + "\n",
        )  # fmt: skip
        for label, reqs in (("land", land), ("floor space", floor)):
            say(f"match, {kind}, {label}: cold")
            rows += _match_cold(trees, url, f"match {label}, {kind}", reqs[: scale.cold])
        servers, apis = [], {}
        try:
            for tree in trees:
                # the API reads the profile from the environment; the CLI got --profile
                proc, base = bench_web_load.serve(
                    url, 1, tree.cli(), tree.env(LANDBANK_PROFILE=bench_match.PROFILE)
                )
                servers.append(proc)
                token = bench_web_load.sign_in(base, 1)[0]
                apis[tree.label] = bench_web_load.Api(base, token)
            for label, reqs in (("land", land), ("floor space", floor)):
                say(f"match, {kind}, {label}: warm")
                warm, differ = _match_warm(trees, url, f"match {label}, {kind}", reqs, apis)
                rows += warm
                if differ:
                    notes.append(
                        f"match {label}, {kind}: {differ} of {len(reqs)} requests answered "
                        "with other candidates by the two trees."
                    )
        finally:
            for api in apis.values():
                api.close()
            for proc in servers:
                bench_web_load.stop(proc)
    return rows, notes


def fig_web(trees, scale: Scale) -> tuple[list[Row], list[str]]:
    say("web load: the sample city and its clerks")
    url, codes = bench_web_load.setup(WEB_CLIENTS, WEB_PARCELS)
    updates, five, lost, notes = runs(), runs(), runs(), []
    for i, tree in turns(trees, scale.repeat):
        say(f"web load: {tree.label}, {scale.web_seconds:.0f} s")
        proc, base = bench_web_load.serve(url, WEB_WORKERS, tree.cli(), tree.env())
        try:
            tokens = bench_web_load.sign_in(base, WEB_CLIENTS)
            worker = bench_web_load.http_worker(base, tokens, codes, f"{tree.label}{i}")
            m = bench_web_load.measure(url, codes, worker, WEB_CLIENTS, scale.web_seconds)
        finally:
            bench_web_load.stop(proc)
        updates[tree.label].append(m["updates_s"])
        five[tree.label].append(m["five"])
        lost[tree.label].append(m["lost"])
        notes += [f"web load, {tree.label}: {e}" for e in m["errors"]]
    what = f"web load, {WEB_CLIENTS} clients, {WEB_WORKERS} workers, PostGIS"
    return [
        row(f"{what}: updates/s (higher is better)", updates, "{:.0f}", higher_is_better=True),
        row(f"{what}: 5xx, all runs", five, "{:.0f}", sum),
        row(f"{what}: lost updates, all runs", lost, "{:.0f}", sum),
    ], notes


FIGURES: dict[str, Callable] = {
    "import": fig_import,
    "classify": fig_classify,
    "progress": fig_progress,
    "map": fig_map,
    "match": fig_match,
    "web": fig_web,
}


# -- the driver -----------------------------------------------------------------------


def git(*args: str) -> str:
    proc = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"git {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout.strip()


@contextlib.contextmanager
def worktree(rev: str) -> Iterator[Path]:
    """A detached git worktree of ``rev`` under the temporary folder, removed after."""
    path = Path(tempfile.gettempdir()) / f"lb-before-{rev[:7]}"
    if path.exists():  # left by an interrupted run
        git("worktree", "remove", "--force", str(path))
    git("worktree", "add", "--detach", str(path), rev)
    try:
        yield path.resolve()
    finally:
        git("worktree", "remove", "--force", str(path))


def check_trees(trees: tuple[Tree, Tree]) -> None:
    """Says which landbank each tree's processes import and stops unless both trees
    bring the database to the same schema (setup builds one database for both)."""
    heads = {}
    for tree in trees:
        url = f"sqlite:///{bench_import.fresh_sqlite(f'before_after/schema_{tree.label}.sqlite')}"
        heads[tree.label] = json.loads(tree.output("--db", url, "init", "--json"))["after"]
        where = subprocess.run(
            [sys.executable, "-c", "import landbank; print(landbank.__file__)"],
            capture_output=True, text=True, env=tree.env(), check=True,
        ).stdout.strip()  # fmt: skip
        say(f"{tree.label} ({tree.commit}): {where}, schema {heads[tree.label]}")
    if heads["before"] != heads["after"]:
        raise SystemExit(f"the trees' schemas differ ({heads}): one database cannot serve both")


def change(r: Row) -> str:
    if r.before == 0:
        return "—" if r.after == 0 else "from 0"
    pct = (r.after - r.before) / r.before
    worse = pct < 0 if r.higher_is_better else pct > 0
    return f"{pct:+.1%}" + (" (worse)" if worse and abs(pct) >= 0.005 else "")


def table(trees, rows: list[Row], notes: list[str], name: str, scale: Scale, cmd: str) -> str:
    before, after = trees
    lines = [
        f"### before / after: `{before.commit}` and `{after.commit}`, {name} scale "
        f"({scale.parcels:,}-parcel city), {dt.date.today()}, {os.cpu_count()} cores",
        "",
        "Both trees in the same run, alternating which goes first; each command "
        f"{scale.repeat} times per tree (median; match: one run per request). Setup not timed.",
        "",
        f"| figure | before (`{before.commit}`) | after (`{after.commit}`) | change % |",
        "|---|---|---|---|",
        *(
            f"| {r.figure} | {r.fmt.format(r.before)} | {r.fmt.format(r.after)} | {change(r)} |"
            for r in rows
        ),
        "",
        *notes,
        *([""] if notes else []),
        f"Reproduce: `{cmd}`.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", help="the commit before (default: merge-base of HEAD and main)")
    ap.add_argument("--scale", choices=sorted(SCALES), default="full")
    ap.add_argument("--only", help=f"comma-separated figures of {','.join(FIGURES)}")
    ap.add_argument("--repeat", type=int, help="runs per tree (default: the scale's)")
    ap.add_argument("--record", action="store_true", help="append the table to RESULTS.md")
    args = ap.parse_args()
    only = args.only.split(",") if args.only else list(FIGURES)
    if unknown := [f for f in only if f not in FIGURES]:
        raise SystemExit(f"--only {','.join(unknown)}: use some of {','.join(FIGURES)}")
    scale = SCALES[args.scale]
    if args.repeat:
        scale = dataclasses.replace(scale, repeat=args.repeat)
    base = git("rev-parse", args.base or git("merge-base", "HEAD", "main"))
    if base == git("rev-parse", "HEAD") and not git("status", "--porcelain", "landbank"):
        raise SystemExit("the base is this tree's commit: give --base REV")
    head = git("rev-parse", "--short", "HEAD")
    if git("status", "--porcelain", "landbank"):
        head += "+changes"  # uncommitted changes to landbank/ are measured too
    WORK.mkdir(parents=True, exist_ok=True)
    cmd = f"PYTHONPATH=$PWD .venv/bin/python bench/before_after.py --base {base[:7]}"
    cmd += f" --scale {args.scale}" + (f" --only {args.only}" if args.only else "")
    cmd += f" --repeat {args.repeat}" if args.repeat else ""
    with worktree(base) as before_path:
        trees = (Tree("before", before_path, base[:7]), Tree("after", ROOT, head))
        check_trees(trees)
        rows, notes = [], []
        for name in only:
            r, n = FIGURES[name](trees, scale)
            rows += r
            notes += n
    report(table(trees, rows, notes, args.scale, scale, cmd), args.record)


if __name__ == "__main__":
    main()
