"""Classes: rosters, join codes, assignments of quizzes, the gradebook, item analysis and exports."""

from studyapp.classes.views import bp

__all__ = ["bp"]
