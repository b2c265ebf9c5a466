"""Relay for bench/web_vitals.py, with the baseline beside it: a static page (Relay's
stylesheet, a heading and a 50-row table, one button) served by the same gunicorn, so both
pages reach chromium through the same server and the same admin frame."""

from flask import Response

from app import create_app

ROWS = "".join(
    f"<tr><td><a href='#'>#{1000 + i}</a></td><td>Anna Kovács</td><td class='num'>€{i}.90</td>"
    f"<td><span class='badge'>Requested</span></td></tr>"
    for i in range(50)
)
BASELINE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Baseline</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body><main id="baseline"><header class="page-header"><h1>Orders</h1>
<p class="subdued">A static page: the same stylesheet, a table of 50 rows.</p>
<button id="baseline-toggle" onclick="this.classList.toggle('primary')">Toggle</button></header>
<section class="card flush"><table class="grid"><tbody>{ROWS}</tbody></table></section>
</main></body></html>"""


def create():
    app = create_app()

    @app.get("/_bench/baseline/")
    def baseline():
        return Response(BASELINE, mimetype="text/html")

    return app
