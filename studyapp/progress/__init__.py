"""Progress: mastery by theme, recent attempts, spaced review of missed questions, study guides."""

from studyapp.progress.figures import due_phrase
from studyapp.progress.views import bp

bp.add_app_template_filter(due_phrase, "due_phrase")

__all__ = ["bp"]
