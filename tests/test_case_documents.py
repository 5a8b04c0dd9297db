"""The documents of the idle-land case (令53 and the ministry's model set): each kind
issued in a real flow, converted by LibreOffice and read back, states every field its
article requires with the parcel's actual values; a field the data lacks is a marked
blank and a warning, never invented; a city's template replaces landbank's; the proof
of service (送达回证); the parcel fields the documents need (migration 0010)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from sqlalchemy import text

from landbank.db import cases as cases_db
from landbank.db.engine import make_engine
from landbank.db.store import Store
from landbank.domain.case_documents import (
    BLANK,
    COMMON,
    M2_PER_MU,
    REQUIRED,
    clock_start,
    conclusion,
    document_fields,
    facts,
    intended,
    service_receipt_fields,
    yuan_upper,
)
from landbank.io.documents import to_pdf
from landbank.services import case_documents, cases
from landbank.services.case_files import export_document
from landbank.services.database import init_db
from landbank.synth import synthetic_parcels
from tests.conftest import ROOT
from tests.helpers import store_of, tool, write_vector

PROFILE = "zaozhuang"
TEMPLATES = ROOT / "landbank" / "profiles" / "templates"
D = dt.date

# four parcels of the sample city's kind, as a bureau's ledger would hold them
HOLDERS = {
    "fee": "枣庄恒泰机械制造有限公司",
    "recovery": "枣庄金桥新材料有限公司",
    "government": "枣庄瑞丰电子科技有限公司",
    "blank": "枣庄远航物流有限公司",
}
ADDRESS = "山东省枣庄市薛城区泰山路88号"
CONTRACT = "3704032022B00123"
FOUR = "东至泰山路，南至规划道路，西至空地，北至黄河路"


def _ledger(tmp_path: Path) -> tuple[Path, dict[str, dict]]:
    """A GeoPackage of four supplied, unstarted parcels (Chinese headers); returns its
    path and each parcel's values by role."""
    frame = synthetic_parcels(40, seed=11).head(4).copy()
    roles = list(HOLDERS)
    frame["holder"] = [HOLDERS[r] for r in roles]
    frame["holder_address"] = [ADDRESS, ADDRESS, ADDRESS, None]
    frame["contract_number"] = [CONTRACT, "3704032022B00124", "3704032023B00077", None]
    frame["boundaries"] = [FOUR, FOUR, FOUR, None]
    frame["approved_on"] = pd.to_datetime(["2021-12-01"] * 4)
    frame["supplied_on"] = pd.to_datetime(["2022-06-01", "2022-06-01", "2023-06-01", "2022-06-01"])
    frame["delivered_on"] = pd.to_datetime(["2022-07-15", None, "2024-08-01", None])
    frame["agreed_start_on"] = pd.to_datetime(
        ["2023-03-01", "2023-03-01", "2024-05-01", "2023-03-01"]
    )
    for name in (
        "started_on",
        "completed_on",
        "operating_on",
        "stopped_on",
        "agreed_completion_on",
    ):
        frame[name] = pd.NaT
    frame["developed_area_mu"] = 0.0
    frame["invested_wan"] = 0.0
    frame["recorded_area_mu"] = [30.0, 24.5, 18.0, 12.0]
    frame["land_price_wan"] = [1000.0, 800.0, 540.0, 360.0]
    frame["cause"] = ["enterprise", "enterprise", "government", "enterprise"]
    path = write_vector(frame, tmp_path / "ledger.gpkg", driver="GPKG")
    values = {role: frame.iloc[i].to_dict() for i, role in enumerate(roles)}
    return path, values


def _numbers(shown: dict) -> dict[str, str]:
    return {a["kind"]: a["number"] for a in shown["acts"] if a["status"] != "voided"}


def _flow(store: Store, code: str, last: str, profile=PROFILE, **extra) -> dict[str, str]:
    """Carries parcel ``code``'s case from the investigation notice to act ``last``
    (issued, not served), each act issued and served on the 2026 calendar; returns the
    numbers by kind."""
    by = "王科长"
    steps = [
        ("investigation", D(2026, 9, 1), D(2026, 9, 3), "direct"),
        ("determination", D(2026, 10, 9), D(2026, 10, 10), "left"),
        ("hearing_notice", D(2026, 10, 12), D(2026, 10, 13), "post"),
    ]
    if last == "agreement":
        steps = steps[:2]
    numbers = {}
    for kind, on, served, how in steps:
        options = {k: v for k, v in extra.items() if kind == "determination" and k == "cause_type"}
        act = cases.issue(store, code, kind, by, on=on, profile=profile, **options)
        numbers[kind] = act["number"]
        if kind == last:
            return numbers
        cases.serve(store, act["number"], served, how, by, profile=profile)
    act = cases.issue(store, code, last, by, on=D(2026, 10, 26), profile=profile, **extra)
    numbers[last] = act["number"]
    return numbers


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    """A SpatiaLite database with the four parcels, every kind of act issued on them,
    each document exported with its PDF: kind → (fields stored, PDF text, warnings)."""
    tool("soffice")
    tmp = tmp_path_factory.mktemp("case_documents")
    url = f"sqlite:///{tmp / 'cases.sqlite'}"
    init_db(url)
    path, values = _ledger(tmp)
    store = Store.open(url)
    try:
        from landbank.services.import_parcels import import_parcels, read_options

        import_parcels(store, path, read_options(profile=PROFILE), by="测试")
        from landbank.services.disposal import open_disposal

        code = {role: v["code"] for role, v in values.items()}
        # the fee's case gives the notices and the fee; the others their decision
        numbers = _flow(store, code["fee"], "fee")
        # a case opened to recover the land: its hearing notice announces the recovery
        open_disposal(store, code["recovery"], "reclaim", "王科长", on=D(2026, 8, 20))
        recovery = _flow(store, code["recovery"], "recovery")
        numbers["recovery"] = recovery["recovery"]
        government = _flow(
            store, code["government"], "agreement", method="extend_deadline",
            new_start_on=D(2027, 6, 1), cause_type="late_delivery",
        )  # fmt: skip
        numbers["agreement"] = government["agreement"]
        out = {}
        for kind, number in (("recovery_hearing", recovery["hearing_notice"]),):
            with store.read() as uow:
                out[kind] = json.loads(cases_db.act_by_number(uow, number)["fields"])
        for kind, number in numbers.items():
            paths = export_document(store, number, tmp / "out")
            with store.read() as uow:
                act = cases_db.act_by_number(uow, number)
            pdf = paths[1].read_bytes()
            out[kind] = (json.loads(act["fields"]), _pdf_text(pdf), json.loads(act["warnings"]))
        receipt = case_documents.render_receipt(store, numbers["fee"], PROFILE)
        served = case_documents.render_receipt(store, numbers["investigation"], PROFILE)
        yield {"docs": out, "values": values, "numbers": numbers, "url": url,
               "receipts": (receipt, served)}  # fmt: skip
    finally:
        store.close()


def _pdf_text(pdf: bytes) -> str:
    """A PDF's text with every space and line break taken out (LibreOffice breaks lines
    inside words; pypdf puts spaces between Chinese and digits)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return _flat("".join(page.extract_text() for page in reader.pages))


def _flat(value: str) -> str:
    return re.sub(r"\s+", "", value)


def _docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    texts = [p.text for p in doc.paragraphs]
    texts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(texts)


KINDS = ("investigation", "determination", "hearing_notice", "fee", "recovery", "agreement")
TITLES = {
    "investigation": "闲置土地调查通知书",
    "determination": "闲置土地认定书",
    "hearing_notice": "听证告知书",
    "fee": "征缴土地闲置费决定书",
    "recovery": "收回国有建设用地使用权决定书",
    "agreement": "闲置土地处置协议",
}


@pytest.mark.parametrize("kind", KINDS)
def test_each_document_states_every_field_its_article_requires(issued, kind):
    fields, text, warnings = issued["docs"][kind]
    for name in (*COMMON, *REQUIRED[kind]):
        assert fields[name] != BLANK, f"{kind}: {name} left blank"
        assert _flat(fields[name]) in text, f"{kind}: {name}={fields[name]!r} not in the PDF"
    assert "{{" not in text and "待填写" not in text
    assert warnings == []


@pytest.mark.parametrize("kind", KINDS)
def test_each_document_carries_the_parcels_actual_values(issued, kind):
    _, text, _ = issued["docs"][kind]
    role = {"fee": "fee", "recovery": "recovery", "agreement": "government"}.get(kind, "fee")
    parcel = issued["values"][role]
    m2 = f"{parcel['recorded_area_mu'] * M2_PER_MU:.2f}"
    for value in (
        parcel["holder"], ADDRESS, parcel["code"], parcel["contract_number"], FOUR, m2,
        "2022年6月1日" if role != "government" else "2023年6月1日",
        "2023年3月1日" if role != "government" else "2024年5月1日",
        issued["numbers"][kind], "枣庄市自然资源和规划局", "枣庄市自然资源和规划局（印章）",
        "0632-0000000", "2026年10月26日" if kind in ("fee", "recovery", "agreement") else "2026年",
    ):  # fmt: skip
        assert _flat(str(value)) in text, f"{kind}: {value!r} not in the PDF"
    assert TITLES[kind] in text


def test_the_investigation_notice_lists_what_to_send_and_what_follows_without_it(issued):
    _, text, _ = issued["docs"]["investigation"]
    assert "自收到本通知书之日起30日内" in text
    assert "国有建设用地使用权权属证明材料" in text
    assert "造成土地闲置的原因说明及相关证据材料" in text
    assert "逾期不提交的，我局将依据已掌握的情况作出认定" in text
    assert "陈述、申辩" in text and "如实提供有关材料" in text
    assert "截至2026年9月1日未动工开发，已超过动工开发期限3年6个月" in text


def test_the_determination_states_facts_cause_and_conclusion(issued):
    _, text, _ = issued["docs"]["determination"]
    assert "2026年9月3日以《闲置土地调查通知书》（枣自然资闲调〔2026〕1号）" in text
    assert "自2024年3月1日起构成闲置土地" in text
    assert "闲置原因：企业原因" in text
    assert "第十一条" in text and "门户网站" in text


def test_the_hearing_notice_states_the_decision_intended_and_the_window(issued):
    _, text, _ = issued["docs"]["hearing_notice"]
    assert "拟对你单位作出征缴土地闲置费的决定" in text
    assert "土地出让价款1,000.00万元" in text
    assert "有要求举行听证的权利" in text
    assert "自收到本告知书之日起5个工作日内" in text
    assert "逾期未提出的，视为放弃听证权利" in text
    recovery = issued["docs"]["recovery_hearing"]
    assert recovery["intended_decision"] == "无偿收回国有建设用地使用权"
    assert recovery["intended_kind"] == "recovery"


def test_the_fee_decision_shows_twenty_percent_of_the_land_price_with_its_basis(issued):
    fields, text, _ = issued["docs"]["fee"]
    assert fields["fee_wan"] == "200.00" and fields["land_price_wan"] == "1,000.00"
    assert "按照土地出让价款的20%向你单位征缴土地闲置费200.00万元（人民币贰佰万元整）" in text
    assert _flat("土地出让价款 1,000.00 万元 × 20% = 200.00 万元") in text
    assert "自收到本决定书之日起30日内" in text
    assert "枣庄市财政局非税收入汇缴结算户" in text
    assert "60日内向枣庄市人民政府申请行政复议" in text
    assert "6个月内向枣庄市薛城区人民法院提起行政诉讼" in text
    assert "你单位在规定期限内未提出听证申请" in text
    assert "土地闲置费不得列入生产成本" in text


def test_the_recovery_decision_ends_the_contract_and_sets_deregistration(issued):
    _, text, _ = issued["docs"]["recovery"]
    assert "无偿收回你单位上述宗地的国有建设用地使用权" in text
    assert "出让合同（划拨决定书）同时终止" in text
    assert "经枣庄市人民政府批准" in text
    assert "自收到本决定书之日起30日内，到我局办理国有建设用地使用权注销登记" in text
    assert "直接公告注销" in text
    assert "60日内" in text and "6个月内" in text


def test_the_agreement_of_a_government_caused_case_restarts_the_clock(issued):
    _, text, _ = issued["docs"]["agreement"]
    assert "闲置原因为政府原因" in text
    assert "第八条第（一）项" in text  # the cause's type, as the determination named it
    assert "处置方式：延长动工期限" in text
    assert "重新约定的动工开发日期：2027年6月1日" in text
    # delivered after the agreed start: the clock runs from the delivery
    assert "土地交付日期为2024年8月1日" in text


def test_the_proof_of_service_names_document_number_receiver_how_and_when(issued):
    unserved, served = (_flat(_docx_text(c)) for c in issued["receipts"])
    assert "送达回证" in unserved and "《征缴土地闲置费决定书》" in unserved
    assert issued["numbers"]["fee"] in unserved and HOLDERS["fee"] in unserved
    assert "□直接送达□留置送达□邮寄送达□公告送达" in unserved
    assert "＿＿＿＿年＿＿月＿＿日" in unserved
    assert "☑直接送达" in served and "2026年9月3日" in served and "王科长" in served


def test_a_missing_holder_address_is_a_marked_blank_and_a_warning(cli, tmp_path):
    tool("soffice")
    url = f"sqlite:///{tmp_path / 'blank.sqlite'}"
    init_db(url)
    path, values = _ledger(tmp_path)
    assert cli("import", "parcels", path, db=url).exit_code == 0
    code = values["blank"]["code"]
    result = cli(
        "case", "issue", code, "investigation", "--on", "2026-09-01", "--by", "王",
        "--profile", PROFILE, "--out-dir", tmp_path / "docs", db=url,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "warning: holder_address (使用权人地址): not recorded" in result.stderr
    assert "warning: contract_number" in result.stderr
    assert "warning: boundaries" in result.stderr
    assert "warning:" not in result.stdout
    pdf = next((tmp_path / "docs").glob("*.pdf"))
    text = _pdf_text(pdf.read_bytes())
    assert f"{HOLDERS['blank']}（地址：{_flat(BLANK)}）" in text
    shown = json.loads(cli("case", "show", code, "--json", "--profile", PROFILE, db=url).stdout)
    warned = shown["acts"][0]["warnings"]
    assert any(w.startswith("holder_address") for w in warned)


def test_the_investigation_notice_is_filled_on_both_engines(db_url, tmp_path):
    path, values = _ledger(tmp_path)
    store = store_of(db_url)
    from landbank.services.import_parcels import import_parcels, read_options

    import_parcels(store, path, read_options(profile=PROFILE), by="测试")
    act = cases.issue(store, values["fee"]["code"], "investigation", "王", on=D(2026, 9, 1),
                      profile=PROFILE)  # fmt: skip
    assert act["number"] == "枣自然资闲调〔2026〕1号" and act["warnings"] == []
    _, content = cases.document(store, act["number"])
    docx = _flat(_docx_text(content))
    for value in (HOLDERS["fee"], ADDRESS, CONTRACT, FOUR, "2023年3月1日", act["number"]):
        assert _flat(value) in docx
    receipt = _flat(_docx_text(case_documents.render_receipt(store, act["number"], PROFILE)))
    assert act["number"] in receipt and HOLDERS["fee"] in receipt


# -- a city's templates -----------------------------------------------------------------


def _city_profile(tmp_path: Path, broken: str | None = None) -> Path:
    """A city profile beside its templates folder, which holds its own fee decision
    (and, with ``broken``, that kind's template with an unclosed tag)."""
    folder = tmp_path / "city_templates"
    folder.mkdir()
    doc = Document()
    doc.add_paragraph("测试市征缴土地闲置费决定书（本市样式）")
    doc.add_paragraph("文号：{{ number }}；当事人：{{ holder_name }}；闲置费：{{ fee_wan }}万元。")
    doc.save(folder / "fee.docx")
    if broken:
        doc = Document()
        doc.add_paragraph("{{ number 未闭合的标签")
        doc.save(folder / f"{broken}.docx")
    profile = tmp_path / "testcity.toml"
    profile.write_text(
        'name = "testcity"\n[case]\nauthority = "测试市自然资源和规划局"\n'
        'templates = "city_templates"\n',
        encoding="utf-8",
    )
    return profile


def test_a_city_template_replaces_the_default_and_others_stay_landbanks(tmp_path):
    url = f"sqlite:///{tmp_path / 'city.sqlite'}"
    init_db(url)
    path, values = _ledger(tmp_path)
    store = store_of(url)
    from landbank.services.import_parcels import import_parcels, read_options

    import_parcels(store, path, read_options(), by="测试")
    profile = str(_city_profile(tmp_path))
    numbers = _flow(store, values["fee"]["code"], "fee", profile=profile)
    _, fee = cases.document(store, numbers["fee"])
    text = _docx_text(fee)
    assert "测试市征缴土地闲置费决定书（本市样式）" in text
    assert f"文号：{numbers['fee']}；当事人：{HOLDERS['fee']}；闲置费：200.00万元。" in text
    _, notice = cases.document(store, numbers["investigation"])
    notice_text = _docx_text(notice)
    assert "闲置土地调查通知书" in notice_text and "测试市自然资源和规划局" in notice_text
    assert "本市样式" not in notice_text


def test_a_broken_city_template_is_one_line_naming_the_file_and_nothing_is_written(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'broken.sqlite'}"
    init_db(url)
    path, values = _ledger(tmp_path)
    assert cli("import", "parcels", path, db=url).exit_code == 0
    profile = _city_profile(tmp_path, broken="investigation")
    before = _counts(url)
    result = cli(
        "case", "issue", values["fee"]["code"], "investigation", "--on", "2026-09-01",
        "--by", "王", "--profile", profile, "--out-dir", tmp_path / "docs", db=url,
    )  # fmt: skip
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "city_templates/investigation.docx" in lines[0] and "Traceback" not in result.output
    assert _counts(url) == before
    assert not (tmp_path / "docs").exists()


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    tables = ("case_act", "doc_number_seq", "attachment", "attachment_link", "disposal",
              "disposal_step", "parcel_event")  # fmt: skip
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}
    engine.dispose()
    return counts


def test_case_receipt_writes_the_proof_of_service_and_refuses_an_unknown_number(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'receipt.sqlite'}"
    init_db(url)
    path, values = _ledger(tmp_path)
    assert cli("import", "parcels", path, db=url).exit_code == 0
    store = store_of(url)
    act = cases.issue(store, values["fee"]["code"], "investigation", "王", on=D(2026, 9, 1))
    out = tmp_path / "回证.docx"
    result = cli("case", "receipt", act["number"], "--out", out, db=url)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    assert act["number"] in _docx_text(out.read_bytes())
    result = cli("case", "receipt", "自然资闲调〔2026〕99号", "--out", out, db=url)
    assert result.exit_code == 1
    assert "no act is numbered" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = cli("case", "receipt", act["number"], "--out", tmp_path / "x.pdf", db=url)
    assert result.exit_code == 1 and "name a .docx" in result.stderr


# -- the templates ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_each_default_template_has_a_tag_for_every_required_field(kind):
    doc = Document(str(TEMPLATES / f"{kind}.docx"))
    found = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", "\n".join(p.text for p in doc.paragraphs)))
    assert set(COMMON) | set(REQUIRED[kind]) <= found


def test_the_default_templates_are_a4_with_the_seal_and_date_at_the_right():
    for kind in (*KINDS, "service_receipt"):
        doc = Document(str(TEMPLATES / f"{kind}.docx"))
        section = doc.sections[0]
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
        seal = next(p for p in doc.paragraphs if "{{ seal }}" in p.text)
        if kind != "agreement":
            assert seal.alignment == 2  # right


def test_a_default_template_converts_with_libreoffice(tmp_path):
    tool("soffice")
    pdf = to_pdf((TEMPLATES / "service_receipt.docx").read_bytes())
    assert "送达回证" in _pdf_text(pdf)


# -- the rules of the texts (pure) ---------------------------------------------------------

PARCEL = {
    "code": "370403-02-000001", "holder": "甲公司", "holder_address": None,
    "area_mu": 30.0, "recorded_area_mu": None, "agreed_start_on": D(2023, 3, 1),
    "supplied_on": D(2022, 6, 1), "started_on": None, "stopped_on": None,
    "delivered_on": None, "land_price_wan": 1000.0, "cause": "enterprise",
}  # fmt: skip
CASE_PROFILE = {"authority": "某局", "seal": "某局（印章）", "contact": "某科",
                "phone": "1", "address": "某路"}  # fmt: skip


@pytest.mark.parametrize(
    "yuan, words",
    [
        (2_000_000, "人民币贰佰万元整"),
        (1_234_567.89, "人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
        (100_050, "人民币壹拾万零伍拾元整"),
        (1_000_001, "人民币壹佰万零壹元整"),
        (1_005_000, "人民币壹佰万伍仟元整"),
        (10_000_500, "人民币壹仟万零伍佰元整"),
        (100_000_000, "人民币壹亿元整"),
        (100_000_001.05, "人民币壹亿零壹元零伍分"),
        (0.5, "人民币伍角"),
        (0, "人民币零元整"),
    ],
)
def test_amount_in_words_as_a_bureau_writes_it(yuan, words):
    assert yuan_upper(yuan) == words


def test_a_missing_field_is_blank_and_warned_never_invented():
    act = {"number": "X〔2026〕1号", "issued_on": D(2026, 9, 1)}
    fields, warnings = document_fields("investigation", PARCEL, {"cause": "enterprise"}, act,
                                       CASE_PROFILE, [])  # fmt: skip
    for name in ("holder_address", "boundaries", "contract_number", "parcel_name", "location"):
        assert fields[name] == BLANK
        assert any(w.startswith(f"{name} (") and "fill it in by hand" in w for w in warnings)
    assert fields["holder_name"] == "甲公司" and fields["area_m2"] == "20000.00"
    assert len(warnings) == 5


def test_the_fee_decision_without_a_payment_account_leaves_it_blank():
    act = {"number": "F1", "issued_on": D(2026, 10, 26), "amount_wan": 200.0,
           "fee_basis": "土地出让价款 1,000.00 万元 × 20% = 200.00 万元"}  # fmt: skip
    fields, warnings = document_fields("fee", PARCEL, {"cause": "enterprise"}, act,
                                       CASE_PROFILE, [])  # fmt: skip
    assert fields["payment_account"] == BLANK
    assert any(w.startswith("payment_account") for w in warnings)
    assert fields["fee_upper"] == "人民币贰佰万元整" and fields["fee_share"] == "20%"


def test_a_government_cause_without_its_kind_is_blank_on_the_determination():
    act = {"number": "R1", "issued_on": D(2026, 10, 9)}
    case = {"cause": "government"}
    fields, warnings = document_fields("determination", PARCEL, case, act, CASE_PROFILE, [])
    assert fields["cause"] == "政府原因" and fields["cause_detail"] == BLANK
    assert any(w.startswith("cause_detail") for w in warnings)
    fields, _ = document_fields("determination", PARCEL, case, {**act, "cause_type": "policy"},
                                CASE_PROFILE, [])  # fmt: skip
    assert "第八条第（三）项" in fields["cause_detail"]


def test_a_late_delivery_moves_the_start_clock():
    late = {**PARCEL, "delivered_on": D(2023, 9, 1)}
    assert clock_start(late) == D(2023, 9, 1)
    assert clock_start({**PARCEL, "delivered_on": D(2022, 7, 1)}) == D(2023, 3, 1)
    assert "动工开发期限自交地之日起计算" in facts(late, D(2026, 9, 1))
    assert conclusion(late, D(2024, 8, 31)) is None  # not a year past the delivery
    assert "自2024年9月1日起构成闲置土地" in conclusion(late, D(2024, 9, 1))


def test_a_stopped_project_is_idle_only_below_a_third_or_a_quarter():
    stopped = {**PARCEL, "started_on": D(2023, 4, 1), "stopped_on": D(2024, 1, 10),
               "developed_area_mu": 5.0, "invested_wan": 100.0,
               "total_investment_wan": 1000.0}  # fmt: skip
    assert "第二条第二款" in conclusion(stopped, D(2025, 1, 10))
    assert conclusion(stopped, D(2025, 1, 9)) is None
    built = {**stopped, "developed_area_mu": 20.0, "invested_wan": 600.0}
    assert conclusion(built, D(2025, 6, 1)) is None
    assert "占应动工开发建设用地总面积的16.7%" in facts(stopped, D(2025, 6, 1))


def test_the_hearing_notice_intends_the_decision_the_case_is_set_to():
    assert intended({"method": "idle_fee"}, PARCEL, D(2026, 3, 1)) == "fee"
    assert intended({"method": "reclaim"}, PARCEL, D(2024, 3, 1)) == "recovery"
    # a case set to neither: by its idle time (art. 14)
    assert intended({"method": "other"}, PARCEL, D(2024, 2, 29)) is None
    assert intended({"method": "other"}, PARCEL, D(2024, 3, 1)) == "fee"
    assert intended({"method": "other"}, PARCEL, D(2025, 3, 1)) == "recovery"


def test_the_proof_of_service_ticks_the_method_only_once_served():
    act = {"kind": "fee", "number": "F1", "issued_on": D(2026, 10, 26), "served_on": None,
           "service_method": None, "served_to": None, "served_by": None}  # fmt: skip
    fields = service_receipt_fields(act, PARCEL, CASE_PROFILE)
    assert "☑" not in fields["method"] and fields["receiver"] == "甲公司"
    assert fields["receiver_address"] == BLANK
    served = {**act, "served_on": D(2026, 10, 27), "service_method": "public"}
    fields = service_receipt_fields(served, PARCEL, CASE_PROFILE)
    assert "☑公告送达" in fields["method"] and fields["served_on"] == "2026年10月27日"


# -- the parcel fields the documents need (migration 0010) --------------------------------


def test_parcels_set_records_the_case_fields_and_keeps_the_category(cli, db_url, tmp_path):
    path, values = _ledger(tmp_path)
    assert cli("import", "parcels", path, db=db_url).exit_code == 0
    code = values["blank"]["code"]
    assert cli("classify", "--as-of", "2026-06-30", db=db_url).exit_code == 0
    before = json.loads(cli("parcels", "show", code, "--json", db=db_url).stdout)
    result = cli(
        "parcels", "set", code, f"holder_address={ADDRESS}", f"contract_number={CONTRACT}",
        f"boundaries={FOUR}", "delivered_on=2022-07-01", "--by", "王", "--reason", "核实",
        db=db_url,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    shown = json.loads(cli("parcels", "show", code, "--json", db=db_url).stdout)
    parcel = shown.get("parcel", shown)
    assert parcel["holder_address"] == ADDRESS and parcel["contract_number"] == CONTRACT
    assert parcel["boundaries"] == FOUR and parcel["delivered_on"] == "2022-07-01"
    assert parcel["category"] == before.get("parcel", before)["category"]


def test_the_ledger_headers_of_the_case_fields_are_read(tmp_path):
    from landbank.domain.fields import PARCEL_FIELDS
    from landbank.io.columns import map_columns

    headers = ["地块编号", "送达地址", "合同电子监管号", "宗地四至", "交地日期", "地址"]
    mapping = map_columns(headers, PARCEL_FIELDS, {}, "ledger.xlsx")
    assert mapping == {
        "地块编号": "code", "送达地址": "holder_address", "合同电子监管号": "contract_number",
        "宗地四至": "boundaries", "交地日期": "delivered_on",
    }  # fmt: skip


# -- where the document is written, and when it cannot be --------------------------------


def _fake_soffice(folder: Path, body: str) -> Path:
    """A program named soffice that runs ``body`` (a shell line) and makes no PDF."""
    folder.mkdir(exist_ok=True)
    program = folder / "soffice"
    program.write_text(f"#!/bin/sh\n{body}\n")
    program.chmod(0o755)
    return folder


def test_an_out_dir_that_is_a_file_is_refused_before_the_act_is_issued(cli, db_url, tmp_path):
    path, values = _ledger(tmp_path)
    assert cli("import", "parcels", path, db=db_url).exit_code == 0
    taken = tmp_path / "docs"
    taken.write_text("a file, not a folder")
    before = _counts(db_url)
    for out_dir, said in ((taken, "a file, not a folder"),
                          (taken / "sub", "the folder cannot be made")):  # fmt: skip
        result = cli(
            "case", "issue", values["fee"]["code"], "investigation", "--on", "2026-09-01",
            "--by", "王", "--profile", PROFILE, "--out-dir", out_dir, db=db_url,
        )  # fmt: skip
        assert result.exit_code == 1, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and f"--out-dir {out_dir}: {said}" in lines[0], result.stderr
        assert "Traceback" not in result.output
    assert _counts(db_url) == before


def test_a_failed_pdf_after_the_issue_is_a_warning_and_case_document_writes_it_again(
    cli, db_url, tmp_path, monkeypatch
):
    path, values = _ledger(tmp_path)
    assert cli("import", "parcels", path, db=db_url).exit_code == 0
    fake = _fake_soffice(tmp_path / "bin", "exit 0")
    with monkeypatch.context() as m:
        m.setenv("PATH", f"{fake}:{__import__('os').environ['PATH']}")
        result = cli(
            "case", "issue", values["fee"]["code"], "investigation", "--on", "2026-09-01",
            "--by", "王", "--profile", PROFILE, "--out-dir", tmp_path / "docs", db=db_url,
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    number = "枣自然资闲调〔2026〕1号"
    assert f"{number} 闲置土地调查通知书: {tmp_path / 'docs' / number}.docx" in result.stdout
    warned = [line for line in result.stderr.splitlines() if "no PDF written" in line]
    assert warned == [
        f"warning: {number}: no PDF written (LibreOffice made no PDF of the document); the "
        f"act is issued and kept: write it again with landbank case document '{number}' "
        f"--out-dir {tmp_path / 'docs'}"
    ]
    assert [p.name for p in (tmp_path / "docs").iterdir()] == [f"{number}.docx"]
    assert cases.show(store_of(db_url), values["fee"]["code"], PROFILE)["acts"][0]["number"] == (
        number
    )
    # written again, without the PDF, then (where LibreOffice is) with it
    again = tmp_path / "again"
    result = cli("case", "document", number, "--out-dir", again, "--no-pdf", db=db_url)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(again / f"{number}.docx")
    assert number in _docx_text((again / f"{number}.docx").read_bytes())
    result = cli("case", "document", "枣自然资闲调〔2026〕9号", "--out-dir", again, db=db_url)
    assert result.exit_code == 1 and "no act is numbered" in result.stderr
    tool("soffice")
    result = cli("case", "document", number, "--out-dir", again, db=db_url)
    assert result.exit_code == 0, result.output
    assert number in _flat(_pdf_text((again / f"{number}.pdf").read_bytes()))


def test_libreoffice_that_hangs_or_makes_nothing_is_one_line(tmp_path):
    from landbank.errors import EnvironmentProblem
    from landbank.io.documents import pdfs_of

    docx = (TEMPLATES / "service_receipt.docx").read_bytes()
    hangs = _fake_soffice(tmp_path / "hangs", "sleep 30") / "soffice"
    with pytest.raises(EnvironmentProblem, match=r"did not finish the PDF within 0.5 s"):
        pdfs_of([docx], str(hangs), timeout=0.5)
    nothing = _fake_soffice(tmp_path / "nothing", "exit 0") / "soffice"
    with pytest.raises(EnvironmentProblem, match=r"^LibreOffice made no PDF of document 1$"):
        pdfs_of([docx, docx], str(nothing))
    with pytest.raises(EnvironmentProblem, match=r"cannot be run"):
        pdfs_of([docx], str(tmp_path / "missing"))
