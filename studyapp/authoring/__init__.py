"""Question banks and quizzes: import from files, check, list, and author them in the browser."""

from studyapp.authoring.views import bp

__all__ = ["bp"]
