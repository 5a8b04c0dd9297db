"""Enterprises (亩均效益评价 by enterprise): the register's fields and cohorts, the
figures each office sends (source) in their canonical units, and the rules on them:
a year's figures from several sources, the land an enterprise uses by the rule (held +
rented in − rented out) and the leases that cannot stand together. Pure: frames in,
frames out; no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from landbank.domain.fields import Field

COHORTS: dict[str, dict[str, str]] = {
    "large": {"zh": "规上", "en": "above designated size"},
    "small": {"zh": "规下", "en": "below designated size"},
}
# what clerks write for a cohort (folded to lower case), mapped to the canonical id
COHORT_VALUES = {
    "large": "large",
    "规上": "large",
    "规模以上": "large",
    "规上企业": "large",
    "规上工业": "large",
    "规模以上工业企业": "large",
    "small": "small",
    "规下": "small",
    "规模以下": "small",
    "规下企业": "small",
    "规下工业": "small",
    "规模以下工业企业": "small",
}

CODE_ALIASES = (
    "统一社会信用代码",
    "社会信用代码",
    "信用代码",
    "统一代码",
    "纳税人识别号",
    "credit_code",
    "uscc",
)
NAME_ALIASES = ("企业名称", "单位名称", "纳税人名称", "用户名称", "户名", "名称", "name")

REGISTER_FIELDS: tuple[Field, ...] = (
    Field("credit_code", "text", "统一社会信用代码", "credit code", CODE_ALIASES),
    Field("name", "text", "企业名称", "name", NAME_ALIASES),
    Field(
        "cohort",
        "text",
        "企业规模",
        "cohort",
        ("企业规模", "规模", "规上规下", "是否规上", "规模类型", "cohort"),
    ),
    Field(
        "industry",
        "text",
        "行业代码",
        "industry code",
        ("行业代码", "国民经济行业分类", "国民经济行业代码", "行业分类代码", "所属行业代码"),
    ),
    Field("district", "text", "行政区", "district", ("行政区", "所属区县", "区县", "所在区")),
    Field("park", "text", "园区", "park", ("园区", "所属园区", "开发区", "园区名称")),
)

LEASE_FIELDS: tuple[Field, ...] = (
    Field(
        "lessor_code",
        "text",
        "出租方信用代码",
        "lessor credit code",
        ("出租方信用代码", "出租方统一社会信用代码", "出租方代码", "出租方", "lessor"),
    ),
    Field(
        "lessee_code",
        "text",
        "承租方信用代码",
        "lessee credit code",
        ("承租方信用代码", "承租方统一社会信用代码", "承租方代码", "承租方", "lessee"),
    ),
    Field(
        "parcel_code",
        "text",
        "地块编号",
        "parcel code",
        ("地块编号", "宗地编号", "宗地代码", "地块代码", "parcel", "code"),
    ),
    Field(
        "area_mu",
        "number",
        "租赁面积(亩)",
        "leased area (mu)",
        ("租赁面积(亩)", "租赁面积", "出租面积(亩)", "出租面积", "面积(亩)"),
    ),
    Field("from_on", "date", "起租日期", "from", ("起租日期", "租赁起始日期", "起始日期", "from")),
    Field(
        "to_on",
        "date",
        "到期日期",
        "to",
        ("到期日期", "租赁截止日期", "截止日期", "止租日期", "to"),
    ),
)

SOURCES: dict[str, dict[str, str]] = {
    "tax": {"zh": "税务", "en": "tax office"},
    "power": {"zh": "电力", "en": "power company"},
    "statistics": {"zh": "统计", "en": "statistics office"},
    "ecology": {"zh": "生态环境", "en": "ecology and environment"},
    "energy": {"zh": "发改（能耗）", "en": "development and reform (energy)"},
    "water": {"zh": "供水", "en": "water company"},
}


@dataclass(frozen=True)
class Figure:
    """A figure an office sends per enterprise and year, in its canonical unit:
    ``dimension`` (see ``domain.units``), the ``source`` it belongs to, and the range
    in which the median over a city's firms lies (``typical``, canonical unit; None:
    no guess of a missing unit)."""

    name: str
    zh: str
    en: str
    dimension: str
    source: str
    aliases: tuple[str, ...]
    typical: tuple[float, float] | None


FIGURES: tuple[Figure, ...] = (
    Figure(
        "tax_wan",
        "税收",
        "tax",
        "money",
        "tax",
        ("税收", "税收实际贡献", "实缴税金", "实缴税额", "实际入库税收", "入库税收", "纳税额"),
        (0.5, 5000.0),
    ),
    Figure(
        "power_kwh",
        "用电量",
        "power use",
        "electricity",
        "power",
        ("用电量", "年用电量", "总用电量", "售电量", "用电"),
        (5e3, 5e7),
    ),
    Figure(
        "revenue_wan",
        "营业收入",
        "revenue",
        "money",
        "statistics",
        ("营业收入", "主营业务收入", "销售收入"),
        (10.0, 1e5),
    ),
    Figure(
        "output_wan",
        "工业总产值",
        "output",
        "money",
        "statistics",
        ("工业总产值", "总产值", "产值"),
        (10.0, 1e5),
    ),
    Figure(
        "value_added_wan",
        "工业增加值",
        "value added",
        "money",
        "statistics",
        ("工业增加值", "增加值"),
        (2.0, 2e4),
    ),
    Figure(
        "employees",
        "从业人数",
        "employees",
        "persons",
        "statistics",
        ("从业人数", "从业人员", "年平均从业人数", "年平均从业人员", "用工人数", "职工人数"),
        None,
    ),
    Figure(
        "rd_wan",
        "研发经费",
        "R&D spending",
        "money",
        "statistics",
        ("研发经费", "研发经费支出", "研发投入", "研发费用", "R&D经费"),
        (0.2, 2000.0),
    ),
    Figure(
        "emissions_t",
        "主要污染物排放量",
        "emissions",
        "mass",
        "ecology",
        ("主要污染物排放量", "污染物排放量", "排放量", "排污量"),
        (0.05, 500.0),
    ),
    Figure(
        "energy_tce",
        "综合能耗",
        "energy use",
        "energy",
        "energy",
        ("综合能耗", "综合能源消费量", "能源消费量", "能耗"),
        (5.0, 5e4),
    ),
    Figure(
        "water_t",
        "用水量",
        "water use",
        "water",
        "water",
        ("用水量", "年用水量", "总用水量", "售水量", "用水"),
        (100.0, 1e6),
    ),
    Figure(
        "sewage_t",
        "污水排放量",
        "sewage",
        "water",
        "ecology",
        ("污水排放量", "废水排放量", "排水量", "污水量"),
        (50.0, 1e6),
    ),
)
FIGURE_NAMES = tuple(f.name for f in FIGURES)
FIGURE_BY_NAME = {f.name: f for f in FIGURES}


def cohort_label(cohort: str | None, lang: str = "zh") -> str:
    """规上 / 规下 (or the English words) for a cohort id; '' for None."""
    return COHORTS[cohort][lang] if cohort in COHORTS else ""


def year_figures(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per credit code of a year's figures from several sources.

    Reads ``rows``: ``credit_code``, ``source``, ``vintage_id`` and the figure columns
    (one row per code and source, as the vintages of one year hold them). Returns
    ``credit_code``, each figure, and ``<figure>_vintage`` (the vintage it came from):
    a figure is taken from its own source (tax from the tax office), else from the
    first other source in the order of ``SOURCES`` that has it."""
    order = {s: i for i, s in enumerate(SOURCES)}
    codes = pd.Index(sorted(rows["credit_code"].unique()) if len(rows) else [], name="credit_code")
    out = pd.DataFrame(index=codes)
    for f in FIGURES:
        if f.name not in rows:
            out[f.name] = np.nan
            out[f"{f.name}_vintage"] = pd.array([pd.NA] * len(out), dtype="Int64")
            continue
        have = rows.loc[rows[f.name].notna(), ["credit_code", "source", "vintage_id", f.name]]
        ranks = {s: -1 if s == f.source else i for s, i in order.items()}
        rank = have["source"].map(ranks).fillna(99)  # a source not known: last
        best = have.assign(_rank=rank).sort_values("_rank").drop_duplicates("credit_code")
        best = best.set_index("credit_code")
        out[f.name] = best[f.name].reindex(codes).astype(float)
        out[f"{f.name}_vintage"] = best["vintage_id"].reindex(codes).astype("Int64")
    return out.reset_index()


def year_days(year: int) -> tuple[dt.date, dt.date]:
    """The first and last day of ``year``."""
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def lease_share_of_year(leases: pd.DataFrame, year: int) -> pd.Series:
    """The share of ``year`` (0–1, by days) each lease runs in. Reads ``from_on``,
    ``to_on`` (dates, both days counted)."""
    first, last = (pd.Timestamp(d) for d in year_days(year))
    start = pd.to_datetime(leases["from_on"]).clip(lower=first)
    end = pd.to_datetime(leases["to_on"]).clip(upper=last)
    days = (end - start).dt.days + 1
    return (days.clip(lower=0) / ((last - first).days + 1)).astype(float)


def land_by_rule(parcels: pd.DataFrame, leases: pd.DataFrame, year: int) -> pd.DataFrame:
    """The land each enterprise uses in ``year``: held + rented in − rented out (亩).

    Reads ``parcels``: ``code``, ``holder_credit_code``, ``area_mu`` (the parcels held,
    as they stand); ``leases``: ``lessor_code``, ``lessee_code``, ``parcel_code``,
    ``area_mu`` (None: the whole parcel), ``from_on``, ``to_on``. A lease counts for the
    share of the year it runs (a lease of half the year moves half its area); its area
    is at most the parcel's. Returns ``credit_code``, ``held_mu``, ``rented_in_mu``,
    ``rented_out_mu``, ``land_mu`` (never below 0), by credit code."""
    held = (
        parcels[parcels["holder_credit_code"].notna()]
        .groupby("holder_credit_code")["area_mu"]
        .sum()
        .rename("held_mu")
    )
    area = parcels.set_index("code")["area_mu"].astype(float)
    moved = pd.Series(dtype=float)
    lessors = lessees = pd.Series(dtype=object)
    if len(leases):
        whole = area.reindex(leases["parcel_code"]).to_numpy()
        leased = leases["area_mu"].astype(float).to_numpy()
        leased = np.where(np.isnan(leased), whole, np.fmin(leased, whole))
        moved = pd.Series(
            np.nan_to_num(leased) * lease_share_of_year(leases, year).to_numpy(),
            index=leases.index,
        )
        lessors, lessees = leases["lessor_code"], leases["lessee_code"]
    rented_in = moved.groupby(lessees).sum().rename("rented_in_mu")
    rented_out = moved.groupby(lessors).sum().rename("rented_out_mu")
    out = pd.concat([held, rented_in, rented_out], axis=1).fillna(0.0)
    out.index.name = "credit_code"
    out["land_mu"] = (out["held_mu"] + out["rented_in_mu"] - out["rented_out_mu"]).clip(lower=0)
    return out.reset_index().sort_values("credit_code", ignore_index=True)


def lease_conflict(leases: pd.DataFrame, parcel_area_mu: float) -> tuple[int, list[int]] | None:
    """The first lease of one parcel that, with the leases running at its start, leases
    more than the parcel: ``(its index, the indexes of those running)``; None when the
    leases fit. Reads ``area_mu`` (None: the whole parcel), ``from_on``, ``to_on``
    (both days counted). Leases are taken in the order of their start."""
    tolerance = 0.01  # mu: areas written to two decimals
    ordered = leases.sort_values(["from_on", "to_on"], kind="stable")
    running: list[tuple[int, pd.Timestamp, float]] = []
    for i, row in ordered.iterrows():
        area = parcel_area_mu if pd.isna(row["area_mu"]) else float(row["area_mu"])
        running = [r for r in running if r[1] >= row["from_on"]]
        if sum(r[2] for r in running) + area > parcel_area_mu + tolerance:
            return i, [r[0] for r in running]
        running.append((i, row["to_on"], area))
    return None
