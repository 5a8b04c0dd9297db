"""The canonical parcel fields: name (with its unit), kind, labels in zh and en, and
the usual source headers (aliases) that mean the same thing.

Importers map source columns onto these names, the database stores them, exports
write them back (with the zh labels for a ledger).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "text" | "date" | "number" | "cause"
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    short: str = ""  # a name of at most 10 characters, for Shapefile .dbf


PARCEL_FIELDS: tuple[Field, ...] = (
    Field(
        "code",
        "text",
        "地块编号",
        "parcel code",
        ("地块编号", "地块代码", "宗地编号", "宗地代码", "编号", "dkbh", "parcel_code"),
    ),
    Field("name", "text", "地块名称", "name", ("地块名称", "宗地名称", "项目名称", "名称", "dkmc")),
    Field(
        "district",
        "text",
        "行政区",
        "district",
        ("行政区", "所属区县", "区县", "县区", "行政区划", "所在区", "xzq"),
    ),
    Field("park", "text", "园区", "park", ("园区", "所属园区", "开发区", "园区名称", "yq")),
    # the parcel's four boundaries (四至) as the contract states them
    Field(
        "boundaries",
        "text",
        "四至",
        "boundaries",
        ("四至", "宗地四至", "四至范围", "四至界线", "四至界址"),
    ),
    Field(
        "land_use",
        "text",
        "用途",
        "land use",
        ("用途", "土地用途", "用地类型", "地类", "地类编码", "规划用途", "tdyt", "land_use_code"),
    ),
    Field(
        "holder",
        "text",
        "土地使用权人",
        "holder",
        ("土地使用权人", "使用权人", "受让人", "用地单位", "权利人", "企业名称", "owner"),
    ),
    # where the case documents are served (送达地址); never a bare "地址", which a
    # ledger may use for the parcel's location
    Field(
        "holder_address",
        "text",
        "使用权人地址",
        "holder's address",
        (
            "使用权人地址",
            "土地使用权人地址",
            "送达地址",
            "受让人地址",
            "用地单位地址",
            "权利人地址",
            "企业地址",
            "通讯地址",
            "住所",
        ),
        "holder_adr",
    ),
    Field(
        "approved_on",
        "date",
        "批准日期",
        "approved on",
        ("批准日期", "批准时间", "批复日期", "农转用批准日期", "pzrq"),
        "approved",
    ),
    Field(
        "supplied_on",
        "date",
        "供地日期",
        "supplied on",
        ("供地日期", "供地时间", "合同签订日期", "出让合同签订日期", "划拨决定书日期", "gdrq"),
        "supplied",
    ),
    # the contract as the documents name it: its electronic supervision number, else its
    # number (an allocation decision's number for allocated land)
    Field(
        "contract_number",
        "text",
        "合同电子监管号",
        "contract number",
        (
            "合同电子监管号",
            "电子监管号",
            "监管号",
            "合同编号",
            "出让合同编号",
            "合同号",
            "划拨决定书编号",
            "htbh",
        ),
        "contract",
    ),
    # the day the land was handed over (交地确认书): a late delivery moves the start
    Field(
        "delivered_on",
        "date",
        "交地日期",
        "delivered on",
        ("交地日期", "交地时间", "实际交地日期", "土地交付日期", "交付土地日期", "jdrq"),
        "delivered",
    ),
    Field(
        "agreed_start_on",
        "date",
        "约定开工日期",
        "agreed start",
        ("约定开工日期", "约定开工时间", "合同约定开工日期", "ydkgrq"),
        "agr_start",
    ),
    Field(
        "started_on",
        "date",
        "实际开工日期",
        "started on",
        ("实际开工日期", "开工日期", "实际开工时间", "sjkgrq"),
        "started",
    ),
    Field(
        "agreed_completion_on",
        "date",
        "约定竣工日期",
        "agreed completion",
        ("约定竣工日期", "约定竣工时间", "合同约定竣工日期", "ydjgrq"),
        "agr_compl",
    ),
    Field(
        "completed_on",
        "date",
        "竣工日期",
        "completed on",
        ("竣工日期", "实际竣工日期", "竣工时间", "sjjgrq"),
        "completed",
    ),
    Field(
        "operating_on",
        "date",
        "投产日期",
        "operating on",
        ("投产日期", "投产时间", "运营日期", "tcrq"),
        "operating",
    ),
    Field(
        "stopped_on",
        "date",
        "停工停产日期",
        "stopped on",
        ("停工停产日期", "停工日期", "停产日期", "tgrq"),
        "stopped",
    ),
    Field(
        "recorded_area_mu",
        "number",
        "登记面积(亩)",
        "recorded area (mu)",
        (
            "登记面积(亩)",
            "出让面积",
            "出让面积(亩)",
            "供地面积(亩)",
            "批准面积(亩)",
            "面积(亩)",
            "面积亩",
            "宗地面积(亩)",
            "rec_area_mu",
        ),
        "rec_mu",
    ),
    Field(
        "developed_area_mu",
        "number",
        "已开发面积(亩)",
        "developed area (mu)",
        ("已开发面积(亩)", "已开发面积", "已建面积(亩)"),
        "dev_mu",
    ),
    Field(
        "invested_wan",
        "number",
        "已投资额(万元)",
        "invested (10k yuan)",
        ("已投资额(万元)", "已完成投资(万元)", "已投资额", "已完成投资"),
        "invest_wan",
    ),
    Field(
        "total_investment_wan",
        "number",
        "总投资额(万元)",
        "total investment (10k yuan)",
        ("总投资额(万元)", "总投资(万元)", "总投资额", "计划总投资", "合同约定投资额(万元)"),
        "tot_inv",
    ),
    Field(
        "land_price_wan",
        "number",
        "土地价款(万元)",
        "land price (10k yuan)",
        ("土地价款(万元)", "土地价款", "出让价款", "出让金(万元)", "成交价(万元)"),
        "price_wan",
    ),
    Field(
        "floor_area_m2",
        "number",
        "建筑面积(㎡)",
        "floor area (m²)",
        ("建筑面积(㎡)", "建筑面积(m2)", "建筑面积", "总建筑面积"),
        "floor_m2",
    ),
    Field(
        "footprint_m2",
        "number",
        "建筑基底面积(㎡)",
        "building footprint (m²)",
        ("建筑基底面积(㎡)", "建筑基底面积", "建筑占地面积", "基底面积"),
        "foot_m2",
    ),
    Field(
        "plot_ratio_min",
        "number",
        "约定容积率下限",
        "contracted min plot ratio",
        ("约定容积率下限", "容积率下限", "约定容积率", "合同容积率"),
        "far_min",
    ),
    Field(
        "building_coverage_min",
        "number",
        "约定建筑密度下限",
        "contracted min building coverage",
        ("约定建筑密度下限", "建筑密度下限", "约定建筑系数", "建筑系数下限"),
        "cover_min",
    ),
    Field(
        "target_tax_wan_per_mu",
        "number",
        "约定亩均税收(万元/亩)",
        "contracted tax per mu",
        ("约定亩均税收(万元/亩)", "约定亩均税收", "亩均税收目标"),
        "tgt_tax",
    ),
    Field(
        "target_output_wan_per_mu",
        "number",
        "约定亩均产出(万元/亩)",
        "contracted output per mu",
        ("约定亩均产出(万元/亩)", "约定亩均产出", "亩均产出目标"),
        "tgt_out",
    ),
    Field(
        "target_investment_wan_per_mu",
        "number",
        "约定投资强度(万元/亩)",
        "contracted investment per mu",
        ("约定投资强度(万元/亩)", "约定投资强度", "投资强度目标"),
        "tgt_inv",
    ),
    Field(
        "cause",
        "cause",
        "闲置原因",
        "cause of delay",
        ("闲置原因", "原因类型", "责任主体", "闲置原因类型"),
        "cause",
    ),
)

FIELD_BY_NAME: dict[str, Field] = {f.name: f for f in PARCEL_FIELDS}

# The most characters a text field holds (a value beyond is refused, naming the field):
# codes as the database keys them, an address or a note longer, any other text 200.
TEXT_MAX = 200
TEXT_LIMITS = {
    "code": 64,
    "building_code": 64,
    "address": 500,
    "holder_address": 500,
    "boundaries": 500,
    "note": 2000,
    "notes": 2000,
}


def max_chars(name: str) -> int:
    """The most characters the text field ``name`` holds."""
    return TEXT_LIMITS.get(name, TEXT_MAX)


DATE_FIELDS = tuple(f.name for f in PARCEL_FIELDS if f.kind == "date")
NUMBER_FIELDS = tuple(f.name for f in PARCEL_FIELDS if f.kind == "number")
TEXT_FIELDS = tuple(f.name for f in PARCEL_FIELDS if f.kind in ("text", "cause"))

# Values a clerk writes for the cause of a delay, mapped to the canonical ids.
CAUSE_VALUES = {
    "government": "government",
    "政府": "government",
    "政府原因": "government",
    "enterprise": "enterprise",
    "企业": "enterprise",
    "企业原因": "enterprise",
}


def short_name(name: str) -> str:
    """Returns the ≤10-character column name used for ``name`` in a Shapefile."""
    f = FIELD_BY_NAME.get(name)
    return (f.short or f.name) if f else name[:10]


def label(name: str, lang: str = "zh") -> str:
    """Returns the zh or en label of a canonical field (or the name itself)."""
    f = FIELD_BY_NAME.get(name)
    if f is None:
        return {
            "area_mu": {"zh": "计算面积(亩)", "en": "computed area (mu)"},
            "category": {"zh": "类别", "en": "category"},
        }.get(name, {}).get(lang, name)
    return f.zh if lang == "zh" else f.en


PERFORMANCE_FIELDS: tuple[Field, ...] = (
    Field(
        "code",
        "text",
        "地块编号",
        "parcel code",
        ("地块编号", "宗地编号", "宗地代码", "地块代码", "编号", "parcel_code"),
    ),
    Field("year", "number", "年度", "year", ("年度", "年份", "评价年度", "统计年度")),
    Field(
        "tax_wan",
        "number",
        "税收(万元)",
        "tax (10k yuan)",
        ("税收(万元)", "税收", "实缴税金", "税收实际贡献", "实缴税金(万元)"),
    ),
    Field(
        "output_wan",
        "number",
        "产值(万元)",
        "output (10k yuan)",
        ("产值(万元)", "产值", "工业总产值", "工业总产值(万元)", "总产值"),
    ),
    Field(
        "value_added_wan",
        "number",
        "增加值(万元)",
        "value added (10k yuan)",
        ("增加值(万元)", "增加值", "工业增加值", "工业增加值(万元)"),
    ),
    Field(
        "investment_wan",
        "number",
        "固定资产投资(万元)",
        "fixed-asset investment",
        ("固定资产投资(万元)", "固定资产投资", "投资(万元)", "累计投资(万元)"),
    ),
    Field(
        "energy_tce",
        "number",
        "能耗(吨标煤)",
        "energy (tce)",
        ("能耗(吨标煤)", "能耗", "综合能耗", "综合能耗(吨标煤)"),
    ),
    Field(
        "emissions_t",
        "number",
        "排放(吨)",
        "emissions (t)",
        ("排放(吨)", "排放", "排污量", "主要污染物排放量"),
    ),
    Field(
        "employees",
        "number",
        "从业人数",
        "employees",
        ("从业人数", "用工人数", "职工人数", "年平均职工人数"),
    ),
    Field(
        "rd_wan",
        "number",
        "研发投入(万元)",
        "R&D (10k yuan)",
        ("研发投入(万元)", "研发投入", "研发经费", "R&D经费"),
    ),
    Field(
        "revenue_wan",
        "number",
        "营业收入(万元)",
        "revenue (10k yuan)",
        ("营业收入(万元)", "营业收入", "主营业务收入", "销售收入"),
    ),
)
