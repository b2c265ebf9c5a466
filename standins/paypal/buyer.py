"""The buyer's side: PayPal's approval pages. The person logs in as any sandbox buyer (any
e-mail address, any password) and clicks Pay or "Cancel and return". The buyer decides what a
capture does later: an address whose local part is `declined` (declined@buyer.example) has its
instrument declined; every other buyer pays."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template_string, request

from standins.paypal import server, webhooks
from standins.paypal.ids import now

bp = Blueprint("buyer", __name__)

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>PayPal stand-in: {{ title }}</title>
<style>body{font-family:sans-serif;max-width:28rem;margin:3rem auto}
label{display:block;margin:.6rem 0}
input{width:100%;padding:.4rem}button{margin:.8rem .4rem 0 0;padding:.5rem 1rem}</style></head>
<body><h1>PayPal (stand-in)</h1><p id="summary">{{ summary }}</p>
{% if error %}<p id="error" role="alert">{{ error }}</p>{% endif %}
{% if open %}<form method="post" id="approve-form">
<label>Sandbox buyer e-mail <input name="email" type="email" value="{{ email }}" required
 autocomplete="username"></label>
<label>Password (any)
 <input name="password" type="password" autocomplete="current-password"></label>
<button name="action" value="pay" id="pay">{{ pay_label }}</button>
<button name="action" value="cancel" id="cancel" formnovalidate>Cancel and return</button>
</form>{% endif %}
<p><small>Magic buyers: declined@buyer.example has its payment declined at capture;
any other address pays.</small></p></body></html>"""
APPROVABLE_ORDER = ("CREATED", "PAYER_ACTION_REQUIRED", "APPROVED")


def declines(email: str | None) -> bool:
    return (email or "").split("@")[0].lower() == "declined"


def payer_id(email: str) -> str:
    digest = hashlib.sha256(email.lower().encode()).hexdigest().upper()
    return "".join(ch for ch in digest if ch.isalnum())[:13]


def set_payer(order: dict, email: str, vault_id: str | None = None) -> None:
    name = {"given_name": "Sandbox", "surname": email.split("@")[0].title()}
    pid = payer_id(email)
    order["_buyer"] = email
    order["payer"] = {"email_address": email, "payer_id": pid, "name": name,
                      "address": {"country_code": "US"}}  # fmt: skip
    wallet = {"email_address": email, "account_id": pid, "account_status": "VERIFIED",
              "name": name, "address": {"country_code": "US"}}  # fmt: skip
    if vault_id:
        wallet["attributes"] = {"vault": {"id": vault_id, "status": "VAULTED"}}
    order["payment_source"] = {"paypal": wallet}


def _page(title, summary, *, open_=True, error=None, email="", pay_label="Pay", status=200):
    html = render_template_string(
        PAGE, title=title, summary=summary, open=open_, error=error, email=email,
        pay_label=pay_label,
    )  # fmt: skip
    return html, status


def _back(url: str | None, params: dict, message: str):
    if not url:
        return _page("Done", message, open_=False)
    joiner = "&" if "?" in url else "?"
    return redirect(url + joiner + urlencode(params), code=302)


def _order_summary(order: dict) -> str:
    unit = order["purchase_units"][0]
    amount = unit["amount"]
    return (
        f"Pay {amount['value']} {amount['currency_code']} to {unit['payee']['email_address']}"
        f" ({unit.get('description') or unit['reference_id']})"
    )


@bp.route("/checkoutnow", methods=["GET", "POST"])
def checkout():
    order = server.store().get("order", request.args.get("token", ""))
    if order is None:
        return _page("Not found", "This checkout link is not valid.", open_=False, status=404)
    summary = _order_summary(order)
    if order["status"] not in APPROVABLE_ORDER:
        return _page("Closed", f"{summary}: already {order['status'].lower()}.", open_=False)
    if request.method == "GET":
        return _page("Checkout", summary)
    token = {"token": order["id"]}
    if request.form.get("action") == "cancel":
        return _back(order.get("_cancel_url"), token, "Payment cancelled.")
    email = (request.form.get("email") or "").strip()
    if "@" not in email:
        return _page("Checkout", summary, error="Enter a sandbox buyer's e-mail.", status=400)
    with server.store().lock:
        set_payer(order, email)
        order.update(status="APPROVED", update_time=now())
        server.store().put("order", order["id"], order)
    webhooks.emit("CHECKOUT.ORDER.APPROVED", "checkout-order", _approved_resource(order))
    params = token | {"PayerID": order["payer"]["payer_id"]}
    return _back(order.get("_return_url"), params, "Payment approved.")


def _approved_resource(order: dict) -> dict:
    return {key: value for key, value in order.items() if not key.startswith("_")}


@bp.route("/agreements/approve", methods=["GET", "POST"])
def agreement():
    setup = server.store().get("setup_token", request.args.get("approval_session_id", ""))
    if setup is None:
        return _page("Not found", "This agreement link is not valid.", open_=False, status=404)
    summary = "Save PayPal for future payments to this merchant (a billing agreement)."
    if setup["status"] not in ("PAYER_ACTION_REQUIRED", "APPROVED"):
        return _page("Closed", "This agreement was already saved.", open_=False)
    if request.method == "GET":
        return _page("Agreement", summary, pay_label="Agree and continue")
    params = {"approval_token_id": setup["id"], "approval_session_id": setup["id"]}
    if request.form.get("action") == "cancel":
        return _back(setup["_cancel_url"], params, "Agreement cancelled.")
    email = (request.form.get("email") or "").strip()
    if "@" not in email:
        return _page("Agreement", summary, error="Enter a sandbox buyer's e-mail.", status=400)
    with server.store().lock:
        setup.update(status="APPROVED", _buyer=email, _payer_id=payer_id(email))
        server.store().put("setup_token", setup["id"], setup)
    return _back(setup["_return_url"], params, "Agreement approved.")
