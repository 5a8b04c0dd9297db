"""The canonical fields of idle buildings (楼宇 / 标准厂房) and their vacant floor space
(空置楼层), with labels in zh and en and the usual source headers (aliases).

The same ``Field`` as parcels, so the column mapping of ``io/columns.py`` reads them.
Kinds: "text", "number", "integer" (a whole number), "date", "building_type".
"""

from __future__ import annotations

from landbank.domain.fields import Field

BUILDING_FIELDS: tuple[Field, ...] = (
    Field(
        "code",
        "text",
        "楼宇编号",
        "building code",
        ("楼宇编号", "楼宇代码", "厂房编号", "建筑编号", "编号", "lybh", "building_code"),
    ),
    Field("name", "text", "楼宇名称", "name", ("楼宇名称", "厂房名称", "建筑名称", "名称", "lymc")),
    Field("address", "text", "地址", "address", ("地址", "详细地址", "坐落", "楼宇地址", "dz")),
    Field(
        "district",
        "text",
        "行政区",
        "district",
        ("行政区", "所属区县", "区县", "县区", "所在区", "xzq"),
    ),
    Field("park", "text", "园区", "park", ("园区", "所属园区", "开发区", "园区名称", "yq")),
    Field(
        "building_type",
        "building_type",
        "楼宇类型",
        "building type",
        ("楼宇类型", "建筑类型", "类型", "用途", "厂房类型", "type"),
        "btype",
    ),
    Field("floors", "integer", "层数", "floors", ("层数", "总层数", "楼层数", "地上层数")),
    Field(
        "total_floor_area_m2",
        "number",
        "总建筑面积(㎡)",
        "total floor area (m²)",
        ("总建筑面积(㎡)", "总建筑面积", "建筑面积(㎡)", "建筑面积", "建筑面积(m2)"),
        "floor_m2",
    ),
    Field("structure", "text", "结构", "structure", ("结构", "建筑结构", "结构类型")),
    Field(
        "floor_load_kn_m2",
        "number",
        "楼面荷载(kN/㎡)",
        "floor load (kN/m²)",
        ("楼面荷载(kN/㎡)", "楼面荷载(kn/m2)", "楼面荷载", "荷载", "承重", "承重(kN/㎡)"),
        "load_kn",
    ),
    Field(
        "clear_height_m",
        "number",
        "净高(米)",
        "clear height (m)",
        ("净高(米)", "净高(m)", "净高", "层高(米)", "层高"),
        "height_m",
    ),
    Field(
        "power_kva",
        "number",
        "电力容量(kVA)",
        "power (kVA)",
        ("电力容量(kVA)", "电力容量", "供电容量", "变压器容量", "用电容量(kVA)"),
        "power_kva",
    ),
    Field(
        "owner",
        "text",
        "产权单位",
        "owner",
        ("产权单位", "产权人", "业主", "所有权人", "权利人", "业主单位"),
    ),
    Field("contact", "text", "联系方式", "contact", ("联系方式", "联系电话", "联系人", "电话")),
    Field(
        "rent_yuan_m2_month",
        "number",
        "租金(元/㎡·月)",
        "rent (yuan/m²/month)",
        ("租金(元/㎡·月)", "租金(元/㎡/月)", "租金(元/m2/月)", "租金", "月租金", "挂牌租金"),
        "rent",
    ),
    Field(
        "price_wan",
        "number",
        "售价(万元)",
        "price (10k yuan)",
        ("售价(万元)", "售价", "转让价(万元)", "转让价格", "出售价格"),
        "price_wan",
    ),
)

VACANCY_FIELDS: tuple[Field, ...] = (
    Field(
        "building_code",
        "text",
        "楼宇编号",
        "building code",
        ("楼宇编号", "楼宇代码", "厂房编号", "编号", "code", "lybh"),
    ),
    Field("floor", "integer", "楼层", "floor", ("楼层", "所在楼层", "层", "层次", "层号")),
    Field("unit", "text", "单元", "unit", ("单元", "房间号", "房号", "单元号", "室")),
    Field(
        "vacant_area_m2",
        "number",
        "空置面积(㎡)",
        "vacant area (m²)",
        ("空置面积(㎡)", "空置面积", "空置面积(m2)", "可租面积", "可租面积(㎡)", "闲置面积"),
    ),
    Field(
        "available_from",
        "date",
        "可入驻日期",
        "available from",
        ("可入驻日期", "可用日期", "可租日期", "空置起始日期", "可交付日期"),
    ),
    Field(
        "rent_yuan_m2_month",
        "number",
        "租金(元/㎡·月)",
        "rent (yuan/m²/month)",
        ("租金(元/㎡·月)", "租金(元/㎡/月)", "租金(元/m2/月)", "租金", "挂牌租金", "报价"),
    ),
)

# The location of a building given as a point in a table (decimal degrees).
LOCATION_FIELDS: tuple[Field, ...] = (
    Field("lon", "number", "经度", "longitude", ("lon", "lng", "longitude", "经度", "jd")),
    Field("lat", "number", "纬度", "latitude", ("lat", "latitude", "纬度", "wd")),
)
