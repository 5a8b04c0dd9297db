"""The outputs of a per-mu evaluation run (亩均效益综合评价) as a workbook:
``landbank evaluate --year Y --xlsx FILE``. Ranked lists per cohort, per district and
per park, the enterprises not graded with what they lack, and the rules the run
applied (weights, benchmarks, rule version, the vintages read). Chinese headers with
units, frozen header row, filters, widths and number formats, as the ledger of
``landbank.reports``. Takes the dict ``services.evaluation.run_evaluation`` (or
``show_run``) returns; writes one file atomically."""

from __future__ import annotations

import math
from pathlib import Path

import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException

from landbank.domain.enterprises import FIGURE_BY_NAME, SOURCES, cohort_label
from landbank.domain.evaluation import INDICATORS, STATUSES
from landbank.errors import InputError
from landbank.io.files import atomic_path
from landbank.io.outputs import check_out_file, write_error

# sheet names (at most 31 characters, none of []:*?/\)
RANKED_SHEET = "{cohort}企业排名"
DISTRICT_SHEET = "按行政区排名"
PARK_SHEET = "按园区排名"
NOT_GRADED_SHEET = "未评级企业"
RULES_SHEET = "评价规则"

# (key, header, number format, width)
HEAD_COLUMNS = [
    ("rank", "排名", "0", 8),
    ("credit_code", "统一社会信用代码", None, 22),
    ("name", "企业名称", None, 32),
    ("cohort_zh", "规模", None, 8),
    ("district", "行政区", None, 12),
    ("park", "园区", None, 24),
    ("held_mu", "自有用地(亩)", "0.00", 13),
    ("rented_in_mu", "租入用地(亩)", "0.00", 13),
    ("rented_out_mu", "租出用地(亩)", "0.00", 13),
    ("land_mu", "用地面积(亩)", "0.00", 13),
    ("score", "综合得分", "0.00", 10),
    ("grade", "等级", None, 6),
    ("completeness", "数据完整度", "0.0%", 11),
]
TAIL_COLUMNS = [
    ("policies_zh", "政策措施", None, 50),
    ("amount_yuan", "加价金额合计(元)", "#,##0.00", 16),
]
GROUP_RANK = {
    "district": ("district_rank", "区内排名"),
    "park": ("park_rank", "园区内排名"),
}


def check_xlsx_path(path: Path, option: str = "--xlsx") -> Path:
    """``path`` once it names an .xlsx file in a folder a file can be written into:
    else InputError naming ``option`` (checked before a run is kept)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(
            f"{option} {path}: the ranked lists are an .xlsx file; end the name in .xlsx"
        )
    return check_out_file(path, option)


def indicator_columns(names) -> list[tuple[str, str, str, int]]:
    """Per indicator its value (header with the unit) and its capped contribution."""
    out = []
    for name in names:
        ind = INDICATORS[name]
        out.append((f"v:{name}", f"{ind.zh}({ind.unit})", "0.00", 14))
        out.append((f"c:{name}", f"{ind.zh}得分", "0.00", 10))
    return out


def _policy_text(policies: list[dict]) -> str:
    parts = []
    for p in policies:
        text = p["zh"]
        if p.get("basis"):
            amount = p.get("amount_yuan")
            text += (
                f" {p['yuan_per_unit']:g}元 × {p['basis_value']:,.0f} = {amount:,.2f}元"
                if amount is not None
                else "（缺少计费数据，金额未知）"
            )
        parts.append(text)
    return "；".join(parts)


def _amount(policies: list[dict]) -> float | None:
    amounts = [p["amount_yuan"] for p in policies if p.get("amount_yuan") is not None]
    return round(sum(amounts), 2) if amounts else None


def _record(e: dict) -> dict:
    """An enterprise of the run as one row of the sheets."""
    row = dict(e)
    row["cohort_zh"] = cohort_label(e.get("cohort"), "zh") or None
    for c in e["components"]:
        row[f"v:{c['indicator']}"] = c["value"]
        row[f"c:{c['indicator']}"] = c["contribution"] if c["present"] else None
    row["policies_zh"] = _policy_text(e["policies"]) or None
    row["amount_yuan"] = _amount(e["policies"])
    row["missing_zh"] = "、".join(INDICATORS[m].zh for m in e["missing"]) or None
    row["status_zh"] = STATUSES[e["status"]]["zh"]
    return row


class _Book:
    """An XlsxWriter workbook (rows streamed: ``constant_memory``) and its formats, one
    per number format. Text is written as text: a name beginning with = stays a name."""

    def __init__(self, path: Path):
        self.book = xlsxwriter.Workbook(
            str(path),
            {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
        )
        self.bold = self.book.add_format({"bold": True})
        self.formats: dict[str, object] = {}

    def format(self, fmt: str | None):
        if fmt is None:
            return None
        if fmt not in self.formats:
            self.formats[fmt] = self.book.add_format({"num_format": fmt})
        return self.formats[fmt]

    def sheet(self, title: str, columns, rows: list[dict]) -> None:
        """One sheet: bold header, frozen, filtered, widths and number formats."""
        ws = self.book.add_worksheet(title)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, len(rows), len(columns) - 1)
        formats = [self.format(fmt) for _, _, fmt, _ in columns]
        for i, (_, text, _, width) in enumerate(columns):
            ws.set_column(i, i, width)
            ws.write_string(0, i, text, self.bold)
        for n, rec in enumerate(rows, start=1):
            for i, (key, _, _, _) in enumerate(columns):
                _put(ws, n, i, rec.get(key), formats[i])


def _put(ws, row: int, col: int, value, fmt) -> None:
    """One cell: text as text, numbers with ``fmt``; nothing for None, NaN or inf."""
    if value is None:
        return
    if isinstance(value, str):
        ws.write_string(row, col, value)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, int | float) and math.isfinite(value):
        ws.write_number(row, col, value, fmt)
    elif not isinstance(value, int | float):
        ws.write_string(row, col, str(value))


def _group_ranked(graded: list[dict], group: str) -> list[dict]:
    """The graded sorted by ``group`` (district or park), cohort and rank, each with
    its rank within its group and cohort (scores of cohorts are not compared)."""
    key, _ = GROUP_RANK[group]
    rows = sorted(
        graded, key=lambda r: (r.get(group) or "", r.get("cohort") or "", -(r["score"] or 0.0))
    )
    out, last, n, place, prev = [], None, 0, 0, None
    for r in rows:
        here = (r.get(group), r.get("cohort"))
        if here != last:
            last, n, place, prev = here, 0, 0, None
        n += 1
        if r["score"] != prev:
            place, prev = n, r["score"]
        out.append(r | {key: place})
    return out


def _basis_zh(basis: str | None) -> str | None:
    """Where a benchmark came from, in Chinese (``domain.evaluation.benchmarks``)."""
    if basis is None or basis == "no data":
        return "无数据" if basis else None
    if basis == "profile":
        return "城市配置"
    factor, _, of = basis.partition(" × mean of the ")
    return f"{'上年' if of == 'year before' else '本年'}均值 × {factor}" if of else basis


def _rules_rows(result: dict) -> list[dict]:
    """The rules sheet's rows: the run, each cohort's indicators (weight, benchmark
    and its basis, cap), grade shares, policies, then the vintages read."""
    rules, bench = result["rules"], result.get("benchmarks", {})
    cap = float(rules.get("cap", 1.5))
    rows = [
        {"a": "评价年度", "b": result["year"]},
        {"a": "规则版本", "b": result["rule_version"]},
        {"a": "城市配置", "b": result.get("profile")},
        {"a": "数据截至", "b": result.get("data_as_at")},
        {"a": "评价编号", "b": result.get("evaluation_id")},
        {"a": "单项得分上限", "b": f"权重 × {cap:g}"},
        {"a": "基准值系数", "b": rules.get("benchmark_factor")},
        {"a": "最低数据完整度", "b": rules.get("min_completeness")},
        {},
        {
            "a": "规模",
            "b": "指标",
            "c": "权重",
            "d": "基准值",
            "e": "基准来源",
            "f": "单位",
            "g": "单项得分上限",
        },  # fmt: skip
    ]
    for cohort, spec in rules.get("cohorts", {}).items():
        for name, weight in spec.get("weights", {}).items():
            b = bench.get(cohort, {}).get(name, {})
            rows.append(
                {
                    "a": cohort_label(cohort, "zh") or cohort,
                    "b": INDICATORS[name].zh,
                    "c": weight,
                    "d": b.get("value"),
                    "e": _basis_zh(b.get("basis")),
                    "f": INDICATORS[name].unit,
                    "g": cap * float(weight),
                }
            )
        shares = spec.get("proportions", {})
        rows.append(
            {
                "a": cohort_label(cohort, "zh") or cohort,
                "b": "等级比例 " + "，".join(f"{g} {shares[g]:.0%}" for g in "ABCD" if g in shares),
                "e": f"用地门槛 {spec.get('min_land_mu', 0):g} 亩",
            }
        )
    rows += [{}, {"a": "等级", "b": "政策措施", "c": "计费依据", "d": "单价(元)"}]
    for p in rules.get("policies", []):
        basis = FIGURE_BY_NAME[p["basis"]].zh if p.get("basis") in FIGURE_BY_NAME else None
        rows.append({"a": p["grade"], "b": p.get("zh", p["id"]), "c": basis,
                     "d": p.get("yuan_per_unit")})  # fmt: skip
    rows += [{}, {"a": "数据来源", "b": "年度", "c": "文件", "d": "批次"}]
    for label in ("year", "year_before"):
        for v in result.get("vintages", {}).get(label, []):
            rows.append(
                {
                    "a": SOURCES.get(v["source"], {}).get("zh", v["source"]),
                    "b": v["year"],
                    "c": v["file_name"],
                    "d": v["vintage_id"],
                }
            )
    return rows


def _fill(book: _Book, result: dict) -> None:
    """The sheets of ``write_ranked_xlsx``."""
    records = [_record(e) for e in result["enterprises"]]
    graded = [r for r in records if r["status"] == "graded"]
    cohorts = result["rules"].get("cohorts", {})
    every = list(dict.fromkeys(n for spec in cohorts.values() for n in spec.get("weights", {})))
    for cohort, spec in cohorts.items():
        mine = sorted(
            (r for r in graded if r["cohort"] == cohort),
            key=lambda r: (r["rank"], r["credit_code"]),
        )
        title = RANKED_SHEET.format(cohort=cohort_label(cohort, "zh") or cohort)
        names = list(spec.get("weights", {}))
        book.sheet(title, HEAD_COLUMNS + indicator_columns(names) + TAIL_COLUMNS, mine)
    for group, title in (("district", DISTRICT_SHEET), ("park", PARK_SHEET)):
        key, header = GROUP_RANK[group]
        columns = [(key, header, "0", 10), *HEAD_COLUMNS, *indicator_columns(every)]
        book.sheet(title, columns + TAIL_COLUMNS, _group_ranked(graded, group))
    rest = sorted(
        (r for r in records if r["status"] != "graded"),
        key=lambda r: (r["status"], r.get("cohort") or "", r["credit_code"]),
    )
    columns = HEAD_COLUMNS[1:] + [
        ("status_zh", "评价状态", None, 22),
        ("missing_zh", "缺少数据", None, 40),
    ]
    book.sheet(NOT_GRADED_SHEET, columns, rest)
    ws = book.book.add_worksheet(RULES_SHEET)
    for i, width in enumerate((16, 40, 30, 14, 28, 16, 14)):
        ws.set_column(i, i, width)
    for n, rec in enumerate(_rules_rows(result)):
        for i, key in enumerate("abcdefg"):
            _put(ws, n, i, rec.get(key), None)


def write_ranked_xlsx(result: dict, path: str | Path) -> Path:
    """Writes the ranked lists of an evaluation ``result`` (the dict of
    ``run_evaluation`` or ``show_run``) to ``path`` (.xlsx, written atomically): one
    sheet per cohort (graded, by rank within the cohort), one by district and one by
    park (rank within the district or park and cohort), the not graded with their
    status and missing data, and the rules. InputError for a path that cannot take
    the file. Returns the path."""
    path = check_xlsx_path(Path(path))
    try:
        with atomic_path(path, ".xlsx") as tmp:
            book = _Book(tmp)
            _fill(book, result)
            book.book.close()
    except (OSError, XlsxWriterException) as exc:
        reason = exc if isinstance(exc, OSError) else OSError(str(exc))
        raise write_error(path, reason, "--xlsx") from None
    return path
