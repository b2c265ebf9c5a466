"""The mailbox stand-in (standins/mailbox) itself: a real SMTP server that keeps what it
receives, plays the faults Relay's outbox must survive, speaks STARTTLS and AUTH, and shows
its inbox to a person with everything escaped and nothing in a mail able to run."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

import httpx
import pytest

from standins.mailbox.server import Mailbox
from standins.mailbox.store import MessageStore
from tests.mail_services import free_port, running_mailbox


def _mail(to: str = "supplier@atelier.test", subject: str = "New order #1001") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Demo Retailer <relay@relay.test>"
    message["To"] = to
    message["Reply-To"] = "merchant@retailer.test"
    message["Subject"] = subject
    message["Message-ID"] = "<order-1001@relay.test>"
    message.set_content("Order #1001: 2 × LIN-01.\nOpen it: http://127.0.0.1:8000/portal/o/1\n")
    message.add_alternative("<p>Order <b>#1001</b>: 2 × LIN-01.</p>", subtype="html")
    return message


def _send(port: int, message: EmailMessage, to: list[str] | None = None) -> dict:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        return client.send_message(message, to_addrs=to)


def test_a_sent_message_arrives_with_both_parts(mailbox):
    """A message sent with smtplib is kept as sent: headers, plain-text and HTML parts."""
    _send(mailbox.port, _mail())

    [received] = mailbox.wait_for(1, to="supplier@atelier.test")
    assert received["Subject"] == "New order #1001"
    assert received["Reply-To"] == "merchant@retailer.test"
    assert received["Message-ID"] == "<order-1001@relay.test>"
    assert "2 × LIN-01" in received.get_body(("plain",)).get_content()
    assert "<b>#1001</b>" in received.get_body(("html",)).get_content()
    assert mailbox.messages(to="someone-else@atelier.test") == []
    assert mailbox.config() == {
        "SMTP_URL": f"smtp://127.0.0.1:{mailbox.port}",
        "SMTP_FROM": "relay@relay.test",
    }


def test_refusing_temporarily_answers_4xx_until_accepting_again(mailbox):
    """refuse_temporarily(): every recipient gets 451 4.3.0 and nothing is kept; accept()
    takes mail again."""
    mailbox.refuse_temporarily()
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        _send(mailbox.port, _mail())
    code, text = refused.value.recipients["supplier@atelier.test"]
    assert code == 451 and b"try again later" in text
    assert mailbox.messages() == []

    mailbox.accept()
    _send(mailbox.port, _mail())
    assert len(mailbox.wait_for(1)) == 1


def test_refusing_a_recipient_answers_550_for_it_only(mailbox):
    """refuse_recipients(a): a gets 550 5.1.1, the other recipient of the same mail gets it."""
    mailbox.refuse_recipients("Gone@Atelier.test")

    refused = _send(mailbox.port, _mail(), to=["gone@atelier.test", "here@atelier.test"])

    assert refused == {"gone@atelier.test": (550, b"5.1.1 no such user")}
    [received] = mailbox.wait_for(1)
    assert mailbox.messages(to="here@atelier.test")[0]["Subject"] == received["Subject"]
    assert mailbox.messages(to="gone@atelier.test") == []
    with pytest.raises(smtplib.SMTPRecipientsRefused) as only_refused:
        _send(mailbox.port, _mail(), to=["gone@atelier.test"])
    assert only_refused.value.recipients["gone@atelier.test"][0] == 550


def test_down_refuses_connections_and_up_listens_again_on_the_same_port(mailbox):
    """go_down(): connection refused; come_up(): the same port takes mail again."""
    port = mailbox.port
    mailbox.go_down()
    with pytest.raises(ConnectionRefusedError):
        _send(port, _mail())

    mailbox.come_up()
    _send(port, _mail())
    assert mailbox.port == port
    assert len(mailbox.wait_for(1)) == 1


def test_starttls_and_auth():
    """With TLS and a user: STARTTLS is required, AUTH works over it with the right password
    and is refused (535) with a wrong one."""
    with running_mailbox(tls="starttls", user="relay", password="s3cret-pass") as tls_box:
        trusted = ssl.create_default_context(cadata=tls_box.server.certificate_pem.decode())
        assert tls_box.config()["SMTP_URL"] == (
            f"smtp://relay:s3cret-pass@127.0.0.1:{tls_box.port}?starttls=true"
        )
        with pytest.raises(smtplib.SMTPSenderRefused) as plain:
            _send(tls_box.port, _mail())
        assert plain.value.smtp_code == 530

        with smtplib.SMTP("127.0.0.1", tls_box.port, timeout=10) as client:
            client.starttls(context=trusted)
            with pytest.raises(smtplib.SMTPAuthenticationError) as wrong:
                client.login("relay", "wrong-password")
            assert wrong.value.smtp_code == 535

        with smtplib.SMTP("127.0.0.1", tls_box.port, timeout=10) as client:
            client.starttls(context=trusted)
            client.login("relay", "s3cret-pass")
            client.send_message(_mail())
        assert [m["Subject"] for m in tls_box.wait_for(1)] == ["New order #1001"]


def test_implicit_tls_with_auth():
    """tls="implicit": TLS from the first byte (smtps), AUTH inside it."""
    with running_mailbox(tls="implicit", user="relay", password="s3cret-pass") as box:
        trusted = ssl.create_default_context(cadata=box.server.certificate_pem.decode())
        assert box.smtp_url.startswith("smtps://relay:s3cret-pass@127.0.0.1:")
        with smtplib.SMTP_SSL("127.0.0.1", box.port, timeout=10, context=trusted) as client:
            client.login("relay", "s3cret-pass")
            client.send_message(_mail())
        assert len(box.wait_for(1)) == 1


def test_the_store_keeps_messages_across_a_restart(tmp_path):
    """With a store directory, a new server on the same directory shows what the last one got
    (ids go on after the last)."""
    port = free_port()
    first = Mailbox(port=port, store=MessageStore(tmp_path)).start()
    try:
        _send(port, _mail())
    finally:
        first.stop()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["000001.eml", "000001.json"]

    again = MessageStore(tmp_path)
    [kept] = again.all()
    assert kept.rcpt_tos == ("supplier@atelier.test",)
    assert kept.parsed()["Subject"] == "New order #1001"
    assert again.add("a@b.test", ["c@d.test"], b"Subject: x\r\n\r\ny\r\n").id == 2
    again.clear()
    assert list(tmp_path.iterdir()) == []


def test_the_web_inbox_lists_and_shows_a_message_escaped_and_sandboxed(mailbox):
    """The inbox lists the message newest first and filters by recipient; the message page
    shows a <script> in the subject as text and the HTML part only in a sandboxed srcdoc
    iframe without allow-scripts."""
    _send(mailbox.port, _mail(to="first@atelier.test", subject="First"))
    hostile = _mail(subject="<script>alert(1)</script> Order")
    hostile.get_body(("html",)).set_content(
        '<p onclick="x()">Hi</p><script>alert(2)</script>"&', subtype="html"
    )
    _send(mailbox.port, hostile)
    mailbox.wait_for(2)

    with httpx.Client(base_url=mailbox.web_url, timeout=10) as web:
        inbox = web.get("/")
        assert inbox.status_code == 200
        assert "<script>alert(1)" not in inbox.text
        assert inbox.text.index("&lt;script&gt;alert(1)") < inbox.text.index("First")
        assert "default-src 'none'" in inbox.headers["content-security-policy"]
        filtered = web.get("/", params={"to": "first@atelier.test"}).text
        assert "First" in filtered and "alert(1)" not in filtered

        [listed] = web.get("/_mailbox/messages", params={"to": "supplier@atelier.test"}).json()
        page = web.get(f"/messages/{listed['id']}").text
        assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt; Order</h1>" in page
        assert "<script>" not in page and 'onclick="' not in page
        assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in page
        assert "allow-scripts" not in page
        assert 'srcdoc="&lt;base target=&quot;_blank&quot;&gt;&lt;p onclick=&quot;x()' in page
        assert "merchant@retailer.test" in page and "&lt;order-1001@relay.test&gt;" in page
        raw = web.get(f"/messages/{listed['id']}.eml")
        assert raw.headers["content-type"] == "message/rfc822"
        assert b"Subject: <script>alert(1)</script> Order" in raw.content

        assert web.post("/delete-all").status_code == 303
    assert mailbox.messages() == []


def test_the_json_api_and_control_over_http(mailbox):
    """GET /_mailbox/messages gives each message's fields; POST /_mailbox/control plays the
    faults for a process that cannot call the class (the development instance)."""
    with httpx.Client(base_url=mailbox.web_url, timeout=10) as web:
        _send(mailbox.port, _mail())
        mailbox.wait_for(1)
        [data] = web.get("/_mailbox/messages").json()
        assert data["from"] == "Demo Retailer <relay@relay.test>"
        assert data["to"] == "supplier@atelier.test"
        assert data["subject"] == "New order #1001"
        assert data["message_id"] == "<order-1001@relay.test>"
        assert "2 × LIN-01" in data["text"] and "<b>#1001</b>" in data["html"]
        assert ["Reply-To", "merchant@retailer.test"] in data["headers"]

        web.post("/_mailbox/control", json={"action": "down"}).raise_for_status()
        assert web.get("/_mailbox/health").json()["smtp"] == "down"
        with pytest.raises(ConnectionRefusedError):
            _send(mailbox.port, _mail())
        web.post("/_mailbox/control", json={"action": "up"}).raise_for_status()
        state = web.post(
            "/_mailbox/control", json={"action": "refuse_recipients", "addresses": ["x@y.test"]}
        ).json()
        assert state["smtp"] == "up" and state["refused_recipients"] == ["x@y.test"]
        assert web.post("/_mailbox/control", json={"action": "explode"}).status_code == 400
        assert web.post("/_mailbox/control", content=b"not json").status_code == 400
        bad = {"action": "refuse_recipients", "addresses": "x@y.test"}
        assert web.post("/_mailbox/control", json=bad).status_code == 400
        assert web.get("/messages/999").status_code == 404
        web.post("/_mailbox/control", json={"action": "clear"}).raise_for_status()
    assert mailbox.messages() == []
