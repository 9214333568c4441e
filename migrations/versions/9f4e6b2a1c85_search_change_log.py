"""search outbox read by position (a change log for any number of index replicas)

Revision ID: 9f4e6b2a1c85
Revises: c3d9f2a7b614
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9f4e6b2a1c85'
down_revision = 'c3d9f2a7b614'
branch_labels = None
depends_on = None


def upgrade():
    # Applied rows are history nobody needs (every replica rebuilds once: none has a position
    # yet); the others keep a NULL position and are numbered like new ones.
    op.execute("DELETE FROM search_outbox WHERE processed_at IS NOT NULL")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(sa.schema.CreateSequence(sa.Sequence('search_outbox_position_seq')))
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.BigInteger(), nullable=True))
        batch_op.drop_index('ix_search_outbox_pending')
        batch_op.create_index('ix_search_outbox_position', ['position'], unique=False)
        batch_op.drop_column('processed_at')
    op.create_table('search_replicas',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_search_replicas'))
    )


def downgrade():
    op.drop_table('search_replicas')
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index('ix_search_outbox_position')
        batch_op.create_index('ix_search_outbox_pending', ['processed_at', 'id'], unique=False)
        batch_op.drop_column('position')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(sa.schema.DropSequence(sa.Sequence('search_outbox_position_seq')))
