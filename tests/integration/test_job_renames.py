"""Jobs waiting in Redis under the dotted paths they had before issue 13 moved their functions
into the domain still run: a starting worker points them at their new home (jobs/renamed.py).
Without it a forward scheduled for the end of its hold window, or a shop's next sweep, would
fail to import after a deploy and the sweep chain would break."""

from datetime import timedelta

from rq.job import Job, JobStatus

from background import SYNC, queues
from domain import sweep
from domain.fulfillment import recovery
from extensions import redis_connection
from jobs import renamed

NO_SUCH_SHOP = 2_000_000_000


def test_a_job_waiting_under_its_old_path_runs_in_a_new_worker(ctx, run_worker):
    queues.queue(SYNC).enqueue("jobs.fulfillment.reconcile", NO_SUCH_SHOP, job_id="old-path")
    run_worker()  # a real `python -m jobs.worker --burst`
    job = Job.fetch("old-path", connection=redis_connection())
    assert job.get_status() == JobStatus.FINISHED
    assert job.func_name == recovery.reconcile_shop.path
    assert job.return_value() == "no such shop"


def test_a_scheduled_job_under_its_old_path_is_pointed_at_its_new_home(ctx):
    scheduled = queues.queue(SYNC).enqueue_in(
        timedelta(minutes=5), "jobs.sync.sweep", NO_SUCH_SHOP, job_id="old-sweep"
    )
    unrelated = queues.queue(SYNC).enqueue(sweep.sweep.path, NO_SUCH_SHOP, job_id="new-sweep")
    moved = renamed.migrate(redis_connection(), [queues.queue(SYNC)])
    assert moved == 1
    assert Job.fetch(scheduled.id, connection=redis_connection()).func_name == sweep.sweep.path
    assert Job.fetch(unrelated.id, connection=redis_connection()).func_name == sweep.sweep.path
    assert scheduled.id in queues.queue(SYNC).scheduled_job_registry.get_job_ids()


def test_every_old_path_names_a_job_declared_in_the_domain():
    for old, job in renamed.MOVED.items():
        assert old.startswith("jobs.") and job.path.startswith("domain."), old
        assert job.policy.label, f"{job.path} has no label for the Jobs page"
