"""merge the crawler's corrections (0003) after the notifier's tables (0002)

The crawler's revisions must stay one chain on their own (the crawler migrates
with its own folder alone), so its 0003 follows its 0001; this revision joins
that branch and the notifier's 0002 into one head again. It changes nothing.

Revision ID: 0004
Revises: 0002, 0003
Create Date: 2026-12-04 20:30:00.000000
"""


revision = '0004'
down_revision = ('0002', '0003')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
