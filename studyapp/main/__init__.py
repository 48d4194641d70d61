"""The home page and the operators' health check."""

from studyapp.main.views import bp

__all__ = ["bp"]
