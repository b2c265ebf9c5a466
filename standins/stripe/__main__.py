"""python -m standins.stripe serve --port 8766"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from aiohttp import web


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m standins.stripe")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the Stripe stand-in (localstripe + Connect)")
    serve.add_argument("--port", type=int, default=8766)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument(
        "--state", type=Path, help="keep the objects in this file across restarts (dev.sh)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    from standins.stripe.server import create_app

    print(f"Stripe stand-in on http://{args.host}:{args.port}", flush=True)
    web.run_app(create_app(args.state), host=args.host, port=args.port, print=None)
    return 0


raise SystemExit(main())
