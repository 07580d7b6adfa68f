"""one-time links remember the coordinator who made them, so disabling them ends the links

Revision ID: c5e8a2f41b90
Revises: a3c3eca86815
Create Date: 2026-11-27 23:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5e8a2f41b90"
down_revision = "a3c3eca86815"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("account_links") as batch_op:
        batch_op.add_column(sa.Column("created_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_account_links_created_by_accounts"), "accounts", ["created_by"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("account_links") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_account_links_created_by_accounts"), type_="foreignkey"
        )
        batch_op.drop_column("created_by")
