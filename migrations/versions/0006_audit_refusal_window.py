"""Audit refusal windows: repeated identical refusals from one origin within a minute are
counted here and written to the audit trail as one record, so a flood cannot fill the trail.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_refusal_window',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('repeats', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('route', sa.String(length=200), nullable=False),
    sa.Column('origin', sa.String(length=64), nullable=True),
    sa.Column('first_seq', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_refusal_window')),
    sa.UniqueConstraint('key', name=op.f('uq_audit_refusal_window_key'))
    )
    with op.batch_alter_table('audit_refusal_window', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_refusal_window_started_at'), ['started_at'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_refusal_window', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_refusal_window_started_at'))
    op.drop_table('audit_refusal_window')
