"""What Relay tells the merchant: a board entry always, and a mail to the shop's contact email
(in the shop's language) when the event's Settings toggle is on.

Each function is one line at the place its event happens, inside that event's unit of work:
the board entry and the outbox row commit with the event, or not at all. Event keys are
stable, so an event handled twice (a replayed webhook, a job run again) tells nobody twice:

    supplier-declined:so:<supplier order id>
    cancellation-declined:<cancellation request id>
    payment-failed:payment:<payment id>:so:<supplier order id>   (the provider refused)
    payment-failed:so:<supplier order id>:setup                   (it could not even start)
    attention:job:<RQ job id>   (a webhook set aside is its job, "webhook-<receipt id>")

Jobs needing attention can come in storms (Shopify down, a bug hit by every webhook): each has
its board entry, but the merchant gets at most one such mail per hour (ATTENTION_MAIL_EVERY).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, text

from domain.clock import utcnow
from domain.models.notices import OutboundMail
from domain.models.orders import SupplierOrder
from domain.models.shop import Shop
from domain.notices import board, mail, recipients
from domain.notices.tell import tell
from domain.orders.timeline import N_
from domain.shop.settings import settings_of
from extensions import db
from integrations.shopify_admin.urls import shop_base_url

ATTENTION_MAIL_EVERY = timedelta(hours=1)
ATTENTION_KIND = "jobs_attention"


def admin_url(shop: Shop, path: str) -> str:
    """A page of Relay inside the shop's Shopify admin (the embedded app), for mails."""
    key = current_app.config["SHOPIFY_API_KEY"]
    return f"{shop_base_url(shop.domain)}/admin/apps/{key}{path}"


def _tell(
    shop: Shop,
    *,
    event_key: str,
    kind: str,
    message: str,
    params: dict,
    setting: str,
    template: str,
    context: dict,
    supplier_order: SupplierOrder | None = None,
) -> None:
    wanted = getattr(settings_of(shop), setting)
    tell(
        shop,
        board_recipient=recipients.MERCHANT,
        event_key=event_key,
        kind=kind,
        message=message,
        params=params,
        supplier_order=supplier_order,
        to=recipients.merchant(shop) if wanted else None,
        template=template,
        context={**params, **context},
    )


def _order_params(supplier_order: SupplierOrder) -> dict:
    return {
        "supplier": supplier_order.supplier.name if supplier_order.supplier else "?",
        "order": supplier_order.order.name,
    }


def supplier_declined(supplier_order: SupplierOrder) -> None:
    """A supplier declined an order (its reason is on the supplier order)."""
    _supplier_refused(
        supplier_order,
        "supplier-declined",
        N_("%(supplier)s declined order %(order)s: %(reason)s"),
        "merchant_declined",
    )


def supplier_cancelled_in_store(supplier_order: SupplierOrder) -> None:
    """A store supplier cancelled, in its own store, the order Relay placed there."""
    _supplier_refused(
        supplier_order,
        "supplier-cancelled",
        N_("%(supplier)s cancelled order %(order)s in its store: %(store_reason)s"),
        "merchant_supplier_cancelled",
        reason_key="store_reason",  # one of Relay's words for Shopify's reason: translated
    )


def _supplier_refused(
    supplier_order: SupplierOrder, key: str, message: str, template: str, reason_key="reason"
):
    shop = db.session.get(Shop, supplier_order.shop_id)
    params = {**_order_params(supplier_order), reason_key: supplier_order.decline_reason or ""}
    _tell(
        shop,
        event_key=f"{key}:so:{supplier_order.id}",
        kind="declined",
        message=message,
        params=params,
        setting="notify_supplier_declined",
        template=template,
        context={"link": admin_url(shop, f"/orders/{supplier_order.order_id}")},
        supplier_order=supplier_order,
    )


def cancellation_declined(supplier_order: SupplierOrder, request_id: int, reason: str) -> None:
    """A supplier declined the merchant's cancellation request."""
    shop = db.session.get(Shop, supplier_order.shop_id)
    params = {**_order_params(supplier_order), "reason": reason}
    _tell(
        shop,
        event_key=f"cancellation-declined:{request_id}",
        kind="cancellation_declined",
        message=N_("%(supplier)s declined to cancel order %(order)s: %(reason)s"),
        params=params,
        setting="notify_supplier_declined",
        template="merchant_cancellation_declined",
        context={"link": admin_url(shop, f"/orders/{supplier_order.order_id}")},
        supplier_order=supplier_order,
    )


def payment_failed(supplier_order: SupplierOrder, reason: str, payment_id: int | None) -> None:
    """An automatic payment to a supplier failed, or could not start (payment_id None)."""
    shop = db.session.get(Shop, supplier_order.shop_id)
    where = f"payment:{payment_id}:so" if payment_id is not None else "so"
    suffix = "" if payment_id is not None else ":setup"
    params = {**_order_params(supplier_order), "reason": reason}
    _tell(
        shop,
        event_key=f"payment-failed:{where}:{supplier_order.id}{suffix}",
        kind="payment_failed",
        message=N_("Automatic payment to %(supplier)s for order %(order)s failed: %(reason)s"),
        params=params,
        setting="notify_payment_failed",
        template="merchant_payment_failed",
        context={
            "link": admin_url(shop, f"/orders/{supplier_order.order_id}"),
            "pay_link": admin_url(shop, f"/payments/checkout?so={supplier_order.id}"),
        },
        supplier_order=supplier_order,
    )


def jobs_attention(shop: Shop, job_id: str, what: str, error: str) -> None:
    """A job failed for good (in the failed registry) or a webhook was set aside. `what` is
    the job's label (already in English), `error` why it failed."""
    key = f"attention:job:{job_id}"
    params = {"job": what, "error": error[:300]}
    board.post(
        shop.id,
        recipient=recipients.MERCHANT,
        event_key=key,
        kind="attention",
        message=N_("Work Relay could not finish needs you: %(job)s"),
        params=params,
    )
    if not settings_of(shop).notify_jobs_attention or _attention_mailed_recently(shop):
        return
    mail.queue_mail(
        shop,
        event_key=key,
        kind=ATTENTION_KIND,
        to=recipients.merchant(shop),
        template="merchant_jobs_attention",
        context={**params, "link": admin_url(shop, "/jobs")},
    )


def _attention_mailed_recently(shop: Shop) -> bool:
    """Whether this shop got a "needs attention" mail within the hour. Two workers failing at
    once take turns (a lock per shop until their commit), so the cap holds under a storm."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('relay-attention-mail'), :shop)"),
            {"shop": shop.id},
        )
    query = select(func.count()).where(
        OutboundMail.shop_id == shop.id,
        OutboundMail.kind == ATTENTION_KIND,
        OutboundMail.created_at > utcnow() - ATTENTION_MAIL_EVERY,
    )
    return db.session.execute(query).scalar_one() > 0


def job_failed(meta: dict, job_id: str, what: str, error: str) -> None:
    """The worker's hook: a job of a shop (its meta's shop_id or shop_domain) failed for good."""
    shop = None
    if isinstance(meta.get("shop_id"), int):
        shop = db.session.get(Shop, meta["shop_id"])
    elif isinstance(meta.get("shop_domain"), str):
        shop = db.session.scalars(select(Shop).where(Shop.domain == meta["shop_domain"])).first()
    if shop is not None:
        jobs_attention(shop, job_id, what, error)
