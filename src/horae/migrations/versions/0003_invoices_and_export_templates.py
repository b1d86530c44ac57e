"""invoices and export templates

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import horae.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "export_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("renderer", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=6), nullable=True),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_templates")),
        sa.UniqueConstraint("title", name=op.f("uq_export_templates_title")),
    )
    op.create_table(
        "invoice_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column("content", sa.LargeBinary(length=2147483647), nullable=False),
        sa.Column("uploaded_at", horae.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_documents")),
        sa.UniqueConstraint("name", name=op.f("uq_invoice_documents_name")),
    )
    op.create_table(
        "invoice_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("company", sa.String(length=255), nullable=False),
        sa.Column("vat_id", sa.String(length=50), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("due_days", sa.Integer(), nullable=False),
        sa.Column("vat", sa.Double(), nullable=False),
        sa.Column("calculator", sa.String(length=20), nullable=False),
        sa.Column("number_generator", sa.String(length=20), nullable=False),
        sa.Column("renderer", sa.String(length=150), nullable=False),
        sa.Column("payment_terms", sa.Text(), nullable=True),
        sa.Column("payment_details", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=6), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_invoice_templates_name")),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_number", sa.String(length=50), nullable=False),
        sa.Column("invoice_filename", sa.String(length=150), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", horae.db.UTCDateTime(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("total", sa.Double(), nullable=False),
        sa.Column("tax", sa.Double(), nullable=False),
        sa.Column("vat", sa.Double(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("due_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_invoices_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_invoices_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("invoice_filename", name=op.f("uq_invoices_invoice_filename")),
        sa.UniqueConstraint("invoice_number", name=op.f("uq_invoices_invoice_number")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoices_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_user_id"), ["user_id"], unique=False)

    op.create_table(
        "invoice_files",
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(length=2147483647), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_files_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_invoice_files")),
    )
    op.create_table(
        "invoice_meta",
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("visible", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_meta_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_meta")),
        sa.UniqueConstraint("invoice_id", "name", name=op.f("uq_invoice_meta_invoice_id_name")),
    )


def downgrade() -> None:
    op.drop_table("invoice_meta")
    op.drop_table("invoice_files")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_user_id"))
        batch_op.drop_index(batch_op.f("ix_invoices_customer_id"))
        batch_op.drop_index(batch_op.f("ix_invoices_created_at"))

    op.drop_table("invoices")
    op.drop_table("invoice_templates")
    op.drop_table("invoice_documents")
    op.drop_table("export_templates")
