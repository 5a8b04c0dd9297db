"""The data model of design.md as SQLAlchemy 2 tables. Migrations (Alembic) create it;
these classes are what services query through. Geometries are EPSG:4490."""

from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SRID = 4490


class Base(DeclarativeBase):
    pass


def _now() -> Mapped[dt.datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.current_timestamp())


class Parcel(Base):
    """A parcel of the inventory, keyed by the bureau's code (地块编号)."""

    __tablename__ = "parcel"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A unique index, not a constraint: a bulk load can drop and rebuild it.
    code: Mapped[str] = mapped_column(String(64), unique=True, index=True, nullable=False)
    name: Mapped[str | None] = mapped_column(Text)
    district: Mapped[str | None] = mapped_column(Text, index=True)
    park: Mapped[str | None] = mapped_column(Text)
    land_use: Mapped[str | None] = mapped_column(Text)
    land_use_class: Mapped[str | None] = mapped_column(Text)
    # indexed (migration 0014): the land pool finds the reserve's holders in it
    holder: Mapped[str | None] = mapped_column(Text, index=True)
    # the holder's unified social credit code (enterprise.credit_code), migration 0011
    holder_credit_code: Mapped[str | None] = mapped_column(String(18), index=True)
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    supplied_on: Mapped[dt.date | None] = mapped_column(Date)
    agreed_start_on: Mapped[dt.date | None] = mapped_column(Date)
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    agreed_completion_on: Mapped[dt.date | None] = mapped_column(Date)
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    operating_on: Mapped[dt.date | None] = mapped_column(Date)
    stopped_on: Mapped[dt.date | None] = mapped_column(Date)
    area_mu: Mapped[float] = mapped_column(Float, nullable=False)
    recorded_area_mu: Mapped[float | None] = mapped_column(Float)
    developed_area_mu: Mapped[float | None] = mapped_column(Float)
    invested_wan: Mapped[float | None] = mapped_column(Float)
    total_investment_wan: Mapped[float | None] = mapped_column(Float)
    land_price_wan: Mapped[float | None] = mapped_column(Float)
    floor_area_m2: Mapped[float | None] = mapped_column(Float)
    cause: Mapped[str | None] = mapped_column(String(16))
    footprint_m2: Mapped[float | None] = mapped_column(Float)
    plot_ratio_min: Mapped[float | None] = mapped_column(Float)
    building_coverage_min: Mapped[float | None] = mapped_column(Float)
    target_tax_wan_per_mu: Mapped[float | None] = mapped_column(Float)
    target_output_wan_per_mu: Mapped[float | None] = mapped_column(Float)
    target_investment_wan_per_mu: Mapped[float | None] = mapped_column(Float)
    # what the case documents state (migration 0010): 送达地址, 合同电子监管号 (else the
    # contract number), 四至, 交地日期
    holder_address: Mapped[str | None] = mapped_column(Text)
    contract_number: Mapped[str | None] = mapped_column(Text)
    boundaries: Mapped[str | None] = mapped_column(Text)
    delivered_on: Mapped[dt.date | None] = mapped_column(Date)
    category: Mapped[str | None] = mapped_column(String(32))  # unindexed: 0015
    category_reasons: Mapped[str | None] = mapped_column(Text)  # JSON list
    category_override: Mapped[str | None] = mapped_column(String(32))
    category_flags: Mapped[str | None] = mapped_column(Text)  # JSON list
    classified_as_of: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    parent_code: Mapped[str | None] = mapped_column(String(64), index=True)  # 0014
    retired: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default="0"
    )
    created_at: Mapped[dt.datetime] = _now()
    updated_at: Mapped[dt.datetime] = _now()
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False)


class ParcelEvent(Base):
    """Append-only history: one row per changed field of a parcel."""

    __tablename__ = "parcel_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parcel_code: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    field: Mapped[str] = mapped_column(String(64), nullable=False)
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(128), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)


class Disposal(Base):
    """The disposal (处置) of a parcel, or of part of it."""

    __tablename__ = "disposal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the code of the parcel, or of the building when ``subject`` is "building" (盘活)
    parcel_code: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    subject: Mapped[str] = mapped_column(
        String(16), nullable=False, default="parcel", server_default="parcel"
    )
    method: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    cause: Mapped[str | None] = mapped_column(String(16))
    planned_on: Mapped[dt.date | None] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    area_mu: Mapped[float | None] = mapped_column(Float)
    idle_fee_wan: Mapped[float | None] = mapped_column(Float)
    blockers: Mapped[str | None] = mapped_column(Text)  # JSON list
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    created_at: Mapped[dt.datetime] = _now()
    updated_at: Mapped[dt.datetime] = _now()


class DisposalStep(Base):
    """One move of a disposal: opened, advanced, blocked or unblocked."""

    __tablename__ = "disposal_step"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    disposal_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("disposal.id", ondelete="CASCADE"), nullable=False, index=True
    )
    parcel_code: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)  # open|advance|block|...
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    by: Mapped[str] = mapped_column(String(128), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    doc: Mapped[str | None] = mapped_column(Text)


class Building(Base):
    """An idle-building record (楼宇 / 标准厂房): footprint or point."""

    __tablename__ = "building"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    district: Mapped[str | None] = mapped_column(Text)
    park: Mapped[str | None] = mapped_column(Text)
    building_type: Mapped[str | None] = mapped_column(String(32))
    floors: Mapped[int | None] = mapped_column(Integer)
    total_floor_area_m2: Mapped[float | None] = mapped_column(Float)
    structure: Mapped[str | None] = mapped_column(Text)
    floor_load_kn_m2: Mapped[float | None] = mapped_column(Float)
    clear_height_m: Mapped[float | None] = mapped_column(Float)
    power_kva: Mapped[float | None] = mapped_column(Float)
    owner: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(Text)
    rent_yuan_m2_month: Mapped[float | None] = mapped_column(Float)
    price_wan: Mapped[float | None] = mapped_column(Float)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    created_at: Mapped[dt.datetime] = _now()
    updated_at: Mapped[dt.datetime] = _now()
    geom = mapped_column(Geometry("GEOMETRY", srid=SRID, spatial_index=True))


class Vacancy(Base):
    """Vacant floor space in a building, per floor or unit."""

    __tablename__ = "vacancy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_code: Mapped[str] = mapped_column(
        String(64), ForeignKey("building.code", ondelete="CASCADE"), nullable=False, index=True
    )
    floor: Mapped[int | None] = mapped_column(Integer)
    unit: Mapped[str | None] = mapped_column(Text)
    vacant_area_m2: Mapped[float] = mapped_column(Float, nullable=False)
    available_from: Mapped[dt.date | None] = mapped_column(Date)
    rent_yuan_m2_month: Mapped[float | None] = mapped_column(Float)


class Performance(Base):
    """A parcel's figures for one year (per-mu evaluation)."""

    __tablename__ = "performance"
    __table_args__ = (UniqueConstraint("parcel_code", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parcel_code: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    tax_wan: Mapped[float | None] = mapped_column(Float)
    output_wan: Mapped[float | None] = mapped_column(Float)
    value_added_wan: Mapped[float | None] = mapped_column(Float)
    investment_wan: Mapped[float | None] = mapped_column(Float)
    energy_tce: Mapped[float | None] = mapped_column(Float)
    emissions_t: Mapped[float | None] = mapped_column(Float)
    employees: Mapped[int | None] = mapped_column(Integer)
    rd_wan: Mapped[float | None] = mapped_column(Float)
    revenue_wan: Mapped[float | None] = mapped_column(Float)


class Project(Base):
    """An investment project's requirement (land or floor space)."""

    __tablename__ = "project"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    industry: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # land | floor_space
    requirement: Mapped[str] = mapped_column(Text, nullable=False)  # JSON
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = _now()


_ACTIVE_PARCEL = "released_at IS NULL AND parcel_code IS NOT NULL"
_ACTIVE_SPACE = "released_at IS NULL AND building_code IS NOT NULL"


class Reservation(Base):
    """A parcel, or a vacant floor or unit of a building, held for a project, so nothing
    is promised twice: the partial unique indexes allow one active (unreleased)
    reservation per parcel and per floor or unit, whoever writes at the same moment."""

    __tablename__ = "reservation"
    __table_args__ = (
        Index(
            "uq_reservation_active_parcel",
            "parcel_code",
            unique=True,
            sqlite_where=text(_ACTIVE_PARCEL),
            postgresql_where=text(_ACTIVE_PARCEL),
        ),
        Index(
            "uq_reservation_active_space",
            "building_code",
            "vacancy_key",
            unique=True,
            sqlite_where=text(_ACTIVE_SPACE),
            postgresql_where=text(_ACTIVE_SPACE),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_name: Mapped[str] = mapped_column(String(200), nullable=False)
    parcel_code: Mapped[str | None] = mapped_column(String(64), index=True)
    building_code: Mapped[str | None] = mapped_column(String(64), index=True)
    # The floor or unit: the part of its space code after the building code and ':'
    # ("F3", "F3:301", ":301"); see landbank.domain.buildings.space_code.
    vacancy_key: Mapped[str | None] = mapped_column(String(64))
    until: Mapped[dt.date | None] = mapped_column(Date)
    by: Mapped[str] = mapped_column(String(128), nullable=False)
    at: Mapped[dt.datetime] = _now()
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class User(Base):
    """A person who signs in. Table ``app_user``: ``user`` is reserved in PostgreSQL."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)  # viewer | clerk | admin
    districts: Mapped[str | None] = mapped_column(Text)  # comma-separated; empty = all
    password_hash: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = _now()
    # carried by every token; moved by sign-out and by a change of password, role or
    # districts, which ends the user's older tokens (migration 0008)
    token_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


class LoginFailure(Base):
    """Failed sign-ins of one client address (``addr:…``) or user name (``user:…``)
    since ``since`` (epoch seconds): counted under the row's lock by every worker."""

    __tablename__ = "login_failure"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False)
    since: Mapped[float] = mapped_column(Float, nullable=False)


class Setting(Base):
    """A value the service keeps, e.g. the key that signs its cookies and tokens."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class DataStamp(Base):
    """A value triggers move whenever what matching reads changes (``land``: parcels
    and disposals; ``floor``: buildings and vacancies); see migration 0007."""

    __tablename__ = "data_stamp"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    stamp: Mapped[int] = mapped_column(BigInteger, nullable=False)


class CaseAct(Base):
    """A legal act of an idle-land case (闲置土地处置办法 art. 8–18, on a disposal): its
    document and number (文号), its service (送达) and what followed it (a hearing
    asked for or held, the fee paid, the recovery completed). ``status`` is issued,
    voided (its number stays voided), or recorded (made on paper before landbank kept
    acts; migration 0009)."""

    __tablename__ = "case_act"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    disposal_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("disposal.id"), nullable=False, index=True
    )
    parcel_code: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    number: Mapped[str | None] = mapped_column(String(128), unique=True)
    number_year: Mapped[int | None] = mapped_column(Integer)
    number_seq: Mapped[int | None] = mapped_column(Integer)
    issued_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    issued_by: Mapped[str] = mapped_column(String(128), nullable=False)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    fields: Mapped[str | None] = mapped_column(Text)  # JSON: what the document states
    warnings: Mapped[str | None] = mapped_column(Text)  # JSON list: blanks to fill by hand
    method: Mapped[str | None] = mapped_column(String(32))  # an agreement's method
    new_start_on: Mapped[dt.date | None] = mapped_column(Date)  # an agreement's new start
    amount_wan: Mapped[float | None] = mapped_column(Float)  # the fee decided
    served_on: Mapped[dt.date | None] = mapped_column(Date)
    service_method: Mapped[str | None] = mapped_column(String(16))
    served_to: Mapped[str | None] = mapped_column(Text)
    served_by: Mapped[str | None] = mapped_column(String(128))
    hearing_requested_on: Mapped[dt.date | None] = mapped_column(Date)
    hearing_held_on: Mapped[dt.date | None] = mapped_column(Date)
    hearing_outcome: Mapped[str | None] = mapped_column(Text)
    paid_amount_wan: Mapped[float | None] = mapped_column(Float)
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    receipt: Mapped[str | None] = mapped_column(Text)
    deregistered_on: Mapped[dt.date | None] = mapped_column(Date)
    voided_on: Mapped[dt.date | None] = mapped_column(Date)
    void_reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")


class NumberSeq(Base):
    """The last number (文号 sequence) given per document kind and year; taken under
    the row's lock, so numbers have no gap and no repeat whoever issues at once."""

    __tablename__ = "doc_number_seq"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False)


class Attachment(Base):
    """A file's content, kept once per sha256 inside the database (a backup of the
    database keeps it; SpatiaLite stays one file)."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    media_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[dt.datetime] = _now()


class AttachmentLink(Base):
    """Where a file belongs: a parcel or building, a case (disposal) and an act, in a
    ``role`` (document, pdf, proof, evidence, photo). Links are only added: a file
    stays with its case when the case moves, the parcel is split or an import re-runs."""

    __tablename__ = "attachment_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attachment_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("attachment.id"), nullable=False, index=True
    )
    parcel_code: Mapped[str | None] = mapped_column(String(64), index=True)
    building_code: Mapped[str | None] = mapped_column(String(64), index=True)
    disposal_id: Mapped[int | None] = mapped_column(Integer, index=True)
    act_id: Mapped[int | None] = mapped_column(Integer, index=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    filename: Mapped[str] = mapped_column(Text, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(128), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)


_CURRENT_VINTAGE = "replaced_at IS NULL"


class Enterprise(Base):
    """An enterprise of the register, known by its unified social credit code
    (统一社会信用代码, 18 characters, the last a check character): its cohort
    (``large`` 规上 / ``small`` 规下), industry (国民经济行业分类), district and park."""

    __tablename__ = "enterprise"

    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    cohort: Mapped[str | None] = mapped_column(String(8))
    industry: Mapped[str | None] = mapped_column(String(8))
    district: Mapped[str | None] = mapped_column(Text, index=True)
    park: Mapped[str | None] = mapped_column(Text)
    source_file: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = _now()
    updated_at: Mapped[dt.datetime] = _now()


class Lease(Base):
    """Land one enterprise rents to another (租赁): a parcel or ``area_mu`` of it (NULL:
    the whole parcel) from ``from_on`` to ``to_on`` (both days counted). A lease
    imported again (same parcel, lessee and start) replaces the row: the old one keeps
    ``replaced_at``, so the leases known at a past moment can be read again."""

    __tablename__ = "lease"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lessor_code: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    lessee_code: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    parcel_code: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    area_mu: Mapped[float | None] = mapped_column(Float)
    from_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    to_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    source_file: Mapped[str | None] = mapped_column(Text)
    source_row: Mapped[str | None] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(128), nullable=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    replaced_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class FigureVintage(Base):
    """One import of an office's figures (``source``: tax, power, statistics, ecology,
    energy) for one ``year``: the file, its sha256, its rows, who and when. A new
    import of the same source and year replaces it (``replaced_at`` set, the rows
    kept); the partial unique index allows one current vintage per source and year."""

    __tablename__ = "figure_vintage"
    __table_args__ = (
        Index(
            "uq_figure_vintage_current",
            "source",
            "year",
            unique=True,
            sqlite_where=text(_CURRENT_VINTAGE),
            postgresql_where=text(_CURRENT_VINTAGE),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    file_name: Mapped[str] = mapped_column(Text, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    units: Mapped[str | None] = mapped_column(Text)  # JSON: figure -> unit as read
    by: Mapped[str] = mapped_column(String(128), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    replaced_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class EnterpriseFigure(Base):
    """An enterprise's figures of one vintage, in canonical units. ``unmatched``: the
    code was in no register entry when imported (kept, listed); ``name_differs``: the
    name given is not the register's (compared folded: width, spaces)."""

    __tablename__ = "enterprise_figure"
    __table_args__ = (UniqueConstraint("vintage_id", "credit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vintage_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("figure_vintage.id"), nullable=False
    )
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    source_row: Mapped[str | None] = mapped_column(String(32))
    name_given: Mapped[str | None] = mapped_column(Text)
    unmatched: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default="0"
    )
    name_differs: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default="0"
    )
    tax_wan: Mapped[float | None] = mapped_column(Float)
    power_kwh: Mapped[float | None] = mapped_column(Float)
    revenue_wan: Mapped[float | None] = mapped_column(Float)
    output_wan: Mapped[float | None] = mapped_column(Float)
    value_added_wan: Mapped[float | None] = mapped_column(Float)
    employees: Mapped[float | None] = mapped_column(Float)
    rd_wan: Mapped[float | None] = mapped_column(Float)
    emissions_t: Mapped[float | None] = mapped_column(Float)
    energy_tce: Mapped[float | None] = mapped_column(Float)
    water_t: Mapped[float | None] = mapped_column(Float)
    sewage_t: Mapped[float | None] = mapped_column(Float)


class Evaluation(Base):
    """One run of the per-mu evaluation by enterprise for ``year``: it read the figure
    vintages and leases current at ``data_as_at`` (``vintages``: JSON of the ids), with
    the rules (``rules``: JSON of the cohorts' indicators, weights, benchmarks, caps,
    proportions and policies) of ``rule_version`` (profile name and the sha256 of its
    rules). A later run of the same year replaces it (``replaced_at`` set, kept): one
    current run per year."""

    __tablename__ = "evaluation"
    __table_args__ = (
        Index(
            "uq_evaluation_current",
            "year",
            unique=True,
            sqlite_where=text(_CURRENT_VINTAGE),
            postgresql_where=text(_CURRENT_VINTAGE),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    data_as_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    rule_version: Mapped[str] = mapped_column(String(96), nullable=False)
    profile_name: Mapped[str] = mapped_column(Text, nullable=False)
    profile_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    rules: Mapped[str] = mapped_column(Text, nullable=False)
    vintages: Mapped[str] = mapped_column(Text, nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    by: Mapped[str] = mapped_column(String(128), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    replaced_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class EvaluationGrade(Base):
    """An enterprise in one evaluation: its land by the rule, score, grade (A–D; NULL
    when not graded, ``status`` says why), rank among the graded of its cohort,
    ``completeness`` (the share of its cohort's weight whose data were present),
    ``components`` (JSON: per indicator its value and capped contribution) and
    ``policies`` (JSON: what follows from the grade, with amounts)."""

    __tablename__ = "evaluation_grade"
    __table_args__ = (UniqueConstraint("evaluation_id", "credit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(Integer, ForeignKey("evaluation.id"), nullable=False)
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    cohort: Mapped[str | None] = mapped_column(String(8))
    district: Mapped[str | None] = mapped_column(Text)
    park: Mapped[str | None] = mapped_column(Text)
    held_mu: Mapped[float] = mapped_column(Float, nullable=False)
    rented_in_mu: Mapped[float] = mapped_column(Float, nullable=False)
    rented_out_mu: Mapped[float] = mapped_column(Float, nullable=False)
    land_mu: Mapped[float] = mapped_column(Float, nullable=False)
    score: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str | None] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(24), nullable=False)
    rank: Mapped[int | None] = mapped_column(Integer)
    cohort_rated: Mapped[int | None] = mapped_column(Integer)
    completeness: Mapped[float] = mapped_column(Float, nullable=False)
    components: Mapped[str] = mapped_column(Text, nullable=False)
    policies: Mapped[str] = mapped_column(Text, nullable=False)


class Survey(Base):
    """A field survey (排摸): a name, a due date, who made it (migration 0013)."""

    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    by: Mapped[str] = mapped_column(String(128), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class SurveyTask(Base):
    """A parcel or building of a survey given to a surveyor: its state (open,
    submitted, accepted) and the last review's note."""

    __tablename__ = "survey_task"
    __table_args__ = (UniqueConstraint("survey_id", "kind", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(Integer, ForeignKey("survey.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # parcel | building
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    district: Mapped[str | None] = mapped_column(Text)
    assignee: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(128))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class SurveyRecord(Base):
    """What a surveyor submitted for a task: the target's version seen and found, the
    values (JSON), the idempotency key (once per surveyor), its state and review."""

    __tablename__ = "survey_record"
    __table_args__ = (UniqueConstraint("by", "idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("survey_task.id"), nullable=False, index=True
    )
    idempotency_key: Mapped[str] = mapped_column(String(128), nullable=False)
    by: Mapped[str] = mapped_column(String(128), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    visited_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    seen_version: Mapped[int] = mapped_column(Integer, nullable=False)
    found_version: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    values: Mapped[str] = mapped_column(Text, nullable=False)
    reviewed_by: Mapped[str | None] = mapped_column(String(128))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    review_note: Mapped[str | None] = mapped_column(Text)


class SurveyPhoto(Base):
    """A record's photo: its attachment link (the file in ``attachment``), the EXIF
    time and position, the distance to the target and the flags."""

    __tablename__ = "survey_photo"
    __table_args__ = (UniqueConstraint("record_id", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, ForeignKey("survey_record.id"), nullable=False)
    link_id: Mapped[int] = mapped_column(Integer, ForeignKey("attachment_link.id"), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    taken_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    flags: Mapped[str] = mapped_column(Text, nullable=False)
