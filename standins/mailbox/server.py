"""The SMTP side: an aiosmtpd server that keeps what it receives, with faults to play.

`Mailbox` is the whole stand-in for Python code (tests run it in process): start/stop, the
received messages (`store`), and the faults: `accept()` (the default), `refuse_temporarily()`
(every RCPT and DATA answered `451 4.3.0 try again later`), `refuse_recipients(*addresses)`
(`550 5.1.1 no such user` for those), `go_down()` (the listener closed: connection refused)
and `come_up()` (listening again on the same port).
"""

from __future__ import annotations

import datetime
import hmac
import ipaddress
import logging
import ssl
import tempfile
import threading
import warnings
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from standins.mailbox.store import MessageStore

TEMPORARY = "451 4.3.0 try again later"
NO_SUCH_USER = "550 5.1.1 no such user"
TLS_MODES = (None, "starttls", "implicit")
# aiosmtpd warns about its own deprecated `login_data` on every AUTH: noise here.
logging.getLogger("mail.log").setLevel(logging.ERROR)


class _Handler:
    """aiosmtpd's hooks: answer RCPT and DATA as the mailbox's current faults say."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.mailbox.refusal_for(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.mailbox.temporarily_refusing:
            return TEMPORARY
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        stored = self.mailbox.store.add(envelope.mail_from or "", envelope.rcpt_tos, raw)
        return f"250 2.0.0 OK queued as {stored.id}"


class _Controller(Controller):
    def factory(self):
        # Implicit TLS: AUTH is inside TLS, but aiosmtpd only counts STARTTLS and warns.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
            return super().factory()


class Mailbox:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 8769,
        store: MessageStore | None = None,
        user: str | None = None,
        password: str | None = None,
        tls: str | None = None,
    ) -> None:
        if tls not in TLS_MODES:
            raise ValueError(f"tls must be one of {TLS_MODES}")
        if (user is None) != (password is None):
            raise ValueError("give both user and password, or neither")
        self.host = host
        self.port = port
        self.store = store or MessageStore()
        self.user = user
        self.password = password
        self.tls = tls
        self.certificate_pem: bytes | None = None
        self._ssl_context = _self_signed_context(self, host) if tls else None
        self._lock = threading.Lock()
        self._controller: Controller | None = None
        self.temporarily_refusing = False
        self.refused_recipients: frozenset[str] = frozenset()

    # --- the listener ---
    @property
    def is_up(self) -> bool:
        return self._controller is not None

    def start(self) -> Mailbox:
        self.come_up()
        return self

    def stop(self) -> None:
        self.go_down()

    def come_up(self) -> None:
        """Listen (again) on the same host and port; nothing if already up."""
        with self._lock:
            if self._controller is None:
                controller = self._new_controller()
                controller.start()
                self._controller = controller

    def go_down(self) -> None:
        """Close the listener and every open session: new connections are refused."""
        with self._lock:
            if self._controller is not None:
                self._controller.stop()
                self._controller = None

    def _new_controller(self) -> _Controller:
        smtp_options: dict = {"server_hostname": "mailbox.relay.test", "ident": "Relay mailbox"}
        if self.tls == "starttls":
            smtp_options.update(tls_context=self._ssl_context, require_starttls=True)
        if self.user is not None:
            smtp_options.update(
                authenticator=self._authenticate,
                auth_required=True,
                # STARTTLS: AUTH only once in TLS; implicit TLS is TLS from the first byte.
                auth_require_tls=self.tls == "starttls",
            )
        return _Controller(
            _Handler(self),
            hostname=self.host,
            port=self.port,
            ssl_context=self._ssl_context if self.tls == "implicit" else None,
            **smtp_options,
        )

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = hmac.compare_digest(auth_data.login, (self.user or "").encode()) and (
            hmac.compare_digest(auth_data.password, (self.password or "").encode())
        )
        return AuthResult(success=ok, handled=False)

    # --- the faults ---
    def accept(self) -> None:
        """Take every mail again (no temporary refusal, no refused recipients)."""
        self.temporarily_refusing = False
        self.refused_recipients = frozenset()

    def refuse_temporarily(self) -> None:
        """Answer every RCPT and DATA `451 4.3.0 try again later` until accept()."""
        self.temporarily_refusing = True

    def refuse_recipients(self, *addresses: str) -> None:
        """Answer RCPT for these addresses (case-insensitive, added to those already refused)
        `550 5.1.1 no such user`; other recipients are still taken."""
        self.refused_recipients = self.refused_recipients | {a.strip().lower() for a in addresses}

    def refusal_for(self, address: str) -> str | None:
        if self.temporarily_refusing:
            return TEMPORARY
        if address.strip().lower() in self.refused_recipients:
            return NO_SUCH_USER
        return None

    def state(self) -> dict:
        return {
            "smtp": "up" if self.is_up else "down",
            "host": self.host,
            "port": self.port,
            "tls": self.tls,
            "auth": self.user is not None,
            "refusing_temporarily": self.temporarily_refusing,
            "refused_recipients": sorted(self.refused_recipients),
            "messages": len(self.store.all()),
        }


def _self_signed_context(mailbox: Mailbox, host: str) -> ssl.SSLContext:
    """A server context with a certificate made now for localhost and `host` (ECDSA P-256,
    valid a day); its PEM is kept on the mailbox so a client may trust exactly it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailbox.relay.test")])
    names: list[x509.GeneralName] = [x509.DNSName("localhost"), x509.DNSName("mailbox.relay.test")]
    for ip in {"127.0.0.1", host}:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(ip)))
        except ValueError:
            names.append(x509.DNSName(ip))
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    mailbox.certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory() as directory:  # load_cert_chain reads files only
        cert_path, key_path = Path(directory, "cert.pem"), Path(directory, "key.pem")
        cert_path.write_bytes(mailbox.certificate_pem)
        key_path.write_bytes(key_pem)
        context.load_cert_chain(cert_path, key_path)
    return context
