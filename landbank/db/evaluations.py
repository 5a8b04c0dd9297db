"""Runs of the per-mu evaluation by enterprise, in and out of the database: a run
(``evaluation``) with its rules, benchmarks and vintages, and each enterprise's row
(``evaluation_grade``). One run per year is current; a later one replaces it, kept."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import orjson
import pandas as pd
from sqlalchemy import Connection, and_, func, insert, or_, select, update

from landbank.db.bulk import insert_frame
from landbank.db.dialects import sql_of
from landbank.db.models import (
    EnterpriseFigure,
    Evaluation,
    EvaluationGrade,
    FigureVintage,
    Parcel,
)
from landbank.db.rows import frame_of
from landbank.domain.enterprises import FIGURE_NAMES

R = Evaluation.__table__
G = EvaluationGrade.__table__
V = FigureVintage.__table__
F = EnterpriseFigure.__table__
P = Parcel.__table__
GRADE_COLUMNS = [c.name for c in G.columns if c.name not in ("id", "evaluation_id")]


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def held_land(conn: Connection) -> pd.DataFrame:
    """The current parcels with a holder's credit code: ``code``,
    ``holder_credit_code``, ``area_mu`` (what land by the rule reads of them)."""
    stmt = select(P.c.code, P.c.holder_credit_code, P.c.area_mu).where(
        P.c.retired.is_(False), P.c.holder_credit_code.is_not(None)
    )
    return frame_of(conn.execute(stmt.order_by(P.c.code)))


def year_figures(conn: Connection, year: int, as_at: dt.datetime) -> pd.DataFrame:
    """The figures of ``year`` an evaluation reads: from each vintage of that year
    current at ``as_at``, its rows' ``credit_code`` and the figure columns it holds a
    value in (the rest NaN), with ``vintage_id``, ``source``, ``year``, ``file_name``.
    One query per vintage, of its own columns only: most of a vintage's figure
    columns are empty (an office sends one to five of them)."""
    t = _utc(as_at)
    known = and_(V.c.at <= t, or_(V.c.replaced_at.is_(None), V.c.replaced_at > t))
    found = conn.execute(
        select(V.c.id, V.c.source, V.c.file_name)
        .where(V.c.year == year, known)
        .order_by(V.c.source, V.c.at, V.c.id)
    ).all()
    frames = []
    if found:
        ids = [v.id for v in found]
        counts = {
            r["vintage_id"]: r
            for r in conn.execute(
                select(F.c.vintage_id, *(func.count(F.c[n]).label(n) for n in FIGURE_NAMES))
                .where(F.c.vintage_id.in_(ids))
                .group_by(F.c.vintage_id)
            ).mappings()
        }
    for v in found:
        if v.id not in counts:  # a vintage of no rows
            continue
        held = [n for n in FIGURE_NAMES if counts[v.id][n]]
        stmt = select(F.c.credit_code, *(F.c[n] for n in held)).where(F.c.vintage_id == v.id)
        result = conn.execute(stmt.order_by(F.c.credit_code))
        # the driver's rows as they are (text and floats: nothing to convert), twice as
        # fast as SQLAlchemy's rows for the 50,000 of a vintage
        frame = pd.DataFrame.from_records(result.cursor.fetchall(), columns=list(result.keys()))
        frames.append(frame.assign(vintage_id=v.id, source=v.source, year=year,
                                   file_name=v.file_name))  # fmt: skip
    columns = ["vintage_id", "source", "year", "file_name", "credit_code", *FIGURE_NAMES]
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)
    for n in FIGURE_NAMES:
        out[n] = out[n].astype(float) if n in out else np.nan
    return out[columns]


def _run(row) -> dict:
    out = dict(row)
    for key in ("rules", "vintages", "summary"):
        out[key] = json.loads(out[key])
    return out


def current_run(conn: Connection, year: int, lock: bool = False) -> dict | None:
    """The current run of ``year`` (rules, vintages and summary read from JSON), or
    None; ``lock`` holds its row until the unit ends (two runs of a year queue)."""
    stmt = select(R).where(R.c.year == year, R.c.replaced_at.is_(None))
    if lock:
        stmt = sql_of(conn).lock(stmt)
    row = conn.execute(stmt).mappings().first()
    return _run(row) if row is not None else None


def run_by_id(conn: Connection, run_id: int) -> dict | None:
    """The run ``run_id`` (current or replaced), or None."""
    row = conn.execute(select(R).where(R.c.id == run_id)).mappings().first()
    return _run(row) if row is not None else None


def runs(conn: Connection, year: int | None = None) -> list[dict]:
    """Every run (of ``year`` if given), newest year first, then newest run first:
    ``id``, ``year``, ``rule_version``, ``data_as_at``, ``by``, ``at``,
    ``replaced_at`` and the summary."""
    cols = [R.c.id, R.c.year, R.c.rule_version, R.c.data_as_at, R.c.by, R.c.at,
            R.c.replaced_at, R.c.summary]  # fmt: skip
    stmt = select(*cols).order_by(R.c.year.desc(), R.c.at.desc(), R.c.id.desc())
    if year is not None:
        stmt = stmt.where(R.c.year == year)
    return [dict(r) | {"summary": json.loads(r["summary"])} for r in conn.execute(stmt).mappings()]


def replace_run(conn: Connection, run_id: int, now) -> None:
    """Marks run ``run_id`` replaced at ``now`` (kept)."""
    conn.execute(update(R).where(R.c.id == run_id).values(replaced_at=_utc(now)))


def insert_run(conn: Connection, run: dict, grades: pd.DataFrame) -> int:
    """Inserts a current run (``year``, ``data_as_at``, ``rule_version``,
    ``profile_name``, ``profile_sha256``, ``rules``, ``vintages``, ``summary`` (the
    last three as data, stored as JSON), ``by``, ``at``) and its rows (``GRADE_COLUMNS``;
    ``components`` and ``policies`` as data). Returns the run's id."""
    values = dict(run)
    for key in ("rules", "vintages", "summary"):
        values[key] = json.dumps(values[key], ensure_ascii=False)  # the profile's order
    for key in ("data_as_at", "at"):
        values[key] = _utc(values[key])
    run_id = int(conn.execute(insert(R).values(**values)).inserted_primary_key[0])
    data = grades[GRADE_COLUMNS].copy()
    for key in ("components", "policies"):
        data[key] = [orjson.dumps(v).decode() if v else "[]" for v in data[key]]
    data.insert(0, "evaluation_id", run_id)
    insert_frame(conn, "evaluation_grade", data)
    return run_id


def _grades_frame(result) -> pd.DataFrame:
    frame = frame_of(result)
    for key in ("components", "policies"):
        if key in frame:
            frame[key] = [orjson.loads(v) for v in frame[key]]
    return frame


def grades_of(conn: Connection, run_id: int) -> pd.DataFrame:
    """The rows of run ``run_id`` (``GRADE_COLUMNS``; components and policies as data),
    best first within each cohort."""
    stmt = (
        select(*(G.c[c] for c in GRADE_COLUMNS))
        .where(G.c.evaluation_id == run_id)
        .order_by(G.c.cohort, G.c.rank, G.c.credit_code)
    )
    return _grades_frame(conn.execute(stmt))


def history_of(conn: Connection, code: str) -> pd.DataFrame:
    """An enterprise's rows in every run, with the run's ``year``, ``rule_version``,
    ``evaluation_id``, ``at`` and ``replaced_at``: newest year first."""
    stmt = (
        select(
            R.c.year,
            R.c.rule_version,
            R.c.at,
            R.c.replaced_at,
            G.c.evaluation_id,
            *(G.c[c] for c in GRADE_COLUMNS),
        )  # fmt: skip
        .select_from(G.join(R, R.c.id == G.c.evaluation_id))
        .where(G.c.credit_code == code)
        .order_by(R.c.year.desc(), R.c.at.desc())
    )
    return _grades_frame(conn.execute(stmt))


def latest_grades(conn: Connection, up_to_year: int) -> pd.DataFrame:
    """Each enterprise's grade in the current run of the latest year up to
    ``up_to_year`` that has one: ``credit_code``, ``grade``, ``year``,
    ``evaluation_id`` (empty when there is no such run)."""
    year = conn.execute(
        select(func.max(R.c.year)).where(R.c.replaced_at.is_(None), R.c.year <= up_to_year)
    ).scalar()
    if year is None:
        return pd.DataFrame(columns=["credit_code", "grade", "year", "evaluation_id"])
    stmt = (
        select(G.c.credit_code, G.c.grade, R.c.year, G.c.evaluation_id)
        .select_from(G.join(R, R.c.id == G.c.evaluation_id))
        .where(R.c.year == year, R.c.replaced_at.is_(None), G.c.grade.is_not(None))
    )
    return frame_of(conn.execute(stmt))
