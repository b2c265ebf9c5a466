"""Refunds & money: amounts per currency (`amounts`), the merchant's refunds checked, sent and
recorded (`refund_checks`, `refunds`), refunds made in the Shopify admin mirrored
(`refund_mirror`), and what Relay owes each supplier (`supplier_ledger`). Supplier payments and
invoices land here."""
