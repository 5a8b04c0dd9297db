"""The progress ledger (台账) a bureau sends upward, as an Excel workbook: a summary
sheet and one sheet per category, Chinese headers, frozen header row, filters, widths,
number formats and totals. Takes finished frames and rows; writes one file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from landbank.domain.categories import CATEGORIES, UNCLASSIFIED, UNCLASSIFIED_LABEL
from landbank.domain.progress import SUMMED, figure_label
from landbank.io.files import atomic_path

# the progress figures: key, number format; their labels in domain.progress
_SUMMARY_FORMATS = [
    ("group", None),
    ("identified_count", "0"),
    ("identified_area_mu", "0.00"),
    ("disposed_count", "0"),
    ("disposed_area_mu", "0.00"),
    ("rate", "0.0%"),
    ("overdue", "0"),
    ("supply_rate", "0.0%"),
    ("unclassified_count", "0"),
    ("unclassified_area_mu", "0.00"),
]


# per district, the idle-land cases' deadlines due within 30 days and overdue
_CASE_FORMATS = [("case_due_soon", "0"), ("case_overdue", "0")]
CASE_FIGURES = tuple(key for key, _ in _CASE_FORMATS)


def summary_columns(
    lang: str = "zh", group: str = "group", cases: bool = False
) -> list[tuple[str, str, str | None]]:
    """The progress figures as (key, label in ``lang``, number format); the first column's
    label is that of ``group`` (e.g. district); with ``cases`` the counts of the cases'
    deadlines too."""
    formats = _SUMMARY_FORMATS + (_CASE_FORMATS if cases else [])
    return [
        (key, figure_label(group if key == "group" else key, lang), fmt) for key, fmt in formats
    ]


SUMMARY = summary_columns("zh")
PARCEL_COLUMNS = [
    ("code", "地块编号", None),
    ("name", "地块名称", None),
    ("district", "行政区", None),
    ("park", "园区", None),
    ("holder", "土地使用权人", None),
    ("area_mu", "面积(亩)", "0.00"),
    ("approved_on", "批准日期", "yyyy-mm-dd"),
    ("supplied_on", "供地日期", "yyyy-mm-dd"),
    ("agreed_start_on", "约定开工日期", "yyyy-mm-dd"),
    ("started_on", "实际开工日期", "yyyy-mm-dd"),
    ("disposal_state", "处置状态", None),
    ("reasons_zh", "认定理由", None),
]
# the sheet of the cases' deadlines (services.case_due rows)
CASE_DUE_COLUMNS = [
    ("due_on", "到期日期", "yyyy-mm-dd"),
    ("overdue_zh", "是否逾期", None),
    ("code", "地块编号", None),
    ("district", "行政区", None),
    ("state_zh", "案件状态", None),
    ("number", "文号", None),
    ("kind_zh", "文书", None),
    ("served_on", "送达日期", "yyyy-mm-dd"),
    ("what_zh", "期限事项", None),
    ("note", "备注", None),
]
CASE_DUE_SHEET = "案件期限"


def _sheet(ws, columns, records: list[dict], total_keys: tuple[str, ...]) -> None:
    ws.append([zh for _, zh, _ in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for rec in records:
        ws.append([_cell(rec.get(key)) for key, _, _ in columns])
    last = ws.max_row
    if records and total_keys:
        ws.append(
            ["合计"]
            + [
                f"=SUM({get_column_letter(i)}2:{get_column_letter(i)}{last})"
                if key in total_keys
                else None
                for i, (key, _, _) in enumerate(columns[1:], start=2)
            ]
        )
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last}"
    wide = ("reasons_zh", "note", "number", "what_zh", "kind_zh")
    for i, (key, zh, fmt) in enumerate(columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = 30 if key in wide else max(12, len(zh) * 2 + 2)
        if key == "reasons_zh":
            ws.column_dimensions[letter].width = 60
        if fmt:
            for cell in ws[letter][1:]:
                cell.number_format = fmt


def _cell(value):
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().date()
    return value


def write_ledger(
    path: Path, summary: list[dict], parcels: pd.DataFrame, case_due: list[dict] | None = None
) -> Path:
    """Writes the ledger: ``summary`` rows (from progress; with the cases' deadline
    counts where the rows have them), the parcels of each category (canonical columns
    plus ``disposal_state`` and ``reasons_zh``) and, given ``case_due`` (rows of
    ``services.case_due`` with ``state_zh`` and ``overdue_zh``), a sheet of the cases'
    deadlines due within 30 days or overdue."""
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    cases = bool(summary) and all(key in summary[0] for key in CASE_FIGURES)
    columns = summary_columns("zh", cases=cases)
    _sheet(ws, columns, summary, SUMMED + (CASE_FIGURES if cases else ()))
    for cat, labels in CATEGORIES.items():
        if cat == "compliant":
            continue
        rows = parcels[parcels["category"] == cat]
        _sheet(wb.create_sheet(labels["zh"]), PARCEL_COLUMNS, rows.to_dict("records"), ("area_mu",))
    rows = parcels[parcels["category"] == UNCLASSIFIED]
    if len(rows):  # no dates recorded: listed apart, with what is missing, to complete
        sheet = wb.create_sheet(UNCLASSIFIED_LABEL["zh"])
        _sheet(sheet, PARCEL_COLUMNS, rows.to_dict("records"), ("area_mu",))
    if case_due is not None:
        _sheet(wb.create_sheet(CASE_DUE_SHEET), CASE_DUE_COLUMNS, case_due, ())
    with atomic_path(path, ".xlsx") as tmp:
        wb.save(tmp)
    return Path(path)


def write_html_report(
    path: Path,
    by_district: list[dict],
    by_month: list[dict],
    overdue: list[dict],
    title: str | None = None,
    lang: str = "zh",
    case_due: list[dict] | None = None,
) -> Path:
    """A self-contained HTML report: the figures (the unclassified apart; per district the
    cases' deadlines due within 30 days and overdue where the rows have them), disposal
    rate by district (bar chart), the monthly trend, the overdue list and, given
    ``case_due`` (rows of ``services.case_due``, labels in ``lang``: ``state``, ``kind``,
    ``what``), the list of the cases' deadlines; its words in ``lang`` (zh or en).
    plotly.js is inlined from the installed package: the file opens on an
    intranet with no internet."""
    import html

    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs

    def word(key: str) -> str:
        return figure_label(key, lang)

    title = title or word("title")
    districts = [r["group"] for r in by_district]
    rate = go.Figure(
        go.Bar(x=districts, y=[(r["rate"] or 0) * 100 for r in by_district], marker_color="#0072B2")
    )
    rate.update_layout(
        title=word("rate_chart"),
        yaxis_title="%",
        margin={"t": 50, "b": 40, "l": 50, "r": 20},
        height=360,
    )
    trend = go.Figure(
        go.Scatter(
            x=[r["group"] for r in by_month],
            y=[r["disposed_area_mu"] for r in by_month],
            mode="lines+markers",
            line_color="#D55E00",
        )
    )
    # months are categories ("2026-06"), never a time axis: one month alone would be
    # drawn as a span of milliseconds
    trend.update_xaxes(type="category")
    trend.update_layout(
        title=word("trend_chart"),
        margin={"t": 50, "b": 40, "l": 50, "r": 20},
        height=320,
    )
    cases = bool(by_district) and all(key in by_district[0] for key in CASE_FIGURES)
    columns = summary_columns(lang, "district", cases=cases)
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label, _ in columns)

    def fmt(key, value):
        if value is None:
            return ""
        if key in ("rate", "supply_rate"):
            return f"{value:.1%}"
        return f"{value:.2f}" if isinstance(value, float) else html.escape(str(value))

    body = "".join(
        "<tr>" + "".join(f"<td>{fmt(k, r.get(k))}</td>" for k, _, _ in columns) + "</tr>"
        for r in by_district
    )
    late = "".join(
        f"<tr><td>{html.escape(d['due_on'])}</td><td>{html.escape(d['code'])}</td>"
        f"<td>{html.escape(d['state'])}</td><td>{html.escape(d['what'])}</td></tr>"
        for d in overdue
    )
    late_head = "".join(f"<th>{word(k)}</th>" for k in ("due_on", "code", "state", "what"))
    case_section = ""
    if case_due is not None:
        keys = ("due_on", "code", "district", "state", "number", "kind", "served_on", "what")
        case_head = "".join(f"<th>{html.escape(word(k))}</th>" for k in keys)
        case_rows = "".join(
            f"<tr{' class=late' if d['overdue'] else ''}>"
            + "".join(f"<td>{html.escape(str(d.get(k) or ''))}</td>" for k in keys)
            + "</tr>"
            for d in case_due
        )
        case_section = (
            f"<h2>{html.escape(word('case_list'))} ({len(case_due)})</h2>\n"
            f'<table id="case-due"><tr>{case_head}</tr>{case_rows}</table>'
        )
    charts = rate.to_html(full_html=False, include_plotlyjs=False, div_id="rate") + trend.to_html(
        full_html=False, include_plotlyjs=False, div_id="trend"
    )
    page = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:24px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}th{{background:#eee}}
tr.late td{{color:#b00}}</style>
<script>{get_plotlyjs()}</script></head><body>
<h1>{html.escape(title)}</h1>
<h2>{word("by_district")}</h2><table id="figures"><tr>{head}</tr>{body}</table>
{charts}
<h2>{word("overdue_list")} ({len(overdue)})</h2>
<table id="overdue"><tr>{late_head}</tr>{late}</table>
{case_section}
</body></html>"""
    with atomic_path(path, ".html") as tmp:
        tmp.write_text(page, encoding="utf-8")
    return Path(path)


def _match_columns(kind: str, lang: str) -> list[tuple[str, str, str | None]]:
    from landbank.domain.matching import COMPONENTS

    zh = lang == "zh"
    cols = [
        ("rank", "排名" if zh else "rank", "0"),
        ("kind_label", "类型" if zh else "kind", None),
        ("codes_text", "编号" if zh else "codes", None),
        ("score", "得分" if zh else "score", "0.0"),
    ]
    if kind == "land":
        cols += [
            ("area_mu", "面积(亩)" if zh else "area (mu)", "0.00"),
            ("land_use", "用途代码" if zh else "land-use code", None),
            ("price_wan", "土地价款(万元)" if zh else "land price (wan)", "0.00"),
        ]
    else:
        cols += [
            ("area_m2", "面积(m²)" if zh else "area (m²)", "#,##0"),
            ("building_name", "楼宇" if zh else "building", None),
            ("floor_load_kn_m2", "楼面荷载(kN/m²)" if zh else "floor load (kN/m²)", "0.0"),
            ("clear_height_m", "净高(m)" if zh else "clear height (m)", "0.0"),
            ("rent_yuan_m2_month", "租金(元/m²·月)" if zh else "rent (yuan/m²·month)", "0.00"),
        ]
    cols += [
        ("district", "行政区" if zh else "district", None),
        ("park", "园区" if zh else "park", None),
        ("ready_on", "可交付日期" if zh else "ready on", None),
        ("distance_km", "距离(公里)" if zh else "distance (km)", "0.00"),
    ]
    names = (
        ("area_fit", "standard", "readiness", "shape", "distance", "park_industry", "assembly")
        if kind == "land"
        else ("area_fit", "rent", "readiness", "distance", "floors")
    )
    cols += [(f"c_{n}", COMPONENTS[n][lang], "0.00") for n in names]
    cols += [
        ("flags_text", "提示" if zh else "flags", None),
        ("reasons_text", "说明" if zh else "notes", None),
    ]
    return cols


def write_match_pack(
    path: Path, requirement: dict, kind: str, candidates: list[dict], lang: str = "zh"
) -> Path:
    """Writes a site-selection pack (选址资料): a sheet of candidates, one row each with
    its figures and every score component, and a sheet of the requirement as asked."""
    from landbank.domain.matching import KINDS

    zh = lang == "zh"
    wb = Workbook()
    ws = wb.active
    ws.title = "候选" if zh else "candidates"
    rows = []
    for c in candidates:
        row = dict(c)
        row["kind_label"] = KINDS[c["kind"]][lang]
        row["codes_text"] = ", ".join(c["codes"])
        row["flags_text"] = (
            ("低于准入标准" if zh else "below the admission standard")
            if "below_standard" in c.get("flags", [])
            else None
        )
        row["reasons_text"] = "\n".join(c["reasons"])
        row.update({f"c_{k}": v for k, v in c["components"].items()})
        rows.append(row)
    columns = _match_columns(kind, lang)
    _sheet(ws, columns, rows, ())
    reasons_col = get_column_letter(len(columns))
    ws.column_dimensions[reasons_col].width = 70
    ws.column_dimensions["C"].width = 36
    need = wb.create_sheet("需求" if zh else "requirement")
    need.append(["字段" if zh else "field", "值" if zh else "value"])
    for cell in need[1]:
        cell.font = Font(bold=True)
    for key, value in requirement.items():
        if value is None or value == () or value == []:
            continue
        need.append([key, ", ".join(map(str, value)) if isinstance(value, list | tuple) else value])
    need.column_dimensions["A"].width = 24
    need.column_dimensions["B"].width = 40
    with atomic_path(path, ".xlsx") as tmp:
        wb.save(tmp)
    return Path(path)
