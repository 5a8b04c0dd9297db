"""Field survey (排摸): ``survey`` (a name, a due date, who made it), ``survey_task``
(a parcel or building of a survey given to a surveyor, its state and the last review's
note), ``survey_record`` (what a surveyor submitted for a task: the target's version
seen, an idempotency key kept once per surveyor, the values as JSON, its state) and
``survey_photo`` (a record's photo: its attachment link, EXIF time and position,
distance to the target, flags). Photos are kept in ``attachment`` like every file.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("due_on", sa.Date()),
        sa.Column("by", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "survey_task",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("survey_id", sa.Integer(), sa.ForeignKey("survey.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("district", sa.Text()),
        sa.Column("assignee", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("reviewed_by", sa.String(128)),
        sa.Column("reviewed_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("survey_id", "kind", "code"),
    )
    op.create_index("ix_survey_task_assignee", "survey_task", ["assignee"])
    op.create_table(
        "survey_record",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("survey_task.id"), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("by", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("seen_version", sa.Integer(), nullable=False),
        sa.Column("found_version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("values", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.String(128)),
        sa.Column("reviewed_at", sa.DateTime(timezone=True)),
        sa.Column("review_note", sa.Text()),
        sa.UniqueConstraint("by", "idempotency_key"),
    )
    op.create_index("ix_survey_record_task_id", "survey_record", ["task_id"])
    op.create_table(
        "survey_photo",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("survey_record.id"), nullable=False),
        sa.Column("link_id", sa.Integer(), sa.ForeignKey("attachment_link.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True)),
        sa.Column("lon", sa.Float()),
        sa.Column("lat", sa.Float()),
        sa.Column("distance_m", sa.Float()),
        sa.Column("flags", sa.Text(), nullable=False),
        sa.UniqueConstraint("record_id", "sha256"),
    )


def downgrade() -> None:
    op.drop_table("survey_photo")
    op.drop_table("survey_record")
    op.drop_index("ix_survey_task_assignee", "survey_task")
    op.drop_table("survey_task")
    op.drop_table("survey")
