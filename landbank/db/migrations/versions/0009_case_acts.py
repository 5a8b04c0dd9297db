"""The idle-land case as legal acts: each act (notice, determination, hearing notice,
fee or recovery decision, agreement) with its number (文号), service (送达) and what
followed it; the number register per kind and year; attachments (documents, proofs of
service, evidence, photos) kept inside the database.

Cases already in the database keep their history: each step that moved a parcel's
disposal to ``investigating`` or ``determined`` becomes an act ``recorded`` (made on
paper before landbank kept acts), issued and served on the step's date, its document
reference kept as the act's number where it names one no other act has.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_KIND_OF_STATE = {"investigating": "investigation", "determined": "determination"}


def upgrade() -> None:
    op.create_table(
        "case_act",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("disposal_id", sa.Integer(), sa.ForeignKey("disposal.id"), nullable=False),
        sa.Column("parcel_code", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("number", sa.String(128), unique=True),
        sa.Column("number_year", sa.Integer()),
        sa.Column("number_seq", sa.Integer()),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(128), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fields", sa.Text()),
        sa.Column("warnings", sa.Text()),
        sa.Column("method", sa.String(32)),
        sa.Column("new_start_on", sa.Date()),
        sa.Column("amount_wan", sa.Float()),
        sa.Column("served_on", sa.Date()),
        sa.Column("service_method", sa.String(16)),
        sa.Column("served_to", sa.Text()),
        sa.Column("served_by", sa.String(128)),
        sa.Column("hearing_requested_on", sa.Date()),
        sa.Column("hearing_held_on", sa.Date()),
        sa.Column("hearing_outcome", sa.Text()),
        sa.Column("paid_amount_wan", sa.Float()),
        sa.Column("paid_on", sa.Date()),
        sa.Column("receipt", sa.Text()),
        sa.Column("deregistered_on", sa.Date()),
        sa.Column("voided_on", sa.Date()),
        sa.Column("void_reason", sa.Text()),
        sa.Column("note", sa.Text()),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.create_index("ix_case_act_disposal_id", "case_act", ["disposal_id"])
    op.create_index("ix_case_act_parcel_code", "case_act", ["parcel_code"])
    op.create_table(
        "doc_number_seq",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
    )
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.current_timestamp()
        ),
    )
    op.create_table(
        "attachment_link",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("attachment_id", sa.Integer(), sa.ForeignKey("attachment.id"), nullable=False),
        sa.Column("parcel_code", sa.String(64)),
        sa.Column("building_code", sa.String(64)),
        sa.Column("disposal_id", sa.Integer()),
        sa.Column("act_id", sa.Integer()),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("by", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("attachment_id", "parcel_code", "building_code", "disposal_id", "act_id"):
        op.create_index(f"ix_attachment_link_{column}", "attachment_link", [column])
    _record_paper_acts()


def _record_paper_acts() -> None:
    """Each step to investigating or determined of a parcel's disposal becomes a
    recorded act, so a case in those states stays valid under the acts' rules."""
    conn = op.get_bind()
    steps = conn.execute(
        sa.text(
            'SELECT s.disposal_id, s.parcel_code, s.to_state, s."on", s."by", s."at", s.doc '
            "FROM disposal_step s JOIN disposal d ON d.id = s.disposal_id "
            "WHERE d.subject = 'parcel' AND s.action = 'advance' "
            "AND s.to_state IN ('investigating', 'determined') ORDER BY s.id"
        )
    ).all()
    used: set[str] = set()
    for disposal_id, code, to_state, on, by, at, doc in steps:
        number = doc.strip() if doc and doc.strip() and doc.strip() not in used else None
        if number:
            used.add(number)
        conn.execute(
            sa.text(
                "INSERT INTO case_act (disposal_id, parcel_code, kind, status, number, "
                "issued_on, issued_by, issued_at, served_on, note, version) VALUES "
                "(:d, :c, :k, 'recorded', :n, :on, :by, :at, :on, :note, 1)"
            ),
            {
                "d": disposal_id,
                "c": code,
                "k": _KIND_OF_STATE[to_state],
                "n": number,
                "on": on,
                "by": by,
                "at": at,
                "note": "recorded from the disposal's step (made before landbank kept acts)"
                + (f"; document: {doc}" if doc and not number else ""),
            },
        )


def downgrade() -> None:
    op.drop_table("attachment_link")
    op.drop_table("attachment")
    op.drop_table("doc_number_seq")
    op.drop_table("case_act")
