"""Taking quizzes: attempts that never lose an answer, grading, feedback, review and practice."""

from studyapp.quiz.render import cloze_prompt
from studyapp.quiz.views import bp

bp.add_app_template_global(cloze_prompt)

__all__ = ["bp"]
