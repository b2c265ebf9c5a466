"""AdminClient: run one named GraphQL operation (queries/<Name>.graphql) for one shop."""

from __future__ import annotations

import re
import time
from functools import cache
from pathlib import Path

from integrations.shopify_admin import throttle, transport, urls
from integrations.shopify_admin.errors import ShopifyThrottled, ShopifyUserError

QUERIES = Path(__file__).resolve().parent / "queries"


FRAGMENT_SPREAD = re.compile(r"\.\.\.([A-Z]\w*)")


@cache
def document(operation_name: str) -> str:
    """queries/<Name>.graphql plus every fragment it spreads (and they spread), from
    queries/fragments/."""
    path = QUERIES / f"{operation_name}.graphql"
    if not path.is_file():
        raise KeyError(f"no GraphQL document named {operation_name}")
    text = path.read_text()
    pending, included = FRAGMENT_SPREAD.findall(text), set()
    while pending:  # fragments may spread fragments: each is appended once
        name = pending.pop(0)
        if name in included:
            continue
        included.add(name)
        fragment = (QUERIES / "fragments" / f"{name}.graphql").read_text()
        text += "\n" + fragment
        pending += FRAGMENT_SPREAD.findall(fragment)
    return text


class AdminClient:
    """`sleep` is how the client waits out throttling (a seam: tests record the waits)."""

    def __init__(self, shop_domain: str, access_token: str, *, sleep=time.sleep):
        self.shop_domain = shop_domain
        self.access_token = access_token
        self.url = urls.graphql_url(shop_domain)
        self.last_cost: dict | None = None
        self.sleep = sleep

    def execute(self, operation_name: str, variables: dict | None = None) -> dict:
        if throttle.is_deferring():  # in a job: not sent while the shop's throttle lasts
            left = throttle.throttled_for(self.shop_domain)
            if left > throttle.IN_PLACE_WAIT:
                raise ShopifyThrottled("this shop is throttled; the job waits", retry_after=left)
        return transport.post_graphql(
            self.url,
            self.access_token,
            document(operation_name),
            variables,
            sleep=self.sleep,
            on_cost=self._remember_cost,
            on_throttle=self._throttled,
        )

    def mutate(self, operation_name: str, variables: dict, payload_field: str) -> dict:
        """Run a mutation and raise ShopifyUserError when its payload carries userErrors."""
        payload = self.execute(operation_name, variables)[payload_field] or {}
        errors = payload.get("userErrors") or payload.get("orderCancelUserErrors") or []
        if errors:
            raise ShopifyUserError(errors)
        return payload

    def _remember_cost(self, cost: dict) -> None:
        self.last_cost = cost

    def _throttled(self, seconds: float) -> None:
        throttle.note_throttled(self.shop_domain, seconds)
