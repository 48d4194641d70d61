"""Taking quizzes: attempts that never lose an answer, grading, feedback, review and practice."""

from studyapp.quiz.controls import question_controls
from studyapp.quiz.views import bp
from studyapp.web.render import cloze_prompt, text_fragment

bp.add_app_template_global(cloze_prompt)
bp.add_app_template_global(text_fragment)
bp.add_app_template_global(question_controls)

__all__ = ["bp"]
