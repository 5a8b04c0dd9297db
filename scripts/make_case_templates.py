"""Writes landbank's default document templates (landbank/profiles/templates/*.docx),
one per kind of act, with python-docx. Each states every field its article requires
as a docxtpl tag ({{ field }}); a city copies one, edits it in Word, and names its
folder in the profile's [case] templates.

    .venv/bin/python scripts/make_case_templates.py
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

OUT = Path(__file__).resolve().parent.parent / "landbank" / "profiles" / "templates"

HEAD = ["{{ authority }}", "{{ title }}", "{{ number }}"]
PARCEL = [
    "{{ holder_name }}（地址：{{ holder_address }}）：",
    "宗地编号：{{ parcel_code }}；宗地名称：{{ parcel_name }}；坐落：{{ location }}；"
    "四至：{{ boundaries }}；面积：{{ area_m2 }}平方米（{{ area_mu }}亩）；"
    "合同电子监管号（合同编号）：{{ contract_number }}；约定动工日期：{{ agreed_start_on }}。",
]
FOOT = [
    "联系部门：{{ contact }}    联系电话：{{ phone }}    地址：{{ address }}",
    "{{ seal }}",
    "{{ issued_on }}",
]
BODY = {
    "investigation": [
        "经初步核查，{{ facts }}，涉嫌构成闲置土地。依据{{ grounds }}，我局决定对该宗地进行调查。",
        "请你单位在{{ answer_by }}（{{ answer_days }}日），向我局提交下列材料：{{ to_submit }}。",
        "{{ rights }}。",
    ],
    "determination": [
        "经调查核实，{{ facts }}。依据{{ grounds }}，认定如下：{{ conclusion }}。",
        "闲置原因：{{ cause }}。",
    ],
    "hearing_notice": [
        "我局拟对你单位使用的上述宗地作出{{ intended_decision }}的决定。依据{{ grounds }}，"
        "你单位有要求举行听证的权利。",
        "如要求听证，请在收到本告知书之日起{{ hearing_request_working_days }}个工作日内向我局"
        "提出书面申请；逾期未提出的，视为放弃听证权利。",
    ],
    "fee": [
        "经查，{{ facts }}，已构成闲置土地满一年，闲置原因为企业原因。依据{{ grounds }}，"
        "我局决定向你单位征缴土地闲置费。",
        "土地出让价款：{{ land_price_wan }}万元；土地闲置费：{{ fee_wan }}万元。"
        "计算依据：{{ fee_basis }}。",
        "请你单位自收到本决定书之日起{{ payment_days }}日内，{{ payment_how }}。",
        "如不服本决定，可在收到本决定书之日起{{ reconsideration_days }}日内向"
        "{{ reconsideration_body }}申请行政复议，或在{{ lawsuit_months }}个月内向{{ court }}"
        "提起行政诉讼。",
    ],
    "recovery": [
        "经查，{{ facts }}，已构成闲置土地满两年，闲置原因为企业原因。依据{{ grounds }}，"
        "我局决定{{ termination }}。",
        "请你单位自收到本决定书之日起{{ deregistration_days }}日内，到不动产登记机构办理注销"
        "登记，交回土地权利证书；逾期不办理的，由我局依法公告注销登记。",
        "如不服本决定，可在收到本决定书之日起{{ reconsideration_days }}日内向"
        "{{ reconsideration_body }}申请行政复议，或在{{ lawsuit_months }}个月内向{{ court }}"
        "提起行政诉讼。",
    ],
    "agreement": [
        "甲方：{{ authority }}；乙方：{{ holder_name }}。",
        "经调查认定，上述宗地闲置原因为{{ cause }}。依据{{ grounds }}，双方协商一致，"
        "采取以下方式处置：{{ method }}。",
        "重新约定动工开发日期：{{ new_start_on }}。",
    ],
}


def make(kind: str) -> None:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(12)
    for i, line in enumerate(HEAD):
        para = doc.add_paragraph(line)
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if i == 1:
            para.runs[0].bold = True
            para.runs[0].font.size = Pt(18)
    for line in PARCEL + BODY[kind]:
        doc.add_paragraph(line)
    for line in FOOT:
        doc.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.core_properties.title = kind
    doc.save(OUT / f"{kind}.docx")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for kind in BODY:
        make(kind)
        print(OUT / f"{kind}.docx")
