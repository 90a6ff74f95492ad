"""initial ledger

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 02:49:12.589091
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import core.db.types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dead_letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('received_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('routing_key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('event_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('tenant', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('replayed_at', core.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('discarded_at', core.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dead_letters_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dead_letters_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dead_letters_tenant'), ['tenant'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('event_type', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('tenant', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('routing_key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', core.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_unpublished', ['published_at', 'id'], unique=False)

    op.create_table('processed_events',
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('event_type', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('tenant', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('processed_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    op.create_table('tenants',
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('created_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('slug')
    )
    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('host_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('is_customer', sa.Boolean(), nullable=False),
    sa.Column('is_supplier', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant'], ['tenants.slug'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tenant', 'host_id', name='uq_contacts_tenant_host_id')
    )
    op.create_table('external_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('document_type', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('document_host_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('package', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('remote_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('remote_version', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('pushed_version', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', core.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant'], ['tenants.slug'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tenant', 'document_type', 'document_host_id', 'package', name='uq_links_document_package')
    )
    with op.batch_alter_table('external_links', schema=None) as batch_op:
        batch_op.create_index('ix_links_tenant_state_next_attempt', ['tenant', 'state', 'next_attempt_at'], unique=False)

    op.create_table('reconciliation_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('date_from', sa.Date(), nullable=False),
    sa.Column('date_to', sa.Date(), nullable=False),
    sa.Column('fix', sa.Boolean(), nullable=False),
    sa.Column('ledger', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('trigger', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('requested_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', core.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', core.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant'], ['tenants.slug'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reconciliation_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_runs_tenant'), ['tenant'], unique=False)

    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('host_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('ledger', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('accounting_date', sa.Date(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('exchange_rate', core.db.types.ExactDecimal(24, 10), nullable=True),
    sa.Column('amounts_are', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('subtotal', core.db.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('tax_total', core.db.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('total', core.db.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('last_event_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('created_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ),
    sa.ForeignKeyConstraint(['tenant'], ['tenants.slug'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tenant', 'host_id', name='uq_invoices_tenant_host_id')
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoices_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index('ix_invoices_tenant_accounting_date', ['tenant', 'accounting_date'], unique=False)
        batch_op.create_index('ix_invoices_tenant_ledger_number', ['tenant', 'ledger', 'number'], unique=False)

    op.create_table('invoice_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('quantity', core.db.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('unit_price', core.db.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('line_amount', core.db.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('account_code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('tax_code', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('tax_amount', core.db.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('item_code', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_lines_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('host_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('amount', core.db.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('account_code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('discount', core.db.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('last_event_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('created_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], ),
    sa.ForeignKeyConstraint(['tenant'], ['tenants.slug'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tenant', 'host_id', name='uq_payments_tenant_host_id')
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_invoice_id'), ['invoice_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_invoice_id'))

    op.drop_table('payments')
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_lines_invoice_id'))

    op.drop_table('invoice_lines')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_tenant_ledger_number')
        batch_op.drop_index('ix_invoices_tenant_accounting_date')
        batch_op.drop_index(batch_op.f('ix_invoices_contact_id'))

    op.drop_table('invoices')
    with op.batch_alter_table('reconciliation_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_runs_tenant'))

    op.drop_table('reconciliation_runs')
    with op.batch_alter_table('external_links', schema=None) as batch_op:
        batch_op.drop_index('ix_links_tenant_state_next_attempt')

    op.drop_table('external_links')
    op.drop_table('contacts')
    op.drop_table('tenants')
    op.drop_table('processed_events')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_unpublished')

    op.drop_table('outbox')
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dead_letters_tenant'))
        batch_op.drop_index(batch_op.f('ix_dead_letters_received_at'))
        batch_op.drop_index(batch_op.f('ix_dead_letters_event_id'))

    op.drop_table('dead_letters')
