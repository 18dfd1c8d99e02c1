"""Maintenance: meetings and their agreements, signals and their handling, inputs for policy and
their answers, briefings to members, and notifications (sent once: each has a unique key).

The network keeps the structured data entered with the evidence of maintenance items: the mandate
decision, the meeting cadence and the next periodic review; evidence keeps those details too.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('briefing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('shared_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=2000), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_briefing_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_briefing_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_briefing_network_id_network'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_briefing'))
    )
    with op.batch_alter_table('briefing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_briefing_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_briefing_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_briefing_network_id'), ['network_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_briefing_shared_on'), ['shared_on'], unique=False)

    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('form', sa.String(length=20), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_meeting_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_meeting_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_meeting_network_id_network'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_held_on'), ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index('ix_meeting_network_held_on', ['network_id', 'held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_network_id'), ['network_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('delivery', sa.String(length=10), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_notification_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_notification_network_id_network'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('key', name=op.f('uq_notification_key'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_network_id'), ['network_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_sent_at'), ['sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_user_id'), ['user_id'], unique=False)

    op.create_table('agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('owner_member_id', sa.Integer(), nullable=True),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_agreement_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_agreement_network_id_network'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_member_id'], ['member.id'], name=op.f('fk_agreement_owner_member_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_user_id'], ['user_account.id'], name=op.f('fk_agreement_owner_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement'))
    )
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_network_id'), ['network_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_owner_member_id'), ['owner_member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_owner_user_id'), ['owner_user_id'], unique=False)

    op.create_table('meeting_attendance',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_attendance_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_meeting_attendance_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'member_id', name=op.f('pk_meeting_attendance'))
    )
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attendance_member_id'), ['member_id'], unique=False)

    op.create_table('signal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('theme', sa.String(length=40), nullable=False),
    sa.Column('deeper_theme', sa.String(length=40), nullable=True),
    sa.Column('district', sa.String(length=80), nullable=True),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('source_member_id', sa.Integer(), nullable=True),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_since', sa.DateTime(), nullable=False),
    sa.Column('deadline_on', sa.Date(), nullable=False),
    sa.Column('deadline_at', sa.DateTime(), nullable=False),
    sa.Column('overdue_on', sa.Date(), nullable=False),
    sa.Column('overdue_at', sa.DateTime(), nullable=False),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.Column('partner_kind', sa.String(length=20), nullable=True),
    sa.Column('partner_name', sa.String(length=200), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_signal_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_signal_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_signal_network_id_network'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_member_id'], ['member.id'], name=op.f('fk_signal_source_member_id_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signal'))
    )
    with op.batch_alter_table('signal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signal_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signal_deadline_at'), ['deadline_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_signal_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index('ix_signal_municipality_reported', ['municipality_id', 'reported_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_signal_network_id'), ['network_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signal_reported_on'), ['reported_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_signal_source_member_id'), ['source_member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signal_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_signal_theme'), ['theme'], unique=False)

    op.create_table('policy_input',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('signal_id', sa.Integer(), nullable=True),
    sa.Column('agreement_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.String(length=1000), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_policy_input_agreement_id_agreement'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_policy_input_answered_by_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_policy_input_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_policy_input_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_policy_input_network_id_network'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signal_id'], ['signal.id'], name=op.f('fk_policy_input_signal_id_signal'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_input'))
    )
    with op.batch_alter_table('policy_input', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_input_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_input_answered_by_id'), ['answered_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_input_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_input_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_input_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_input_network_id'), ['network_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_input_signal_id'), ['signal_id'], unique=False)

    op.create_table('signal_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signal_id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=False),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('happened_at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('partner_kind', sa.String(length=20), nullable=True),
    sa.Column('partner_name', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_signal_step_actor_id_user_account')),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_signal_step_network_id_network'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signal_id'], ['signal.id'], name=op.f('fk_signal_step_signal_id_signal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signal_step'))
    )
    with op.batch_alter_table('signal_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signal_step_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signal_step_network_id'), ['network_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signal_step_signal_id'), ['signal_id'], unique=False)

    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('details', sa.JSON(), nullable=True))

    with op.batch_alter_table('network', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mandate_body', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('mandate_decided_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('mandate_reference', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('mandate_valid_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('meeting_cadence_weeks', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('meeting_cadence_set_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('review_due_on', sa.Date(), nullable=True))



def downgrade():
    with op.batch_alter_table('network', schema=None) as batch_op:
        batch_op.drop_column('review_due_on')
        batch_op.drop_column('meeting_cadence_set_on')
        batch_op.drop_column('meeting_cadence_weeks')
        batch_op.drop_column('mandate_valid_until')
        batch_op.drop_column('mandate_reference')
        batch_op.drop_column('mandate_decided_on')
        batch_op.drop_column('mandate_body')

    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_column('details')

    with op.batch_alter_table('signal_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signal_step_signal_id'))
        batch_op.drop_index(batch_op.f('ix_signal_step_network_id'))
        batch_op.drop_index(batch_op.f('ix_signal_step_actor_id'))

    op.drop_table('signal_step')
    with op.batch_alter_table('policy_input', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_input_signal_id'))
        batch_op.drop_index(batch_op.f('ix_policy_input_network_id'))
        batch_op.drop_index(batch_op.f('ix_policy_input_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_policy_input_due_on'))
        batch_op.drop_index(batch_op.f('ix_policy_input_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_policy_input_answered_by_id'))
        batch_op.drop_index(batch_op.f('ix_policy_input_agreement_id'))

    op.drop_table('policy_input')
    with op.batch_alter_table('signal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signal_theme'))
        batch_op.drop_index(batch_op.f('ix_signal_status'))
        batch_op.drop_index(batch_op.f('ix_signal_source_member_id'))
        batch_op.drop_index(batch_op.f('ix_signal_reported_on'))
        batch_op.drop_index(batch_op.f('ix_signal_network_id'))
        batch_op.drop_index('ix_signal_municipality_reported')
        batch_op.drop_index(batch_op.f('ix_signal_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_signal_deadline_at'))
        batch_op.drop_index(batch_op.f('ix_signal_created_by_id'))

    op.drop_table('signal')
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attendance_member_id'))

    op.drop_table('meeting_attendance')
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_owner_user_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_owner_member_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_network_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_meeting_id'))

    op.drop_table('agreement')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_user_id'))
        batch_op.drop_index(batch_op.f('ix_notification_sent_at'))
        batch_op.drop_index(batch_op.f('ix_notification_network_id'))
        batch_op.drop_index(batch_op.f('ix_notification_municipality_id'))

    op.drop_table('notification')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_network_id'))
        batch_op.drop_index('ix_meeting_network_held_on')
        batch_op.drop_index(batch_op.f('ix_meeting_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_held_on'))
        batch_op.drop_index(batch_op.f('ix_meeting_created_by_id'))

    op.drop_table('meeting')
    with op.batch_alter_table('briefing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_briefing_shared_on'))
        batch_op.drop_index(batch_op.f('ix_briefing_network_id'))
        batch_op.drop_index(batch_op.f('ix_briefing_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_briefing_created_by_id'))

    op.drop_table('briefing')
