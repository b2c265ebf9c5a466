"""Failed background jobs of the signed-in shop, with a Retry per job. Thin: jobs.failures."""

from __future__ import annotations

from flask import Blueprint, g

from blueprints._render import render
from blueprints.embedded import shop_required
from jobs import failures

bp = Blueprint("jobs_status", __name__, url_prefix="/jobs")


@bp.get("")
@shop_required
def index():
    return render("jobs/index.html", "jobs/_failed_jobs.html", page=failures.page(g.shop))


@bp.post("/<job_id>/retry")
@shop_required
def retry(job_id: str):
    page = failures.retry(g.shop, job_id)
    status = 404 if page.outcome is failures.RetryOutcome.NOT_FOUND else 200
    return render("jobs/index.html", "jobs/_failed_jobs.html", page=page), status


@bp.post("/webhooks/<int:receipt_id>/try-again")
@shop_required
def try_again_webhook(receipt_id: int):
    page = failures.try_again_set_aside(g.shop, receipt_id)
    status = 404 if page.outcome is failures.RetryOutcome.NOT_FOUND else 200
    return render("jobs/index.html", "jobs/_failed_jobs.html", page=page), status
