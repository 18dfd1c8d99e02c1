"""Processing log actor: every line names the acting user by id (NULL for a system job), so
the export can answer "who looked at this person?" even for a request that only read.

Revision ID: 0007_processing_log_actor
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_processing_log_actor'
down_revision = '0006'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not batch mode: on SQLite a batch operation may copy the table, and the
# copy would lose the append-only triggers of 0003.
def upgrade():
    op.add_column('processing_log', sa.Column('actor_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_processing_log_actor_id'), 'processing_log', ['actor_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_processing_log_actor_id'), table_name='processing_log')
    op.drop_column('processing_log', 'actor_id')
