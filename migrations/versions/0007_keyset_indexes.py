"""Composite indexes for the filtered keyset pages, so a page costs what its rows cost.

The audit log of a municipality pages by sequence number within its chain, filtered by action,
actor, result or period: each filter gets an index that leads with the chain and the filter and
ends with `seq`, so PostgreSQL reads exactly one page in order instead of every matching record
and a sort (the period filter ranges over `occurred_at` within the chain). A network's history
already has `ix_audit_record_network_seq`. The network list of one stage pages by id within a
municipality and that stage. `tests/integration/test_query_plans.py` checks the plans with
EXPLAIN.

Revision ID: 0007_keyset_indexes
Revises: 0006
"""
from alembic import op

revision = "0007_keyset_indexes"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = (
    ("audit_record", "ix_audit_record_chain_action_seq", ["chain_id", "action", "seq"]),
    ("audit_record", "ix_audit_record_chain_actor_seq", ["chain_id", "actor_id", "seq"]),
    ("audit_record", "ix_audit_record_chain_result_seq", ["chain_id", "result", "seq"]),
    ("audit_record", "ix_audit_record_chain_occurred_at", ["chain_id", "occurred_at"]),
    ("network", "ix_network_municipality_stage_id", ["municipality_id", "stage", "id"]),
)


def upgrade():
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    for table, name, _columns in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
