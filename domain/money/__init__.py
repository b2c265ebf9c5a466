"""Refunds & money: amounts per currency (`amounts`), what the customer paid per line and per
supplier part in both currencies (`line_money`, read from Shopify when missing: `money_sync`),
the merchant's refunds checked, sent and recorded (`refund_checks`, `form_values`, `refunds`),
refunds made in the Shopify admin mirrored (`refund_mirror`), and what Relay owes each supplier
(`supplier_ledger`). Supplier payments and invoices land here."""
