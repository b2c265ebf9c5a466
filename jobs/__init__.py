"""RQ entry points. Each takes ids, is idempotent, and is enqueued only through queues.py."""
