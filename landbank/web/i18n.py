"""The words of the pages in Chinese (the default) and English. Domain labels (categories,
fields, disposal states and methods, building types) come from ``landbank.domain``;
this holds only what the pages add around them."""

from __future__ import annotations

from collections.abc import Callable

from landbank.domain.disposal import deadline_label  # noqa: F401 (the pages use it)
from landbank.domain.fields import label as field_label

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

TEXT: dict[str, tuple[str, str]] = {
    # frame
    "app": ("闲置低效土地管理", "Idle and inefficient land"),
    "nav_dashboard": ("总览", "Overview"),
    "nav_parcels": ("地块", "Parcels"),
    "nav_match": ("项目匹配", "Match a project"),
    "nav_buildings": ("闲置楼宇", "Idle buildings"),
    "nav_map": ("全市地图", "City map"),
    "tiled_map": ("矢量瓦片地图（任意规模）", "Tiled map (any number of parcels)"),
    "switch_lang": ("English", "中文"),
    "sign_out": ("退出", "Sign out"),
    "all_districts": ("全部行政区", "all districts"),
    # sign in
    "sign_in": ("登录", "Sign in"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "wrong_password": ("用户名或密码错误", "Wrong user name or password"),
    "too_many": (
        "登录失败次数过多，请 {s} 秒后再试",
        "Too many failed sign-ins; try again in {s} s",
    ),
    "login_expired": (
        "登录表单已过期，请重新输入",
        "The sign-in form expired; please enter your name and password again",
    ),
    # errors
    "error": ("出错了", "Something went wrong"),
    "back": ("返回", "Back"),
    "csrf_refused": (
        "表单校验失败（可能已过期），请刷新页面后重试",
        "The form's check failed (it may be stale); reload the page and try again",
    ),
    "viewer_refused": (
        "{name} 为查看用户，只能浏览，不能修改",
        "{name} is a viewer: reading only",
    ),
    "district_refused": (
        "{code} 位于{district}，您只能修改：{allowed}",
        "{code} lies in {district}; you may edit {allowed} only",
    ),
    "surveyor_refused": (
        "{name} 为排摸员，只能查看自己的排摸任务（/survey）",
        "{name} is a surveyor: only your own tasks, at /survey",
    ),
    # field survey
    "nav_surveys": ("排摸", "Surveys"),
    "survey_tasks": ("我的排摸任务", "My survey tasks"),
    "surveys_title": ("排摸", "Field surveys"),
    "survey_kind": ("对象", "Kind"),
    "kind_parcel": ("地块", "Parcel"),
    "kind_building": ("楼宇", "Building"),
    "survey_name": ("排摸名称", "Survey"),
    "survey_count": ("任务数", "Tasks"),
    "survey_note": ("备注", "Note"),
    "due": ("截止日期", "Due"),
    "no_tasks": ("暂无排摸任务", "No survey tasks"),
    "no_surveys": ("暂无排摸", "No surveys yet"),
    "review_queue": ("待审核", "Review queue"),
    "queue_empty": ("没有待审核的记录", "Nothing waits for a review"),
    "review_done": ("{code} 已审核", "{code} reviewed"),
    "accept": ("采纳", "Accept"),
    "reject": ("退回", "Reject"),
    "floor": ("楼层", "Floor"),
    "queued": ("条待发送", "waiting to send"),
    "sync_now": ("立即同步", "Sync now"),
    "offline": ("离线", "offline"),
    "online": ("在线", "online"),
    "save_record": ("保存", "Save"),
    "status_on": ("状态开始日期", "Status since"),
    "visited_on": ("排摸日期", "Visited on"),
    "photo": ("照片", "Photo"),
    "conflict_seen": (
        "冲突：对象在您查看后已被修改，请重新排摸",
        "Conflict: changed since you looked; survey it again",
    ),
    "record_kept": ("已保存，待发送", "Kept; waiting to send"),
    "record_sent": ("已发送", "Sent"),
    "sign_in_again": ("请重新登录后同步", "Sign in again to send"),
    "distance": ("距离", "Distance"),
    "site_status": ("现场状态", "Site status"),
    "unit": ("单元", "Unit"),
    "available_from": ("可用日期", "Available from"),
    "rent": ("租金（元/㎡·月）", "Rent (yuan/m²/month)"),
    "bad_request": ("请求参数有误", "The request's parameters are wrong"),
    # dashboard
    "progress_title": ("各区处置进度", "Disposal progress by district"),
    "progress_map": ("处置进度图", "Progress map"),
    "parcel_map": ("地块分布图（按类别或处置状态着色）", "Parcels by category or disposal status"),
    "one_file_maps_too_big": (
        "地块过多，单文件地图（处置进度图、闲置土地图）不再提供，请用上方的矢量瓦片地图",
        "too many parcels for the one-file maps (progress, idle land): use the tiled map above",
    ),
    "district": ("行政区", "District"),
    # the figures' column heads: figure_name (domain.progress)
    "total": ("合计", "Total"),
    "no_data": ("暂无数据", "No data yet"),
    "open_full_map": ("在新窗口打开地图", "Open the map in a new window"),
    # parcel list
    "filter": ("筛选", "Filter"),
    "any": ("全部", "any"),
    "search_q": ("编号、名称或使用权人", "code, name or holder"),
    "results": ("共 {n} 宗", "{n} parcels"),
    "page_of": ("第 {page} / {pages} 页", "page {page} of {pages}"),
    "prev": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "override": ("人工认定", "override"),
    "none_found": ("没有符合条件的地块", "No parcel matches"),
    # parcel page
    "fields": ("基本信息", "Fields"),
    "category_reasons": ("类别与认定理由", "Category and reasons"),
    "flags": ("提示", "Flags"),
    "version": ("版本", "version"),
    "retired": ("已注销（分割或替换）", "retired (split or replaced)"),
    "map": ("地图", "Map"),
    "history": ("变更记录", "History"),
    "field": ("字段", "Field"),
    "old_value": ("原值", "Old"),
    "new_value": ("新值", "New"),
    "by": ("经办人", "By"),
    "at_china": ("时间(北京时间)", "At (UTC+8)"),
    "reason": ("原因", "Reason"),
    "no_history": ("暂无变更记录", "No change recorded"),
    "edit": ("修改地块信息", "Change fields"),
    "edit_hint": (
        "只提交改动的字段；保存后自动重新认定类别。",
        "Only the fields you change are sent; the category is re-derived on saving.",
    ),
    "category_override": ("人工认定类别", "Category override"),
    "automatic": ("自动认定", "automatic"),
    "other_field": ("其他字段", "Another field"),
    "value": ("值", "Value"),
    "save": ("保存", "Save"),
    "reason_required": ("请填写修改原因", "Give the reason for the change"),
    "nothing_changed": ("没有改动任何字段", "No field was changed"),
    "bad_version": ("版本号无效，请刷新页面", "The version is not valid; reload the page"),
    "conflict": (
        "保存失败：该地块已被他人修改（当前版本 {version}），您的修改未写入。"
        "下表为最新数据，请核对后重新填写：",
        "Not saved: someone changed this parcel meanwhile (now version {version}); nothing "
        "was written. The form shows the current data; check it and make your changes again:",
    ),
    "saved": ("已保存", "Saved"),
    "disposal_saved": ("处置步骤已记录", "Disposal step recorded"),
    "no_edit": (
        "您只能查看此地块（无修改权限）",
        "You may read this parcel but not change it",
    ),
    # disposal
    "disposals": ("处置", "Disposal"),
    "no_disposal": ("尚未立案处置", "No disposal opened"),
    "state": ("状态", "State"),
    "method": ("处置方式", "Method"),
    "cause": ("闲置原因", "Cause"),
    "planned_on": ("计划完成日期", "Planned by"),
    "done_on": ("完成日期", "Done on"),
    "idle_fee": ("闲置费(万元)", "Idle fee (10k yuan)"),
    "blockers": ("限制情形", "Blockers"),
    "deadlines": ("期限", "Deadlines"),
    "action": ("操作", "Action"),
    "from_state": ("原状态", "From"),
    "to_state": ("新状态", "To"),
    "on": ("日期", "On"),
    "note": ("说明", "Note"),
    "doc": ("文号", "Document"),
    "open_disposal": ("立案处置", "Open a disposal"),
    "advance": ("推进到下一步", "Advance"),
    "advance_to": ("推进到", "To"),
    "block": ("登记限制", "Record a blocker"),
    "unblock": ("解除限制", "Clear the blocker"),
    "due_overdue": ("已逾期", "overdue"),
    "cause_from_parcel": ("按地块记录", "as recorded on the parcel"),
    "action_open": ("立案", "opened"),
    "action_advance": ("推进", "advanced"),
    "action_block": ("登记限制", "blocked"),
    "action_unblock": ("解除限制", "unblocked"),
    # match
    "match_title": ("项目需求匹配", "Match a project's needs"),
    "need_land": ("用地", "Land"),
    "need_floor": ("厂房/楼宇空间", "Floor space"),
    "area_mu_range": ("面积(亩)", "Area (mu)"),
    "area_m2_range": ("面积(㎡)", "Area (m²)"),
    "min": ("最小", "min"),
    "max": ("最大", "max"),
    "land_use": ("用途", "Land use"),
    "park": ("园区", "Park"),
    "near": ("靠近(经度, 纬度)", "Near (lon, lat)"),
    "within_km": ("范围(公里)", "Within (km)"),
    "ready_by": ("需用日期", "Needed by"),
    "industry": ("行业代码", "Industry code"),
    "max_price_wan": ("最高地价(万元)", "Highest land price (10k yuan)"),
    "building_type": ("楼宇类型", "Building type"),
    "min_load": ("最小荷载(kN/㎡)", "Least floor load (kN/m²)"),
    "max_rent": ("最高租金(元/㎡·月)", "Highest rent (yuan/m²·month)"),
    "top": ("显示前", "Show the top"),
    "run_match": ("匹配", "Match"),
    "candidates": ("候选结果", "Candidates"),
    "rank": ("排名", "Rank"),
    "kind": ("类型", "Kind"),
    "codes": ("编号", "Codes"),
    "area": ("面积", "Area"),
    "score": ("得分", "Score"),
    "reasons": ("说明", "Notes"),
    "no_candidate": ("没有符合条件的候选", "No candidate meets the requirement"),
    "not_a_number": ("请填写数字", "write a number"),
    "not_a_date": ("请按 YYYY-MM-DD 填写日期", "write a date as YYYY-MM-DD"),
    "need_both": ("经度、纬度和范围需一并填写", "give lon, lat and the distance together"),
    "match_map": ("候选位置图", "Map of the candidates"),
    # buildings
    "buildings_title": ("闲置楼宇", "Idle buildings"),
    "floors": ("层数", "Floors"),
    "total_floor_area": ("总建筑面积(㎡)", "Total floor area (m²)"),
    "vacant_area": ("空置面积(㎡)", "Vacant area (m²)"),
    "vacant_floors": ("空置楼层", "Vacant floors"),
    "activation": ("盘活", "Activation"),
    "no_buildings": ("暂无楼宇", "No building recorded"),
    "no_vacancy": ("暂无空置楼层", "No vacant floor recorded"),
    "location": ("位置", "Location"),
    "name": ("名称", "Name"),
    "code": ("编号", "Code"),
    # the idle-land case (闲置土地处置): its page, what falls due, the public list
    "nav_cases_due": ("案件期限", "Case deadlines"),
    "case_title": ("闲置土地处置案件", "Idle-land case"),
    "case_link": ("处置案件与文书", "The case and its documents"),
    "no_case": (
        "该地块尚无处置案件；签发调查通知书即立案。",
        "No case yet; issuing the investigation notice opens one.",
    ),
    "acts": ("文书", "Documents"),
    "number": ("文号", "Number"),
    "document": ("文书", "Document"),
    "status": ("状态", "Status"),
    "act_issued": ("已签发", "issued"),
    "act_voided": ("已作废", "voided"),
    "act_recorded": ("已补录", "recorded"),
    "issued_on": ("签发日期", "Issued on"),
    "served": ("送达", "Service"),
    "not_served": ("未送达", "not served"),
    "served_to": ("受送达人", "Received by"),
    "met_on": ("已于 {d} 完成", "met on {d}"),
    "unknown_due": ("未知（{n}）", "unknown ({n})"),
    "files": ("文件", "Files"),
    "evidence": ("证据材料", "Evidence"),
    "no_evidence": ("暂无证据材料", "No evidence attached"),
    "warnings": ("待手工填写", "Blanks to fill by hand"),
    "issue_act": ("签发文书", "Issue a document"),
    "nothing_to_issue": ("当前状态下无可签发的文书", "No document may be issued in this state"),
    "agreement_method": ("协议处置方式", "Agreement's method"),
    "new_start_on": ("新约定开工日期", "New start deadline"),
    "cause_type": ("政府原因类型（第八条）", "Government cause (art. 8)"),
    "serve": ("登记送达", "Record service"),
    "service_method": ("送达方式", "Method"),
    "proof": ("送达回证", "Proof of service"),
    "hearing_requested": ("申请听证", "Hearing requested"),
    "hearing_held": ("举行听证", "Hearing held"),
    "outcome": ("听证结论", "Outcome"),
    "pay": ("登记缴款", "Record payment"),
    "amount_wan": ("金额(万元)", "Amount (万元)"),
    "receipt": ("票据号", "Receipt"),
    "fee_basis": ("计算依据", "Basis"),
    "deregister": ("登记注销", "Record deregistration"),
    "void": ("作废", "Void"),
    "void_reason": ("作废原因", "Reason"),
    "attach": ("上传证据", "Attach evidence"),
    "attach_to": ("所属文书", "To document"),
    "whole_case": ("整个案件", "the whole case"),
    "file_zip": ("下载案卷", "Download the case file"),
    "case_saved": ("已保存", "Saved"),
    "due_title": ("案件期限：{n} 日内到期及已逾期", "Case deadlines: due within {n} days, overdue"),
    "within_days": ("天数", "Days"),
    "due_on": ("到期日期", "Due on"),
    "what": ("事项", "Deadline"),
    "no_due": ("无到期或逾期事项", "Nothing falls due"),
    "public_title": ("闲置土地公示", "Idle land (published)"),
    "public_intro": (
        "依据《闲置土地处置办法》第十四条，已认定且尚未处置完毕的闲置土地公示如下。",
        "Under article 14 of the idle land measures, the idle land determined and not yet "
        "disposed of is published here.",
    ),
    "public_none": ("目前无公示的闲置土地", "No idle land is published at present"),
    "download_xlsx": ("下载 Excel", "Download Excel"),
    "download_geojson": ("下载 GeoJSON", "Download GeoJSON"),
    # the per-mu evaluation by enterprise (亩均效益综合评价)
    "nav_evaluation": ("亩均评价", "Per-mu grades"),
    "ev_evaluation_title": ("{year} 年度亩均效益综合评价", "Per-mu evaluation {year}"),
    "ev_rule_version": ("规则版本", "Rule version"),
    "ev_data_as_at": ("数据截至", "Data as at"),
    "ev_download_ranked": ("下载排名表 (.xlsx)", "Download the ranked lists (.xlsx)"),
    "ev_grade_counts": ("各规模等级分布", "Grades per cohort"),
    "ev_cohort": ("规模", "Cohort"),
    "ev_grade": ("等级", "Grade"),
    "ev_score": ("综合得分", "Score"),
    "ev_rank": ("排名", "Rank"),
    "ev_rank_of": ("{rank} / {n}", "{rank} of {n}"),
    "ev_completeness": ("数据完整度", "Completeness"),
    "ev_land_mu": ("用地面积(亩)", "Land (mu)"),
    "ev_held_mu": ("自有(亩)", "Held (mu)"),
    "ev_rented_in_mu": ("租入(亩)", "Rented in (mu)"),
    "ev_rented_out_mu": ("租出(亩)", "Rented out (mu)"),
    "ev_credit_code": ("统一社会信用代码", "Credit code"),
    "ev_enterprise_name": ("企业名称", "Enterprise"),
    "ev_industry": ("行业", "Industry"),
    "ev_ranked_list": ("排名", "Ranked list"),
    "ev_not_graded": ("未评级企业", "Not graded"),
    "ev_status": ("状态", "Status"),
    "ev_missing_data": ("缺少数据", "Missing data"),
    "ev_grade_map": ("企业等级分布图", "Map of the grades"),
    "ev_no_grade_run": ("尚无评价", "No evaluation kept"),
    "ev_register": ("企业名录信息", "Register"),
    "ev_not_registered": ("未在企业名录中", "not in the register"),
    "ev_figures_by_year": ("各年度数据（按来源）", "Figures by year and source"),
    "ev_year": ("年度", "Year"),
    "ev_source": ("来源", "Source"),
    "ev_file": ("文件", "File"),
    "ev_vintage": ("批次", "Vintage"),
    "ev_replaced": ("已替换", "replaced"),
    "ev_current_run": ("当前", "current"),
    "ev_grade_history": ("历年评价", "Grade history"),
    "ev_latest_grade": ("最新评价说明", "The latest grade explained"),
    "ev_indicator": ("指标", "Indicator"),
    "ev_value": ("值", "Value"),
    "ev_benchmark": ("基准值", "Benchmark"),
    "ev_weight": ("权重", "Weight"),
    "ev_contribution": ("得分", "Contribution"),
    "ev_most": ("上限", "Cap"),
    "ev_capped": ("已封顶", "capped"),
    "ev_missing": ("缺数据", "missing"),
    "ev_policies": ("政策措施", "Policies"),
    "ev_amount_yuan": ("金额(元)", "Amount (yuan)"),
    "ev_amount_unknown": ("缺少计费数据，金额未知", "basis figure missing: amount not known"),
    "ev_no_policy": ("无", "none"),
    "ev_parcels_leases": ("地块与租赁", "Parcels and leases"),
    "ev_rented_in": ("租入", "Rented in"),
    "ev_rented_out": ("租出", "Rented out"),
    "ev_lessor": ("出租方", "Lessor"),
    "ev_lessee": ("承租方", "Lessee"),
    "ev_from_on": ("起", "From"),
    "ev_to_on": ("止", "To"),
    "ev_no_parcels": ("无地块", "No parcel"),
}

FLAGS: dict[str, tuple[str, str]] = {
    "overdue": ("逾期未动工", "start overdue"),
    "idle_land": ("闲置土地", "idle land"),
    "reclaim_eligible": ("可无偿收回", "may be reclaimed"),
    "idle_fee_due": ("应征闲置费", "idle fee due"),
    "approval_lapsed": ("批文失效", "approval lapsed"),
    "below_standard": ("未达标", "below standard"),
}

LAND_USE_CLASSES: dict[str, tuple[str, str]] = {
    "industrial": ("工业", "industrial"),
    "logistics": ("物流仓储", "logistics"),
    "commercial": ("商业", "commercial"),
    "residential": ("居住", "residential"),
    "public": ("公共设施", "public"),
    "other": ("其他", "other"),
}


def pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)`` for ``lang``: the page's word, with ``{names}`` filled in."""

    def t(key: str, **values) -> str:
        pair = TEXT.get(key)
        text = pick(pair, lang) if pair else key
        return text.format(**values) if values else text

    return t


def flag_label(flag: str, lang: str) -> str:
    return pick(FLAGS[flag], lang) if flag in FLAGS else flag


def land_use_label(cls: str | None, lang: str) -> str:
    if not cls:
        return ""
    return pick(LAND_USE_CLASSES[cls], lang) if cls in LAND_USE_CLASSES else cls


EVENT_FIELDS: dict[str, tuple[str, str]] = {
    "created": ("创建", "created"),
    "geometry": ("图形", "geometry"),
    "disposal": ("处置", "disposal"),
    "land_use_class": ("用途分类", "land-use class"),
    "category_override": ("人工认定类别", "category override"),
    "retired": ("注销", "retired"),
    "parent_code": ("原地块", "parent parcel"),
}


def event_field_label(field: str, lang: str) -> str:
    """The name of a history event's field in ``lang``."""
    return pick(EVENT_FIELDS[field], lang) if field in EVENT_FIELDS else field_label(field, lang)
