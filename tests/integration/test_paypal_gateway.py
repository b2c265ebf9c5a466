"""integrations/paypal_api through the official paypal-server-sdk, over real HTTP, against the
PayPal stand-in (standins/paypal): checkout orders approved, abandoned and declined, captures,
PayPal-Request-Id replays, vaulted agreements, refunds, currencies, payees, the stand-in down,
and webhook verification."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import integrations.paypal_api as paypal
from tests.payment_services import PAYPAL_SUPPLIER, PAYPAL_WEBHOOK_ID, start_paypal_standin

pytestmark = pytest.mark.integration
RETURN_URL = "http://relay.test/payments/paypal/return"
CANCEL_URL = "http://relay.test/payments/paypal/cancel"


@pytest.fixture
def ctx(app, paypal_webhooks):
    """Relay's app context, and a stand-in with no orders or deliveries from other tests."""
    paypal_webhooks.store.reset()
    with app.app_context():
        yield paypal_webhooks


def _order(
    request_id="create-1", amount="12.50", currency="EUR", payee=PAYPAL_SUPPLIER, ref="so-1"
):
    return paypal.create_order(
        payee_email=payee, amount=Decimal(amount), currency=currency, reference_id=ref,
        description="Supplier order #1001", return_url=RETURN_URL, cancel_url=CANCEL_URL,
        request_id=request_id,
    )  # fmt: skip


def _approve(url: str, buyer: str = "buyer@buyer.example", action: str = "pay") -> dict:
    """Drive the approval page as a person: open it, log in, click Pay (or Cancel)."""
    page = httpx.get(url)
    assert page.status_code == 200 and 'id="pay"' in page.text
    answer = httpx.post(url, data={"email": buyer, "password": "x", "action": action})
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    return {"to": f"{location.scheme}://{location.netloc}{location.path}"} | {
        key: values[0] for key, values in parse_qs(location.query).items()
    }


def test_a_buyer_approves_and_the_capture_moves_the_money(ctx):
    """Create -> the buyer pays on the approval page -> back to return_url with token and
    PayerID -> capture: the order is COMPLETED with a COMPLETED capture of the full amount."""
    order = _order()
    assert order.status == "PAYER_ACTION_REQUIRED" and order.approve_url
    assert (order.amount, order.currency, order.payee_email) == (
        Decimal("12.50"),
        "EUR",
        PAYPAL_SUPPLIER,
    )
    back = _approve(order.approve_url)
    assert back["to"] == RETURN_URL and back["token"] == order.id and back["PayerID"]
    assert paypal.get_order(order.id).status == "APPROVED"
    captured = paypal.capture_order(order.id, request_id="capture-1")
    assert (captured.status, captured.capture_status, captured.failure_issue) == (
        "COMPLETED",
        "COMPLETED",
        None,
    )
    capture = paypal.get_capture(captured.capture_id)
    assert (capture.amount, capture.currency, capture.order_id) == (
        Decimal("12.50"),
        "EUR",
        order.id,
    )
    assert capture.refunded == 0


def test_an_abandoned_approval_is_refused_at_capture(ctx):
    """The buyer clicks "Cancel and return" (or never comes back): cancel_url gets the token,
    and capturing is refused with ORDER_NOT_APPROVED; no capture exists."""
    order = _order()
    back = _approve(order.approve_url, action="cancel")
    assert back["to"] == CANCEL_URL and back["token"] == order.id
    with pytest.raises(paypal.PayPalRefused) as refused:
        paypal.capture_order(order.id, request_id="capture-1")
    assert (refused.value.issue, refused.value.status) == ("ORDER_NOT_APPROVED", 422)
    assert paypal.get_order(order.id).capture_id is None


def test_a_declined_buyer_comes_back_as_a_failure_not_an_exception(ctx):
    """declined@buyer.example approves, but the capture is declined: capture_order answers
    the order, still APPROVED, with failure_issue INSTRUMENT_DECLINED and no capture."""
    order = _order()
    _approve(order.approve_url, buyer="declined@buyer.example")
    result = paypal.capture_order(order.id, request_id="capture-1")
    assert (result.status, result.failure_issue, result.capture_id) == (
        "APPROVED",
        "INSTRUMENT_DECLINED",
        None,
    )


def test_capturing_twice_replays_with_the_same_request_id_and_is_refused_with_another(ctx):
    """The same PayPal-Request-Id (a double click, a retried job) gets the first capture again;
    a new id is refused with ORDER_ALREADY_CAPTURED. One capture either way."""
    order = _order()
    _approve(order.approve_url)
    first = paypal.capture_order(order.id, request_id="capture-1")
    again = paypal.capture_order(order.id, request_id="capture-1")
    assert again.capture_id == first.capture_id
    with pytest.raises(paypal.PayPalRefused) as refused:
        paypal.capture_order(order.id, request_id="capture-2")
    assert refused.value.issue == "ORDER_ALREADY_CAPTURED"
    assert len(ctx.store.all("capture")) == 1


def test_creating_with_the_same_request_id_replays_the_first_order(ctx):
    """Two tabs creating with one request id get one order; another id makes another."""
    assert _order("create-1").id == _order("create-1").id
    assert _order("create-2").id != _order("create-1").id
    assert len(ctx.store.all("order")) == 2


def _vault(buyer: str) -> paypal.VaultToken:
    setup = paypal.create_vault_setup(
        return_url=RETURN_URL, cancel_url=CANCEL_URL, request_id="setup-1"
    )
    assert setup.status == "PAYER_ACTION_REQUIRED" and setup.approve_url
    back = _approve(setup.approve_url, buyer=buyer)
    assert back["to"] == RETURN_URL and back["approval_token_id"] == setup.id
    return paypal.create_vault_token(setup.id, request_id="token-1")


def _charge(token: paypal.VaultToken, request_id="charge-1", amount="30.00"):
    return paypal.charge_vaulted(
        vault_id=token.id, payee_email=PAYPAL_SUPPLIER, amount=Decimal(amount), currency="EUR",
        reference_id="so-7", description="automatic", request_id=request_id,
    )  # fmt: skip


def test_a_saved_agreement_is_charged_without_the_buyer_once_per_request_id(ctx):
    """Setup token approved by the merchant -> payment token -> charge_vaulted: COMPLETED at
    once with a capture; the same request id again is the same charge (no second capture)."""
    token = _vault("merchant@retailer.example")
    assert token.payer_email == "merchant@retailer.example"
    charged = _charge(token)
    assert (charged.status, charged.capture_status, charged.failure_issue) == (
        "COMPLETED",
        "COMPLETED",
        None,
    )
    assert _charge(token).capture_id == charged.capture_id
    assert len(ctx.store.all("capture")) == 1


def test_a_saved_agreement_of_a_declined_buyer_fails_with_the_reason(ctx):
    """A vaulted charge that PayPal declines: failure_issue INSTRUMENT_DECLINED, no money."""
    charged = _charge(_vault("declined@buyer.example"))
    assert (charged.capture_status, charged.failure_issue) == ("DECLINED", "INSTRUMENT_DECLINED")


def test_a_setup_token_not_yet_approved_makes_no_payment_token(ctx):
    setup = paypal.create_vault_setup(
        return_url=RETURN_URL, cancel_url=CANCEL_URL, request_id="setup-1"
    )
    with pytest.raises(paypal.PayPalRefused) as refused:
        paypal.create_vault_token(setup.id, request_id="token-1")
    assert refused.value.issue == "SETUP_TOKEN_NOT_APPROVED"


def _captured(amount="12.50", currency="EUR") -> str:
    order = _order(amount=amount, currency=currency)
    _approve(order.approve_url)
    return paypal.capture_order(order.id, request_id="capture-1").capture_id


def test_refunds_add_up_to_the_capture_and_never_beyond(ctx):
    """2.50 of 12.50 back (replayed once: still 2.50), 10.01 more is REFUND_AMOUNT_EXCEEDED,
    the remaining 10.00 makes the capture REFUNDED with 12.50 refunded."""
    capture_id = _captured()
    first = paypal.refund_capture(
        capture_id, amount=Decimal("2.50"), currency="EUR", request_id="refund-1", note="1 beanie"
    )
    replay = paypal.refund_capture(
        capture_id, amount=Decimal("2.50"), currency="EUR", request_id="refund-1", note="1 beanie"
    )
    assert replay.id == first.id and first.capture_id == capture_id
    state = paypal.get_capture(capture_id)
    assert (state.status, state.refunded) == ("PARTIALLY_REFUNDED", Decimal("2.50"))
    with pytest.raises(paypal.PayPalRefused) as refused:
        paypal.refund_capture(
            capture_id, amount=Decimal("10.01"), currency="EUR", request_id="refund-2", note=None
        )
    assert (refused.value.issue, refused.value.status) == ("REFUND_AMOUNT_EXCEEDED", 422)
    paypal.refund_capture(
        capture_id, amount=Decimal("10.00"), currency="EUR", request_id="refund-3", note=None
    )
    state = paypal.get_capture(capture_id)
    assert (state.status, state.refunded) == ("REFUNDED", Decimal("12.50"))
    assert paypal.get_refund(first.id).amount == Decimal("2.50")


def test_amount_strings_have_the_currencys_decimals():
    """EUR two decimals, JPY none (1500.5 JPY is refused before PayPal, never rounded)."""
    assert paypal.amount_string(Decimal("12.5"), "EUR") == "12.50"
    assert paypal.amount_string(Decimal("1500"), "JPY") == "1500"
    assert paypal.amount_string(Decimal("1.250"), "KWD") == "1.250"
    for amount, currency in (("1500.5", "JPY"), ("12.505", "EUR"), ("0", "EUR")):
        with pytest.raises(ValueError):
            paypal.amount_string(Decimal(amount), currency)
    assert "JPY" in paypal.SUPPORTED_CURRENCIES and "KWD" not in paypal.SUPPORTED_CURRENCIES


def test_a_yen_payment_and_its_refund_have_no_decimals(ctx):
    capture_id = _captured(amount="1500", currency="JPY")
    refund = paypal.refund_capture(
        capture_id, amount=Decimal("500"), currency="JPY", request_id="refund-1", note=None
    )
    assert (refund.amount, refund.currency) == (Decimal("500"), "JPY")
    assert paypal.get_capture(capture_id).refunded == Decimal("500")


def test_a_currency_paypal_does_not_take_is_refused_by_name(ctx):
    with pytest.raises(paypal.PayPalRefused) as refused:
        _order(amount="1.250", currency="KWD")
    assert (refused.value.issue, refused.value.status) == ("CURRENCY_NOT_SUPPORTED", 422)


def test_an_invoice_id_is_paid_once_per_payee(ctx):
    """Two orders carrying one invoice id: the second capture is DUPLICATE_INVOICE_ID."""
    orders = []
    for n in (1, 2):
        order = paypal.create_order(
            payee_email=PAYPAL_SUPPLIER, amount=Decimal("5.00"), currency="EUR",
            reference_id="so-9", description="twice", return_url=RETURN_URL,
            cancel_url=CANCEL_URL, request_id=f"create-{n}", invoice_id="relay-payment-9",
        )  # fmt: skip
        _approve(order.approve_url)
        orders.append(order)
    assert paypal.capture_order(orders[0].id, request_id="capture-1").capture_status == "COMPLETED"
    with pytest.raises(paypal.PayPalRefused) as refused:
        paypal.capture_order(orders[1].id, request_id="capture-2")
    assert refused.value.issue == "DUPLICATE_INVOICE_ID"


def test_the_approval_page_shows_the_order_as_text(ctx):
    """A description with markup is shown escaped on the buyer's page, never run."""
    order = paypal.create_order(
        payee_email=PAYPAL_SUPPLIER, amount=Decimal("5.00"), currency="EUR", reference_id="so-3",
        description="<script>alert(1)</script>", return_url=RETURN_URL, cancel_url=CANCEL_URL,
        request_id="create-1",
    )  # fmt: skip
    page = httpx.get(order.approve_url).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_an_order_paypal_does_not_know_is_resource_not_found(ctx):
    with pytest.raises(paypal.PayPalRefused) as refused:
        paypal.get_order("0NOSUCHORDER0000")
    assert (refused.value.status, refused.value.name) == (404, "RESOURCE_NOT_FOUND")
    assert refused.value.issue == "INVALID_RESOURCE_ID"


def test_an_unknown_payee_is_refused(ctx):
    with pytest.raises(paypal.PayPalRefused) as refused:
        _order(payee="nobody@unknown-supplier.example")
    assert refused.value.issue == "PAYEE_ACCOUNT_INVALID"


def test_paypal_down_is_unavailable_and_wrong_credentials_are_refused(app, monkeypatch):
    """A stand-in that stops between two calls: PayPalUnavailable (retry later), never a
    crash; a client secret PayPal does not know: PayPalRefused invalid_client."""
    standin = start_paypal_standin()
    with app.app_context():
        monkeypatch.setitem(app.config, "PAYPAL_API_BASE", standin.url)
        order = _order()
        standin.stop()
        standin.server.server_close()
        with pytest.raises(paypal.PayPalUnavailable):
            paypal.get_order(order.id)
        with pytest.raises(paypal.PayPalUnavailable):
            paypal.capture_order(order.id, request_id="capture-1")
    other = start_paypal_standin()
    try:
        with app.app_context():
            monkeypatch.setitem(app.config, "PAYPAL_API_BASE", other.url)
            monkeypatch.setitem(app.config, "PAYPAL_CLIENT_SECRET", "not-the-secret")
            with pytest.raises(paypal.PayPalRefused) as refused:
                _order()
            assert (refused.value.issue, refused.value.status) == ("invalid_client", 401)
    finally:
        other.stop()


def _deliveries(standin, event_type: str) -> list[dict]:
    found = []
    for delivery in standin.store.deliveries():
        if json.loads(delivery["body"])["event_type"] == event_type:
            found.append(delivery)
    return found


def test_a_signed_event_verifies_and_a_forged_or_replayed_one_does_not(ctx):
    """The PAYMENT.CAPTURE.COMPLETED the stand-in sent to Relay's webhook verifies through
    PayPal's verify-webhook-signature; the same headers with an altered body, with another
    event's body (a replay), or without the signature headers raise InvalidPayPalSignature."""
    capture_id = _captured()
    sent = _deliveries(ctx, "PAYMENT.CAPTURE.COMPLETED")[0]
    assert sent["webhook_id"] == PAYPAL_WEBHOOK_ID and sent["url"].endswith("/webhooks/paypal")
    event = paypal.verify_event(sent["headers"], sent["body"].encode())
    assert (event.event_type, event.resource_type, event.capture_id) == (
        "PAYMENT.CAPTURE.COMPLETED",
        "capture",
        capture_id,
    )
    assert event.order_id == paypal.get_capture(capture_id).order_id
    altered = sent["body"].replace('"12.50"', '"1250.00"').encode()
    approved = _deliveries(ctx, "CHECKOUT.ORDER.APPROVED")[0]
    lowercase = {key.lower(): value for key, value in sent["headers"].items()}
    assert paypal.verify_event(lowercase, sent["body"].encode()).id == event.id
    for headers, body in (
        (sent["headers"], altered),
        (sent["headers"], approved["body"].encode()),
        ({"Content-Type": "application/json"}, sent["body"].encode()),
        (
            sent["headers"]
            | {"PAYPAL-TRANSMISSION-SIG": approved["headers"]["PAYPAL-TRANSMISSION-SIG"]},
            sent["body"].encode(),
        ),
    ):
        with pytest.raises(paypal.InvalidPayPalSignature):
            paypal.verify_event(headers, body)


def test_an_event_signed_for_another_webhook_does_not_verify(ctx, app, monkeypatch):
    _captured()
    sent = _deliveries(ctx, "PAYMENT.CAPTURE.COMPLETED")[0]
    monkeypatch.setitem(app.config, "PAYPAL_WEBHOOK_ID", "WH-SOMEONEELSE")
    with pytest.raises(paypal.InvalidPayPalSignature):
        paypal.verify_event(sent["headers"], sent["body"].encode())


def test_a_refund_event_names_its_capture(ctx):
    capture_id = _captured()
    paypal.refund_capture(
        capture_id, amount=Decimal("1.00"), currency="EUR", request_id="refund-1", note=None
    )
    sent = _deliveries(ctx, "PAYMENT.CAPTURE.REFUNDED")[0]
    event = paypal.verify_event(sent["headers"], sent["body"].encode())
    assert (event.resource_type, event.capture_id) == ("refund", capture_id)
