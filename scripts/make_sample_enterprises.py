"""Writes the sample city's enterprises into data/enterprises/ (synthetic, seeded):

- ``enterprises.xlsx``: the register, one enterprise per holder of the sample's parcel
  ledger (three holders left out, so the holder report has something to say; one name
  written with a space, which the match folds away), plus four firms that hold no land
  and rent some; credit codes with their check character computed as GB 32100-2015 says
  (``landbank.domain.credit_codes.with_check``, python-stdnum's algorithm);
- ``leases.xlsx``: a few leases of part of a parcel between them;
- five offices' figures for 2024 and 2025 (tax, power, statistics, ecology, energy)
  and the water company's (用水量; ecology's file carries the sewage, 污水排放量),
  as .xlsx and .csv with Chinese headers and units in them (tax in 元, the rest as each
  office writes it), made from the per-parcel performance figures of 2025 summed per
  holder; two tax rows with codes of no registered firm, one name written differently.
  Small firms (规下, no per-parcel figures) are in the tax and power files only, with
  made-up tax about 6 万元 per mu: the tax office covers every firm.

All of it is synthetic: no figure belongs to a real enterprise.

Run from the checkout: ``.venv/bin/python scripts/make_sample_enterprises.py``.
The same data files and seed give the same figures.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from landbank.domain.credit_codes import with_check  # noqa: E402

ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LEFT_OUT = 3  # holders kept out of the register
INDUSTRY = {  # a word of the name -> 国民经济行业分类 code
    "新能源": "C3841",
    "精密铸造": "C3391",
    "建材": "C3021",
    "纺织": "C1711",
    "电子": "C3971",
    "物流": "G5941",
    "医药": "C2720",
    "化工": "C2614",
    "机械制造": "C3484",
    "食品": "C1391",
    "新材料": "C2653",
    "装备": "C3490",
}
TENANTS = ["枣庄启航智能装备有限公司", "枣庄云帆包装材料有限公司", "枣庄德润新材料有限公司",
           "枣庄北辰电子科技有限公司"]  # fmt: skip


def credit_code(rng: np.random.Generator, county: str, taken: set[str]) -> str:
    """A fresh code: 9 (market regulator) 1 (company), the county's code, nine random
    organisation characters, and the computed check character."""
    while True:
        org = "".join(rng.choice(list(ORG_CHARS), 9))
        code = with_check(f"91{county}{org}")
        if code not in taken:
            taken.add(code)
            return code


def industry_of(name: str) -> str:
    return next((code for word, code in INDUSTRY.items() if word in name), "C3399")


def register(data: Path, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The register and the parcels (code, holder, district, park, recorded area)."""
    ledger = pd.read_excel(data / "parcels" / "zaozhuang_ledger.xlsx", sheet_name="地块台账")
    layer = pyogrio.read_dataframe(data / "parcels" / "zaozhuang_parcels.gpkg", layer="地块")
    parcels = ledger[["地块编号", "土地使用权人", "登记面积(亩)"]].merge(
        pd.DataFrame(layer[["地块编号", "行政区", "园区"]]), on="地块编号"
    )
    parcels.columns = ["code", "holder", "recorded_mu", "district", "park"]
    holders = sorted(parcels["holder"].dropna().unique())
    left_out = set(rng.choice(holders, LEFT_OUT, replace=False))
    taken: set[str] = set()
    firms = []
    for name in holders:
        if name in left_out:
            continue
        first = parcels[parcels["holder"] == name].iloc[0]
        firms.append(
            {
                "credit_code": credit_code(rng, first["code"][:6], taken),
                "name": name,
                "district": first["district"],
                "park": first["park"],
            }
        )
    for name in TENANTS:
        firm = firms[int(rng.integers(len(firms)))]
        firms.append(
            {
                "credit_code": credit_code(rng, "370400", taken),
                "name": name,
                "district": firm["district"],
                "park": firm["park"],
            }
        )
    frame = pd.DataFrame(firms)
    frame["industry"] = frame["name"].map(industry_of)
    return frame, parcels


def figures_2025(
    data: Path, firms: pd.DataFrame, parcels: pd.DataFrame, rng, small_rng
) -> pd.DataFrame:
    """Per enterprise: the 2025 per-parcel figures summed over the parcels it holds; the
    tenants made up in proportion. A firm with no per-parcel figures is a small one
    (规下): the statistics, energy and ecology offices do not survey it, but the tax
    office and the power company cover every firm, so it gets a tax figure (made up:
    about 6 万元 per mu held, widely spread) and a power figure (``small_rng``)."""
    perf = pd.read_excel(data / "performance" / "zaozhuang_performance_2025.xlsx")
    perf = perf.merge(parcels[["code", "holder"]], on="code")
    columns = ["tax_wan", "output_wan", "value_added_wan", "energy_tce", "emissions_t",
               "employees", "rd_wan", "revenue_wan"]  # fmt: skip
    sums = perf.groupby("holder")[columns].sum()
    out = firms.merge(sums, left_on="name", right_index=True, how="left")
    tenants = out["name"].isin(TENANTS).to_numpy()
    scale = rng.uniform(0.05, 0.3, tenants.sum())
    base = sums.median()
    for col in sums.columns:
        out.loc[tenants, col] = (base[col] * scale).round(1)
    out["employees"] = out["employees"].round()
    out["power_kwh"] = (out["energy_tce"] * rng.uniform(2500, 4500, len(out))).round(-2)
    small = out["tax_wan"].isna().to_numpy()
    held = parcels.groupby("holder")["recorded_mu"].sum()
    land = out.loc[small, "name"].map(held).fillna(1.0).to_numpy()
    tax = land * small_rng.lognormal(np.log(6.0), 0.9, small.sum())
    out.loc[small, "tax_wan"] = tax.round(2)
    out.loc[small, "power_kwh"] = (tax * small_rng.uniform(800, 3000, small.sum())).round(-2)
    return out.reset_index(drop=True)


def year_before(figures: pd.DataFrame, rng) -> pd.DataFrame:
    """2024: each figure 80–105 % of 2025's; a few firms not yet reporting."""
    out = figures.copy()
    for col in ("tax_wan", "output_wan", "value_added_wan", "energy_tce", "emissions_t",
                "rd_wan", "revenue_wan", "power_kwh"):  # fmt: skip
        out[col] = (out[col] * rng.uniform(0.8, 1.05, len(out))).round(2)
    out["employees"] = (out["employees"] * rng.uniform(0.9, 1.0, len(out))).round()
    return out.drop(index=rng.choice(len(out), 5, replace=False)).reset_index(drop=True)


def write_sources(
    folder: Path, year: int, figures: pd.DataFrame, rng, sewage: pd.Series
) -> list[Path]:
    """The five offices' files of ``year``, each as that office writes it (ecology's
    with the sewage of the firms it monitors)."""
    written = []
    code, name = "统一社会信用代码", "企业名称"
    tax = pd.DataFrame(
        {
            code: figures["credit_code"],
            "纳税人名称": figures["name"],
            "税收实际贡献（元）": (figures["tax_wan"] * 10_000).round(0),
        }
    )
    strangers = pd.DataFrame(
        {
            code: [with_check("91370481MA3CK9T2A"), with_check("91370481MA3D1R7HB")],
            "纳税人名称": ["枣庄市外地商贸有限公司", "山东某某物资有限公司"],
            "税收实际贡献（元）": [1_250_000.0, 86_000.0],
        }
    )
    tax = pd.concat([tax, strangers], ignore_index=True)
    tax.loc[3, "纳税人名称"] = tax.loc[3, "纳税人名称"].replace("有限公司", "股份有限公司")
    written.append(_xlsx(tax, folder / f"tax_{year}.xlsx", "税收"))
    power = pd.DataFrame(
        {
            "户号": [f"0{100000 + i}" for i in range(len(figures))],
            "用户名称": figures["name"],
            code: figures["credit_code"],
            "用电量（千瓦时）": figures["power_kwh"],
        }
    )
    written.append(_csv(power, folder / f"power_{year}.csv"))
    surveyed = figures[figures["revenue_wan"].notna()]  # statistics: 规上 firms only
    stats = pd.DataFrame(
        {
            code: surveyed["credit_code"],
            name: surveyed["name"],
            "营业收入（万元）": surveyed["revenue_wan"],
            "工业总产值（万元）": surveyed["output_wan"],
            "工业增加值（万元）": surveyed["value_added_wan"],
            "年平均从业人数（人）": surveyed["employees"].astype(int),
            "研发经费支出（万元）": surveyed["rd_wan"],
        }
    )
    written.append(_xlsx(stats, folder / f"statistics_{year}.xlsx", "统计"))
    # not every firm is a monitored source; small firms are not
    monitored = (rng.random(len(figures)) > 0.15) & figures["emissions_t"].notna().to_numpy()
    ecology = pd.DataFrame(
        {
            code: figures["credit_code"][monitored],
            name: figures["name"][monitored],
            "主要污染物排放量（吨）": figures["emissions_t"][monitored],
            "污水排放量（吨）": sewage[monitored],
        }
    )
    written.append(_csv(ecology, folder / f"ecology_{year}.csv"))
    used = figures[figures["energy_tce"].notna()]  # energy: the firms it monitors
    energy = pd.DataFrame(
        {
            code: used["credit_code"],
            name: used["name"],
            "综合能耗（吨标准煤）": used["energy_tce"],
        }
    )
    written.append(_xlsx(energy, folder / f"energy_{year}.xlsx", "能耗"))
    return written


def water_of(figures: pd.DataFrame, seed: int, year: int) -> tuple[pd.Series, pd.Series]:
    """Each firm's water use (用水量, made up in proportion to its power use) and sewage
    (污水排放量, 60–90 % of its water) in tonnes, from a stream of their own: the other
    figures stay as drawn."""
    rng = np.random.default_rng([seed, 2, year])
    water = (figures["power_kwh"] * rng.uniform(0.002, 0.02, len(figures))).round(0)
    return water, (water * rng.uniform(0.6, 0.9, len(figures))).round(0)


def write_water(folder: Path, year: int, figures: pd.DataFrame, water: pd.Series) -> Path:
    """The water company's file of ``year``: one account per firm."""
    table = pd.DataFrame(
        {
            "户号": [f"S{200000 + i}" for i in range(len(figures))],
            "用户名称": figures["name"],
            "统一社会信用代码": figures["credit_code"],
            "用水量（吨）": water,
        }
    )
    return _csv(table, folder / f"water_{year}.csv")


def leases(firms: pd.DataFrame, parcels: pd.DataFrame, rng) -> pd.DataFrame:
    """Five leases: a holder with several parcels rents part of one to a tenant (or to
    another holder), for two or three years."""
    code_of = dict(zip(firms["name"], firms["credit_code"], strict=True))
    held = parcels[parcels["holder"].isin(code_of)].copy()
    counts = held["holder"].value_counts()
    lessors = sorted(counts[counts >= 3].index)[:5]
    tenants = [*TENANTS, firms["name"].iloc[0]]
    out = []
    for i, lessor in enumerate(lessors):
        parcel = held[held["holder"] == lessor].sort_values("code").iloc[0]
        start = pd.Timestamp(2024, 1 + 2 * i, 1)
        out.append(
            {
                "出租方信用代码": code_of[lessor],
                "出租方名称": lessor,
                "承租方信用代码": code_of[tenants[i]],
                "承租方名称": tenants[i],
                "地块编号": parcel["code"],
                "租赁面积(亩)": round(float(parcel["recorded_mu"]) * 0.4, 2),
                "起租日期": start.date(),
                "到期日期": (start + pd.DateOffset(years=2 + i % 2, days=-1)).date(),
            }
        )
    return pd.DataFrame(out)


def _xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> Path:
    with pd.ExcelWriter(path, engine="openpyxl") as w:
        frame.to_excel(w, sheet_name=sheet, index=False)
    return path


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    folder = args.data / "enterprises"
    folder.mkdir(parents=True, exist_ok=True)
    firms, parcels = register(args.data, rng)
    # the small firms' tax and power from a stream of their own: the rest stays as drawn
    this_year = figures_2025(args.data, firms, parcels, rng, np.random.default_rng([args.seed, 1]))
    cohort = np.where(this_year.set_index("name")["revenue_wan"] >= 2000, "规上", "规下")
    cohorts = dict(zip(this_year["name"], cohort, strict=True))
    shown = firms.assign(
        企业规模=firms["name"].map(cohorts).fillna("规下"),
        企业名称=firms["name"],
    )
    shown.loc[5, "企业名称"] = shown.loc[5, "name"][:4] + " " + shown.loc[5, "name"][4:]
    table = shown.rename(
        columns={"credit_code": "统一社会信用代码", "industry": "行业代码",
                 "district": "行政区", "park": "园区"}
    )[["统一社会信用代码", "企业名称", "企业规模", "行业代码", "行政区", "园区"]]  # fmt: skip
    written = [_xlsx(table, folder / "enterprises.xlsx", "企业名录")]
    written.append(_xlsx(leases(firms, parcels, rng), folder / "leases.xlsx", "租赁"))
    for year, figures in ((2025, this_year), (2024, None)):
        figures = year_before(this_year, rng) if figures is None else figures
        water, sewage = water_of(figures, args.seed, year)
        written += write_sources(folder, year, figures, rng, sewage)
        written.append(write_water(folder, year, figures, water))
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
