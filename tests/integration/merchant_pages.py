"""Helpers for tests that use Relay's merchant pages over HTTP, as the admin iframe does:
htmx requests carry the ID token as a Bearer header, plain form posts as an id_token field."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from domain.models.orders import Order
from domain.models.shop import Shop
from extensions import db
from tests.conftest import API_KEY
from tests.integration.test_webhooks import wait_for


class Merchant:
    """One shop's merchant, talking to Relay through its pages."""

    def __init__(self, relay_url: str, domain: str, mint):
        self.url = relay_url
        self.domain = domain
        self.mint = mint

    def _headers(self, htmx: bool) -> dict:
        headers = {"Authorization": f"Bearer {self.mint(self.domain)}"}
        if htmx:
            headers["HX-Request"] = "true"
        return headers

    def get(self, path: str, *, htmx: bool = False, **params) -> httpx.Response:
        return httpx.get(
            f"{self.url}{path}", params=params, headers=self._headers(htmx), timeout=30
        )

    def post(self, path: str, data: dict | None = None, *, files=None, htmx: bool = True):
        if htmx:
            return httpx.post(
                f"{self.url}{path}",
                data=data or {},
                files=files,
                headers=self._headers(True),
                timeout=30,
            )
        # A plain form post: the token travels in the hidden field app.js adds.
        form = {**(data or {}), "id_token": self.mint(self.domain)}
        return httpx.post(
            f"{self.url}{path}",
            params={"embedded": "1", "shop": self.domain},
            data=form,
            files=files,
            timeout=30,
            follow_redirects=False,
        )

    @property
    def shop(self) -> Shop:
        db.session.expire_all()
        return db.session.scalar(select(Shop).where(Shop.domain == self.domain))


def supplier_form(supplier_name: str, **overrides) -> dict:
    form = {
        "name": supplier_name,
        "channel": "portal",
        "place_mode": "manual",
        "pay_mode": "manual",
        "website_url": "",
        "currency": "EUR",
        "store_domain": "",
        "contact_email": f"orders@{supplier_name.lower().replace(' ', '-')}.example",
    }
    form.update(overrides)
    return form


def dropshipped(devstore, domain: str, skus) -> None:
    """Stock these SKUs only at Relay's location (creating products for SKUs the shop does not
    sell yet): their lines go to suppliers, as in a dropshipping store. Lines at the merchant's
    own location are the store's to ship and never reach a supplier."""
    devstore.control.post(
        f"/_devstore/shops/{domain}/stock",
        json={"client_id": API_KEY, "skus": list(skus), "create": True},
    ).raise_for_status()


def place_orders(devstore, drain, domain: str, orders: list[list[str]], **fields) -> list[Order]:
    """Orders placed in devstore, delivered to Relay by webhook and processed by the worker
    (their SKUs dropshipped: stocked at Relay's location)."""
    dropshipped(devstore, domain, sorted({sku for skus in orders for sku in skus}))
    shop_id = db.session.scalar(select(Shop.id).where(Shop.domain == domain))

    def count() -> int:
        db.session.expire_all()
        return db.session.scalar(
            select(func.count()).select_from(Order).where(Order.shop_id == shop_id)
        )

    before = count()
    for skus in orders:
        devstore.control.post(
            f"/_devstore/shops/{domain}/orders",
            json={"line_items": [{"sku": sku, "quantity": 1} for sku in skus], **fields},
        ).raise_for_status()
    wait_for(lambda: drain() or count() == before + len(orders), timeout=20)
    return db.session.scalars(
        select(Order).where(Order.shop_id == shop_id).order_by(Order.id).offset(before)
    ).all()
