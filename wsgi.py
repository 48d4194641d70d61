"""Entry point for gunicorn: `gunicorn wsgi:app`."""

import gc

from studyapp import create_app

app = create_app()
# Everything loaded so far lives as long as the worker: keep it out of the garbage collector's scans,
# which otherwise walk every module, template and route again on each full collection.
gc.freeze()
