"""Gunicorn settings for Voelspriet in production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Workers follow the CPU count (2 x cores + 1, the usual rule for a synchronous app that waits on
its database), overridable with GUNICORN_WORKERS. The app keeps no state in the process, so any
number of workers on any number of hosts can serve one PostgreSQL database. Access logs go to
standard output as one JSON object per line (`lifecycle.gunicorn_logging`); errors to standard
error. Gunicorn listens on localhost only, behind a reverse proxy that terminates TLS (see the
README, "Production").
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A request that takes longer than this is stuck: the worker is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Replace each worker now and then, so a slow leak can never build up.
max_requests = 2000
max_requests_jitter = 200
# No preload: each worker opens its own database and Redis connections after the fork.
preload_app = False

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logger_class = "lifecycle.gunicorn_logging.JsonAccessLogger"
# The reverse proxy's X-Forwarded-* headers are read by the app itself (TRUSTED_PROXIES).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
control_socket_disable = True  # systemd (or another supervisor) manages the process
