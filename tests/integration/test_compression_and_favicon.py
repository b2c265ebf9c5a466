"""Issue 17: pages, styles and scripts travel gzip-compressed to a browser that accepts it
(and as they are to one that does not), and the favicon browsers ask for on their own is
there, linked from the admin's and the portal's pages."""

import gzip

import httpx


def fetch(relay_server, path, token=None, encoding="gzip, deflate, br"):
    headers = {"Accept-Encoding": encoding}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    # A raw stream: the bytes as they came over the wire, not decoded by httpx.
    with httpx.stream("GET", f"{relay_server.url}{path}", headers=headers, timeout=30) as r:
        return r, b"".join(r.iter_raw())


def test_the_grid_page_is_sent_gzip_compressed(relay_server, installed_shop, id_token):
    response, raw = fetch(relay_server, "/orders", id_token(installed_shop))
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["vary"]
    html = gzip.decompress(raw).decode()
    assert 'id="orders-grid"' in html or "<table" in html
    assert int(response.headers["content-length"]) == len(raw) < len(html.encode())
    assert 'rel="icon"' in html and "favicon.svg" in html


def test_a_client_that_does_not_accept_gzip_gets_plain_html(relay_server, installed_shop, id_token):
    response, raw = fetch(relay_server, "/orders", id_token(installed_shop), "identity")
    assert response.status_code == 200 and "content-encoding" not in response.headers
    assert b"<html" in raw


def test_styles_and_scripts_are_compressed(relay_server):
    for path in ("/static/app.css", "/static/app.js"):
        response, raw = fetch(relay_server, path)
        assert response.status_code == 200 and response.headers["content-encoding"] == "gzip"
        assert len(gzip.decompress(raw)) > len(raw)


def test_favicon_ico_leads_to_the_svg_icon(relay_server):
    response = httpx.get(f"{relay_server.url}/favicon.ico", follow_redirects=True, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text.startswith("<svg")
