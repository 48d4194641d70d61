"""gunicorn's configuration for one studyapp instance: `gunicorn -c deploy/gunicorn.conf.py`.

Every value can be set from the instance's environment (deploy/studyapp.env.example):
STUDYAPP_BIND (127.0.0.1:8001), STUDYAPP_WORKERS (2 per core), STUDYAPP_TIMEOUT (60 s) and
STUDYAPP_GRACEFUL_TIMEOUT (20 s). Each worker runs the app's background passes (studyapp.ops.jobs)
and, on SIGTERM, finishes the requests it is serving and the grades it is sending before it exits.
"""

import os

wsgi_app = "wsgi:app"
bind = os.environ.get("STUDYAPP_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("STUDYAPP_WORKERS", str(2 * (os.cpu_count() or 1))))
# Sync workers: each request is short and nginx buffers slow clients in front of them.
worker_class = "sync"
timeout = int(os.environ.get("STUDYAPP_TIMEOUT", "60"))
# SIGTERM (systemctl stop/restart): stop accepting, finish in-flight requests for up to this long, then exit.
graceful_timeout = int(os.environ.get("STUDYAPP_GRACEFUL_TIMEOUT", "20"))
# A new worker now and then keeps memory flat; the jitter keeps workers from restarting together.
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("STUDYAPP_ACCESS_LOG") or None
errorlog = "-"
proc_name = "studyapp-" + bind.rsplit(":", 1)[-1]
# gunicorn 23+ opens a control socket at one fixed path per user: two instances on a machine would share it.
control_socket_disable = True


def post_worker_init(worker):
    """Start this worker's background passes (none when STUDYAPP_BACKGROUND_INTERVAL is 0)."""
    from studyapp.ops import jobs  # the worker has loaded the app already; the master never imports it

    worker.studyapp_ticker = jobs.start(worker.wsgi)


def worker_exit(server, worker):
    """On the way out: let the pass under way end and the grades being sent reach their platform."""
    from studyapp.lti import outbox

    ticker = getattr(worker, "studyapp_ticker", None)
    if ticker is not None:
        ticker.stop()
    outbox.wait_for_senders(timeout=10)
