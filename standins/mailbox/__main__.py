"""python -m standins.mailbox serve --smtp-port 8769 --web-port 8770 [--store DIR]
    [--user USER --password PASSWORD] [--tls | --implicit-tls]

An SMTP server keeping every message it receives (as .eml files under --store too, so a
restart keeps the inbox) and a web inbox on --web-port. MAILBOX_PASSWORD in the environment
may give the password instead of the command line."""

from __future__ import annotations

import argparse
import os

from werkzeug.serving import run_simple

from standins.mailbox.server import Mailbox
from standins.mailbox.store import MessageStore
from standins.mailbox.web import create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m standins.mailbox")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the SMTP server and the web inbox")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--smtp-port", type=int, default=8769)
    serve.add_argument("--web-port", type=int, default=8770)
    serve.add_argument("--store", help="keep messages as .eml files in this directory")
    serve.add_argument("--user", help="require SMTP AUTH (PLAIN/LOGIN) with this user")
    serve.add_argument("--password", default=os.environ.get("MAILBOX_PASSWORD"))
    tls = serve.add_mutually_exclusive_group()
    tls.add_argument("--tls", action="store_true", help="STARTTLS (required), self-signed")
    tls.add_argument("--implicit-tls", action="store_true", help="TLS from the first byte")
    args = parser.parse_args(argv)
    if (args.user is None) != (args.password is None):
        parser.error("--user and --password (or MAILBOX_PASSWORD) go together")
    mailbox = Mailbox(
        host=args.host,
        port=args.smtp_port,
        store=MessageStore(args.store),
        user=args.user,
        password=args.password,
        tls="starttls" if args.tls else "implicit" if args.implicit_tls else None,
    )
    mailbox.start()
    try:
        run_simple(args.host, args.web_port, create_app(mailbox), threaded=True)
    finally:
        mailbox.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
