"""corrections: a person's reading of an article, which wins over the classifier's

Revision ID: 0003
Revises: 0001 (a branch beside the notifier's 0002; its 0004 merges them)
Create Date: 2026-12-04 20:30:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import crawler.store.db


revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('relevant', sa.Boolean(), nullable=False),
    sa.Column('corrected_at', crawler.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('previous_status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('previous_relevance', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corrections_article_id'), ['article_id'], unique=True)


def downgrade() -> None:
    op.drop_table('corrections')
