"""gunicorn settings for Ventanilla in production: gunicorn manages uvicorn workers serving the ASGI app.

Start with:  gunicorn -c contrib/gunicorn.conf.py ventanilla.asgi:application
Every value can be overridden from the environment (GUNICORN_*), so the unit file stays generic.
Needs the "production" extra: pip install -e '.[production]'.
"""

import multiprocessing
import os

# Listen on loopback only: nginx (contrib/nginx/ventanilla.conf) terminates TLS in front.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# ASGI workers handle many slow clients each; 2 per core leaves room for database waits.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "uvicorn_worker.UvicornWorker"
# A request that takes longer than this is stuck; slow work belongs in a Celery task.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak in a dependency never takes the site down.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# Only the local proxy may tell us the client's address and scheme.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Not preloading: each worker opens its own database connections after the fork.
preload_app = False
proc_name = "ventanilla-web"
# systemd manages the process (reload = SIGHUP); no control socket in a home directory that the
# hardened unit keeps read-only. Older gunicorn versions ignore this name.
control_socket_disable = True
