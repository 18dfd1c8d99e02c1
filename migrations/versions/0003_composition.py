"""Composition: organisations, people and their pipeline, member profiles, the processing log.

Adds the registers of a network (organisations with their board's answer; people with their
steps from candidate to active member and out), the profile a network aims for, the processing
log of personal data (append-only, guarded by triggers like the audit trail) and the erasure
records. Existing tables gain: `network.closed_at` (retention runs from it), `signoff.frozen`
(the composition a reviewer judged) and `audit_record.trace_id` (shared with the processing log).

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('erasure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('erased_at', sa.DateTime(), nullable=False),
    sa.Column('cause', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure'))
    )
    with op.batch_alter_table('erasure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erasure_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_erasure_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_erasure_network_id'), ['network_id'], unique=False)

    op.create_table('processing_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('trace_id', sa.String(length=32), nullable=False),
    sa.Column('span_id', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('operation', sa.String(length=10), nullable=False),
    sa.Column('activity', sa.String(length=40), nullable=False),
    sa.Column('subject_ref', sa.String(length=32), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processing_log'))
    )
    with op.batch_alter_table('processing_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processing_log_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_processing_log_subject_ref'), ['subject_ref'], unique=False)
        batch_op.create_index(batch_op.f('ix_processing_log_trace_id'), ['trace_id'], unique=False)

    op.create_table('network_profile',
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.String(length=40), nullable=False),
    sa.Column('targets', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_network_profile_network_id_network'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_network_profile_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('network_id', name=op.f('pk_network_profile'))
    )
    with op.batch_alter_table('network_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_profile_updated_by_id'), ['updated_by_id'], unique=False)

    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('district', sa.String(length=80), nullable=True),
    sa.Column('communities', sa.JSON(), nullable=False),
    sa.Column('influence', sa.String(length=8), nullable=False),
    sa.Column('involvement', sa.String(length=8), nullable=False),
    sa.Column('board_approached_on', sa.Date(), nullable=True),
    sa.Column('board_approached_by_id', sa.Integer(), nullable=True),
    sa.Column('board_outcome', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['board_approached_by_id'], ['user_account.id'], name=op.f('fk_organisation_board_approached_by_id_user_account')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_organisation_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_organisation_network_id_network'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation'))
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_board_approached_by_id'), ['board_approached_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_network_id'), ['network_id'], unique=False)

    op.create_table('member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('sector', sa.String(length=40), nullable=True),
    sa.Column('district', sa.String(length=80), nullable=True),
    sa.Column('age_band', sa.String(length=20), nullable=True),
    sa.Column('gender', sa.String(length=20), nullable=True),
    sa.Column('formal', sa.Boolean(), nullable=True),
    sa.Column('member_type', sa.String(length=30), nullable=True),
    sa.Column('known_to_municipality', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('status_since', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('erased_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_member_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_member_network_id_network'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_member_organisation_id_organisation'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member'))
    )
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_network_id'), ['network_id'], unique=False)
        batch_op.create_index('ix_member_network_status', ['network_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_status'), ['status'], unique=False)

    op.create_table('member_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.String(length=30), nullable=False),
    sa.Column('to_state', sa.String(length=30), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('intake_outcome', sa.String(length=20), nullable=True),
    sa.Column('house_rules', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_member_step_actor_id_user_account')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_step_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_member_step_network_id_network'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_step'))
    )
    with op.batch_alter_table('member_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_step_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_step_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_step_network_id'), ['network_id'], unique=False)
        batch_op.create_index('ix_member_step_network_step_recorded', ['network_id', 'step', 'recorded_at'], unique=False)

    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trace_id', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_record_trace_id'), ['trace_id'], unique=False)

    with op.batch_alter_table('network', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('signoff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('frozen', sa.JSON(), nullable=True))
    _install_append_only_guard()


def downgrade():
    _remove_append_only_guard()
    with op.batch_alter_table('signoff', schema=None) as batch_op:
        batch_op.drop_column('frozen')

    with op.batch_alter_table('network', schema=None) as batch_op:
        batch_op.drop_column('closed_at')

    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_record_trace_id'))
        batch_op.drop_column('trace_id')

    with op.batch_alter_table('member_step', schema=None) as batch_op:
        batch_op.drop_index('ix_member_step_network_step_recorded')
        batch_op.drop_index(batch_op.f('ix_member_step_network_id'))
        batch_op.drop_index(batch_op.f('ix_member_step_member_id'))
        batch_op.drop_index(batch_op.f('ix_member_step_actor_id'))

    op.drop_table('member_step')
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_status'))
        batch_op.drop_index(batch_op.f('ix_member_organisation_id'))
        batch_op.drop_index('ix_member_network_status')
        batch_op.drop_index(batch_op.f('ix_member_network_id'))
        batch_op.drop_index(batch_op.f('ix_member_municipality_id'))

    op.drop_table('member')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_network_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_board_approached_by_id'))

    op.drop_table('organisation')
    with op.batch_alter_table('network_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_profile_updated_by_id'))

    op.drop_table('network_profile')
    with op.batch_alter_table('processing_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processing_log_trace_id'))
        batch_op.drop_index(batch_op.f('ix_processing_log_subject_ref'))
        batch_op.drop_index(batch_op.f('ix_processing_log_municipality_id'))

    op.drop_table('processing_log')
    with op.batch_alter_table('erasure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_erasure_network_id'))
        batch_op.drop_index(batch_op.f('ix_erasure_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_erasure_member_id'))

    op.drop_table('erasure')


def _install_append_only_guard():
    """Refuse UPDATE and DELETE on processing_log in the database itself."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION processing_log_is_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'processing_log is append-only: % is not allowed', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER processing_log_no_update_or_delete
            BEFORE UPDATE OR DELETE ON processing_log
            FOR EACH ROW EXECUTE FUNCTION processing_log_is_append_only()
        """)
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER processing_log_no_{operation.lower()}
                BEFORE {operation} ON processing_log
                BEGIN SELECT RAISE(ABORT, 'processing_log is append-only'); END
            """)


def _remove_append_only_guard():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS processing_log_no_update_or_delete ON processing_log")
        op.execute("DROP FUNCTION IF EXISTS processing_log_is_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS processing_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS processing_log_no_delete")
