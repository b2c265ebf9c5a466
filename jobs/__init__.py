"""The worker: runs the jobs the domain declares (background/), and keeps them from being lost.

worker    `python -m jobs.worker`: an RQ worker on push then sync, scheduler on
runtime   each job in the app context; which errors RQ may retry
outbox    enqueue the jobs of committed rows that have none (Redis was down)
reclaim   take back what a killed worker left (its job, its scheduler lock)
failures  the Jobs page: a shop's failed jobs and webhooks set aside, with Retry
"""
