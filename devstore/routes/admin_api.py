"""The Admin GraphQL API, and the bulk operation result files it links to."""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, request, send_file

from devstore import auth, bulk, faults, graphql_api, usage
from devstore.routes.common import INVALID_TOKEN, get_settings, get_store, shop_or_404
from devstore.schema import supported_versions

NON_EXPIRING = {
    "errors": "[API] Non-expiring access tokens are no longer accepted for the Admin "
    "API. Start using expiring offline tokens."
}

bp = Blueprint("admin_api", __name__)


def _refused(shop: str):
    """Shopify's answers before a request reaches GraphQL (429, an outage), else None."""
    settings = get_settings()
    if settings.too_many_requests > 0:
        settings.too_many_requests -= 1
        limited = jsonify({"errors": "Exceeded the rate limit; retry after Retry-After."})
        limited.headers["Retry-After"] = f"{settings.retry_after_seconds:.1f}"
        return limited, 429
    return faults.outage(settings, shop, request.environ)


@bp.post("/store/<shop>/admin/api/<version>/graphql.json")
def graphql(shop, version):
    shop_doc = shop_or_404(shop)
    if version not in supported_versions():
        return jsonify({"errors": "Not Found"}), 404
    refused = _refused(shop)
    if refused is not None:
        return refused
    store, settings = get_store(), get_settings()
    token, status = auth.check_access_token(
        store, shop, request.headers.get("X-Shopify-Access-Token")
    )
    if token is None:
        return jsonify(NON_EXPIRING if status == 403 else INVALID_TOKEN), status
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify({"errors": {"query": "Required parameter missing or invalid"}}), 400
    status, payload = graphql_api.execute_request(
        store,
        shop=shop,
        client_id=token["client_id"],
        plan=shop_doc["plan"],
        body=body,
        throttle=settings.throttle,
        base_url=request.host_url,
    )
    usage.record(shop, token["client_id"], body, payload)
    faults.hold_answer(settings, shop, body)
    return Response(json.dumps(payload), status=status, mimetype="application/json")


# On Shopify a signed storage.googleapis.com URL that needs no access token; here served by
# devstore under the same signature and expiry rules.
@bp.get("/storage/bulk-operation-outputs/<key>")
def bulk_result(key):
    status, found = bulk.result_file(
        get_store(), key, request.args.get("Expires", ""), request.args.get("Signature", "")
    )
    if status != 200:
        xml = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{found}</Code></Error>"
        return Response(xml, status=status, mimetype="application/xml")
    return send_file(
        found,
        mimetype=request.args.get("response-content-type") or "application/jsonl",
        as_attachment=True,
        download_name=f"{key}.jsonl",
    )
