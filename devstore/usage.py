"""What each app spent on each shop's Admin GraphQL API, in all and per named operation: calls,
throttled answers, and the cost points taken from its bucket (actual cost of answered calls).
Shopify shows this only one response at a time (extensions.cost); a stand-in can add it up, so
a bench can say what an operation costs and what the throttle allows."""

from __future__ import annotations

import re
import threading

OPERATION = re.compile(r"^\s*(?:query|mutation)\s+(\w+)")
_lock = threading.Lock()
_totals: dict[tuple[str, str], dict] = {}


def _empty() -> dict:
    return {"calls": 0, "throttled": 0, "actual_cost": 0, "requested_cost": 0}


def record(shop: str, client_id: str, body: dict, payload: dict) -> None:
    cost = (payload.get("extensions") or {}).get("cost") or {}
    throttled = any(
        (e.get("extensions") or {}).get("code") == "THROTTLED" for e in payload.get("errors") or []
    )
    named = OPERATION.match(str(body.get("query") or ""))
    operation = named.group(1) if named else "(anonymous)"
    with _lock:
        totals = _totals.setdefault((shop, client_id), {**_empty(), "operations": {}})
        per_operation = totals["operations"].setdefault(operation, _empty())
        for counts in (totals, per_operation):
            counts["calls"] += 1
            counts["throttled"] += throttled
            counts["requested_cost"] += int(cost.get("requestedQueryCost") or 0)
            if not throttled:
                counts["actual_cost"] += int(cost.get("actualQueryCost") or 0)


def report(shop: str | None = None) -> list[dict]:
    with _lock:
        return [
            {"shop": s, "client_id": c, **totals, "operations": dict(totals["operations"])}
            for (s, c), totals in sorted(_totals.items())
            if shop in (None, s)
        ]


def reset() -> None:
    with _lock:
        _totals.clear()
