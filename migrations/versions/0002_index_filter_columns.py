"""Index the remaining filter and sort columns: audit results and network update times.

The audit trail is filtered by result (ok / refused), and the dashboard lists networks by their
last change; both lists must stay fast at a million records and ten thousand networks.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_record_result"), ["result"], unique=False)
    with op.batch_alter_table("network", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_network_updated_at"), ["updated_at"], unique=False)


def downgrade():
    with op.batch_alter_table("network", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_updated_at"))
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_record_result"))
