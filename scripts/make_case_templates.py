"""Writes landbank's default document templates (landbank/profiles/templates/*.docx):
one per kind of act of the idle-land case and the proof of service (送达回证), laid out
as a bureau's 文书 (A4, the margins and sizes of GB/T 9704: title, number line,
addressee, body, the holder's rights, contact block, seal and date at the right).
Each states every field its article requires as a docxtpl tag ({{ field }}; the
fields are those of landbank.domain.case_documents); a city copies one, edits it in
Word, keeping the tags whole, and names its folder in the profile's [case] templates.

    .venv/bin/python scripts/make_case_templates.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "landbank" / "profiles" / "templates"
BODY_PT, TITLE_PT = 16, 22  # 三号 and 二号
BODY_FONT, TITLE_FONT = "仿宋", "宋体"

TITLES = {
    "investigation": "闲置土地调查通知书",
    "determination": "闲置土地认定书",
    "hearing_notice": "听证告知书",
    "fee": "征缴土地闲置费决定书",
    "recovery": "收回国有建设用地使用权决定书",
    "agreement": "闲置土地处置协议",
    "service_receipt": "送达回证",
}
PARCEL = (
    "你单位于{{ supplied_on }}取得的位于{{ location }}的国有建设用地（宗地编号："
    "{{ parcel_code }}；项目名称：{{ parcel_name }}），四至：{{ boundaries }}，面积"
    "{{ area_m2 }}平方米（合{{ area_mu }}亩），合同电子监管号（合同编号）："
    "{{ contract_number }}，约定动工开发日期为{{ agreed_start_on }}{{ delivery }}。"
)
REMEDY = (
    "你单位如不服本决定，可以自收到本决定书之日起{{ reconsideration_days }}日内向"
    "{{ reconsideration_body }}申请行政复议，也可以自收到本决定书之日起"
    "{{ lawsuit_months }}个月内向{{ court }}提起行政诉讼。行政复议和行政诉讼期间，"
    "本决定不停止执行，法律另有规定的除外。"
)
# paragraphs that are lists (their lines are broken by the field's newlines)
LISTS = ("{{ to_submit }}", "{{ evidence }}")
# (addressee lines, body paragraphs, closing words) of each kind
BODY: dict[str, tuple[list[str], list[str], str]] = {
    "investigation": (
        ["{{ holder_name }}（地址：{{ holder_address }}）："],
        [
            PARCEL,
            "经初步核查，{{ facts }}，涉嫌构成闲置土地。依据{{ grounds }}，我局决定对该宗地"
            "开展调查，调查的主要内容为：{{ inquiry }}。",
            "请你单位自收到本通知书之日起{{ answer_days }}日内，向我局提交下列材料：",
            "{{ to_submit }}",
            "{{ if_not_submitted }}。",
            "调查期间，{{ rights }}；{{ duties }}。",
        ],
        "特此通知。",
    ),
    "determination": (
        ["{{ holder_name }}（地址：{{ holder_address }}）："],
        [
            PARCEL,
            "{{ investigation_ref }}。经调查核实，{{ facts }}。",
            "依据{{ grounds }}，认定如下：{{ conclusion }}。",
            "闲置原因：{{ cause }}（{{ cause_detail }}）。",
            "{{ publication }}。{{ next_step }}。",
        ],
        "特此认定。",
    ),
    "hearing_notice": (
        ["{{ holder_name }}（地址：{{ holder_address }}）："],
        [
            PARCEL,
            "我局已于{{ determination_ref }}认定该宗地为闲置土地：{{ facts }}。",
            "依据{{ grounds }}，我局拟对你单位作出{{ intended_decision }}的决定："
            "{{ intended_detail }}。",
            "在作出上述决定前，你单位有要求举行听证的权利。如要求听证，请自收到本告知书之日起"
            "{{ hearing_request_working_days }}个工作日内向我局提出书面申请，{{ where_to_apply }}。"
            "逾期未提出的，视为放弃听证权利，我局将依法作出决定。你单位也可以在上述期限内提出"
            "陈述、申辩意见。",
        ],
        "特此告知。",
    ),
    "fee": (
        ["当事人：{{ holder_name }}", "地址：{{ holder_address }}"],
        [
            "经查，" + PARCEL,
            "{{ facts }}。我局已于{{ determination_ref }}认定该宗地为闲置土地，闲置原因为"
            "{{ cause }}。",
            "上述事实有下列证据证明：",
            "{{ evidence }}",
            "{{ hearing_record }}。",
            "依据{{ grounds }}，我局决定：按照土地出让价款的{{ fee_share }}向你单位征缴土地闲置费"
            "{{ fee_wan }}万元（{{ fee_upper }}）。土地出让价款为{{ land_price_wan }}万元，"
            "计算依据：{{ fee_basis }}。",
            "请你单位自收到本决定书之日起{{ payment_days }}日内，将土地闲置费缴入："
            "{{ payment_account }}。{{ not_cost }}",
            REMEDY,
            "{{ enforcement }}",
        ],
        "",
    ),
    "recovery": (
        ["当事人：{{ holder_name }}", "地址：{{ holder_address }}"],
        [
            "经查，" + PARCEL,
            "{{ facts }}。我局已于{{ determination_ref }}认定该宗地为闲置土地，闲置原因为"
            "{{ cause }}。",
            "上述事实有下列证据证明：",
            "{{ evidence }}",
            "{{ hearing_record }}。",
            "依据{{ grounds }}，经{{ approving_government }}批准，我局决定：{{ termination }}。",
            "请你单位自收到本决定书之日起{{ deregistration_days }}日内，到我局办理国有建设用地"
            "使用权注销登记，交回土地权利证书。{{ if_not_deregistered }}。{{ mortgage }}",
            REMEDY,
            "{{ enforcement }}",
        ],
        "",
    ),
    "agreement": (
        [
            "甲方：{{ authority }}（地址：{{ address }}）",
            "乙方：{{ holder_name }}（地址：{{ holder_address }}）",
        ],
        [
            "乙方于{{ supplied_on }}取得的位于{{ location }}的国有建设用地（宗地编号："
            "{{ parcel_code }}；项目名称：{{ parcel_name }}），四至：{{ boundaries }}，面积"
            "{{ area_m2 }}平方米（合{{ area_mu }}亩），合同电子监管号（合同编号）："
            "{{ contract_number }}，约定动工开发日期为{{ agreed_start_on }}{{ delivery }}。"
            "甲方已于{{ determination_ref }}认定该宗地为闲置土地，闲置原因为政府原因"
            "（{{ cause_detail }}）。",
            "依据{{ grounds }}，甲乙双方经协商一致，订立本协议：",
            "一、处置方式：{{ method }}。",
            "二、{{ method_terms }}",
            "三、重新约定的动工开发日期：{{ new_start_on }}。乙方未按本协议约定动工开发的，"
            "甲方依法处置。",
            "四、本协议未约定的事项，仍按原国有建设用地使用权出让合同执行。",
            "五、本协议一式三份，甲乙双方各执一份，报{{ approving_government }}备案一份，"
            "自双方签字盖章之日起生效。",
        ],
        "",
    ),
}


def _font(run_or_style, name: str, size: float, bold: bool = False) -> None:
    font = run_or_style.font
    font.name, font.size, font.bold = name, Pt(size), bold
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(key), name)


def _document(kind: str) -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    _font(normal, BODY_FONT, BODY_PT)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(28)
    fmt.space_before = fmt.space_after = Pt(0)
    doc.core_properties.title = TITLES[kind]
    doc.core_properties.author = "landbank"
    return doc


def _line(doc, text: str, align=None, indent: bool = False, size=None, bold=False, right=0):
    para = doc.add_paragraph()
    if align is not None:
        para.alignment = align
    if indent:
        para.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    if right:
        para.paragraph_format.right_indent = Pt(BODY_PT * right)
    run = para.add_run(text)
    _font(run, TITLE_FONT if size else BODY_FONT, size or BODY_PT, bold)
    return para


def _head(doc, kind: str, number: bool = True) -> None:
    _line(doc, "{{ authority }}", WD_ALIGN_PARAGRAPH.CENTER, size=TITLE_PT, bold=True)
    _line(doc, TITLES[kind], WD_ALIGN_PARAGRAPH.CENTER, size=TITLE_PT, bold=True)
    if number:
        _line(doc, "{{ number }}", WD_ALIGN_PARAGRAPH.CENTER)
    _line(doc, "")


def _foot(doc) -> None:
    _line(doc, "")
    _line(doc, "联系部门：{{ contact }}", indent=True)
    _line(doc, "联系电话：{{ phone }}", indent=True)
    _line(doc, "地址：{{ address }}", indent=True)
    _line(doc, "")
    _line(doc, "{{ seal }}", WD_ALIGN_PARAGRAPH.RIGHT, right=2)
    _line(doc, "{{ issued_on }}", WD_ALIGN_PARAGRAPH.RIGHT, right=4)


def make(kind: str) -> Path:
    """Writes the template of act ``kind``; returns its path."""
    if kind == "service_receipt":
        return make_receipt()
    doc = _document(kind)
    _head(doc, kind)
    addressee, body, closing = BODY[kind]
    for line in addressee:
        _line(doc, line)
    for para in body:
        if para in LISTS:  # lines of a list: each starts at the indent
            _line(doc, para).paragraph_format.left_indent = Pt(BODY_PT * 2)
        else:
            _line(doc, para, indent=True)
    if closing:
        _line(doc, closing, indent=True)
    if kind == "agreement":
        _line(doc, "")
        _line(doc, "联系部门：{{ contact }}", indent=True)
        _line(doc, "联系电话：{{ phone }}", indent=True)
        _line(doc, "")
        _line(doc, "甲方（盖章）：{{ seal }}", indent=True)
        _line(doc, "乙方（盖章）：{{ line }}", indent=True)
        _line(doc, "法定代表人或者委托代理人（签字）：{{ line }}", indent=True)
        _line(doc, "签订日期：{{ issued_on }}", indent=True)
    else:
        _foot(doc)
    path = OUT / f"{kind}.docx"
    doc.save(path)
    return path


RECEIPT_ROWS = [
    ("送达文书名称", "{{ document }}"),
    ("文书编号（文号）", "{{ number }}"),
    ("受送达人", "{{ receiver }}"),
    ("送达地址", "{{ receiver_address }}"),
    ("送达方式", "{{ method }}"),
    ("送达时间", "{{ served_on }}"),
    ("受送达人签名或者盖章", "{{ line }}\n＿＿＿＿年＿＿月＿＿日"),
    ("代收人及代收理由", "{{ line }}"),
    ("送达人（签名）", "{{ served_by }}"),
    ("见证人（签名）", "{{ line }}（留置送达时）"),
    ("备注", "{{ remark }}"),
]


def make_receipt() -> Path:
    """The proof of service: document, number, receiver, how, when, the lines to sign."""
    doc = _document("service_receipt")
    _head(doc, "service_receipt", number=False)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = (Mm(50), Mm(106))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for label, value in RECEIPT_ROWS:
        cells = table.add_row().cells
        cells[0].width, cells[1].width = widths
        for cell, text in zip(cells, (label, value), strict=True):
            run = cell.paragraphs[0].add_run(text)
            _font(run, BODY_FONT, 14)
    _line(doc, "")
    _line(doc, "{{ seal }}", WD_ALIGN_PARAGRAPH.RIGHT, right=2)
    path = OUT / "service_receipt.docx"
    doc.save(path)
    return path


def tags(path: Path) -> set[str]:
    """The ``{{ field }}`` tags of a template, from its text (paragraphs and tables)."""
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    texts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return set(re.findall(r"\{\{\s*(\w+)\s*\}\}", "\n".join(texts)))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from landbank.domain.case_documents import COMMON, REQUIRED

    OUT.mkdir(parents=True, exist_ok=True)
    for kind in TITLES:
        path = make(kind)
        if kind in REQUIRED:  # every field its article requires has its tag
            missing = set(COMMON) | set(REQUIRED[kind])
            missing -= tags(path)
            assert not missing, f"{path.name} lacks {sorted(missing)}"
        print(path)
