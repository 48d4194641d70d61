"""The baseline: a bare Flask app that returns a short string, served by the same gunicorn command as studyapp."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    """Answer with a short string: the cheapest request Flask serves."""
    return "Hello, World!"
