"""The baseline for bench/webhook_intake.py: a Flask endpoint that answers 200 and does
nothing, served by the same gunicorn configuration as Relay."""

from flask import Flask

app = Flask(__name__)


@app.post("/webhooks")
def webhooks():
    return "", 200
