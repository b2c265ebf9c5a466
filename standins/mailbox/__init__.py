"""A local SMTP server with a web inbox, standing in for a mail provider (see server.py, web.py)."""
