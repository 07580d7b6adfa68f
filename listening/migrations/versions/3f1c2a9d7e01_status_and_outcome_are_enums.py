"""session status and turn outcome are enums the database checks

Revision ID: 3f1c2a9d7e01
Revises: b628fcee0743
Create Date: 2026-11-27 19:30:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "3f1c2a9d7e01"
down_revision = "b628fcee0743"
branch_labels = None
depends_on = None

STATUSES = ("lobby", "running", "ended")
OUTCOMES = ("spoke", "passed", "away", "skipped")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table("sessions") as batch_op:
        batch_op.create_check_constraint(op.f("ck_sessions_status"), _one_of("status", STATUSES))
    with op.batch_alter_table("turns") as batch_op:
        batch_op.create_check_constraint(op.f("ck_turns_outcome"), _one_of("outcome", OUTCOMES))


def downgrade():
    with op.batch_alter_table("turns") as batch_op:
        batch_op.drop_constraint(op.f("ck_turns_outcome"), type_="check")
    with op.batch_alter_table("sessions") as batch_op:
        batch_op.drop_constraint(op.f("ck_sessions_status"), type_="check")
