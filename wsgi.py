"""Entry point for gunicorn: `gunicorn wsgi:app`."""

from studyapp import create_app

app = create_app()
