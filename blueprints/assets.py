"""What every browser asks for besides the pages: the favicon (/favicon.ico, which browsers
request on their own), and responses compressed when the browser accepts gzip (issue 17:
Lighthouse counted 119 KiB to save on the grid page)."""

from __future__ import annotations

import gzip

from flask import Blueprint, redirect, request, url_for

bp = Blueprint("assets", __name__)

COMPRESSED_TYPES = frozenset(
    (
        "text/html",
        "text/css",
        "text/plain",
        "text/csv",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
    )
)
MIN_SIZE = 500  # below a packet, gzip's header costs more than it saves
LEVEL = 6  # zlib's default: most of the saving for a fraction of level 9's time


@bp.get("/favicon.ico")
def favicon():
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.after_app_request
def compress(response):
    """gzip for text a browser accepts gzip for; everything else passes as it is."""
    if (
        response.status_code != 200
        or response.mimetype not in COMPRESSED_TYPES
        or (response.is_streamed and not response.direct_passthrough)  # a file is read whole
        or "Content-Encoding" in response.headers
        or not request.accept_encodings["gzip"]
    ):
        return response
    response.direct_passthrough = False  # static files: read the file to compress it
    data = response.get_data()
    response.vary.add("Accept-Encoding")
    if len(data) < MIN_SIZE:
        return response
    response.set_data(gzip.compress(data, compresslevel=LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag:  # the compressed bytes are another representation: another validator
        response.set_etag(f"{etag}-gzip", weak=weak)
    return response
