"""The shop's lifecycle webhooks: app/uninstalled and the compliance topics (customers/
data_request, customers/redact, shop/redact). They run even for a shop that has uninstalled
Relay (domain/webhooks/topics.py: ALWAYS_PROCESSED)."""

from __future__ import annotations

from domain.shop import compliance, shops
from integrations.shopify_admin.webhook_payloads import AppUninstalled, ComplianceRequest


def uninstalled(shop_domain: str, uninstall: AppUninstalled, receipt) -> None:
    refused = shops.mark_uninstalled(shop_domain, uninstall.shop_domain)
    if refused:
        receipt.error = refused


def _names_this_shop(request: ComplianceRequest, shop_domain: str, receipt) -> bool:
    """Compliance bodies name their shop; the HMAC is the app's, so a body from another shop
    would verify under this shop's header. Only a body naming this shop is acted on."""
    if request.shop_domain == shop_domain:
        return True
    receipt.error = "ignored: the body names another shop than X-Shopify-Shop-Domain"
    return False


def data_request(shop_domain: str, request: ComplianceRequest, receipt) -> None:
    shop = shops.shop_by_domain(shop_domain)
    if shop is not None and _names_this_shop(request, shop_domain, receipt):
        compliance.data_request(shop, request)


def customer_redact(shop_domain: str, request: ComplianceRequest, receipt) -> None:
    shop = shops.shop_by_domain(shop_domain)
    if shop is not None and _names_this_shop(request, shop_domain, receipt):
        compliance.redact_customer(shop, request)
    # The request itself names the customer; keep only what proves we handled it.
    receipt.payload = {"redacted": True, "customer_id": request.customer.id}


def shop_redact(shop_domain: str, request: ComplianceRequest, receipt) -> None:
    """Shopify sends it 48 hours after an uninstall: only an uninstalled shop is erased."""
    if not _names_this_shop(request, shop_domain, receipt):
        return
    shop = shops.lock_shop(shop_domain)
    if shop is not None and shop.is_installed:
        if shops.token_still_accepted(shop):
            compliance.record_refused_redact(shop_domain)
            receipt.error = "ignored: Relay is installed on this shop"
            return
        shops.drop_tokens(shop)  # uninstalled, and its app/uninstalled not seen yet
    compliance.redact_shop(shop_domain, keep_receipt_id=receipt.id)
    receipt.payload = {"redacted": True}
