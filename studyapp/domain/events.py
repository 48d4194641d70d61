"""What happened in the domain, as blinker signals: the parts that react subscribe, nobody calls upward.

Each signal is sent after the change is flushed, inside the request's transaction, so a
subscriber's writes commit or roll back with it. Senders and arguments:

- `attempt_graded(attempt, now=)`: an attempt was submitted and graded (by the student, the timer
  or the finalizer). Mastery and the review queue subscribe; so will grade passback.
- `answer_checked(attempt, now=)`: a practice answer was saved and checked at once.
- `essay_graded(item, grader_id=, now=)`: a person scored an essay answer.
- `attempts_regraded(question, items=, now=)`: answers were graded again after a key correction.
- `member_joined(class_, user_id=, role=)` / `member_left(class_, user_id=)`: a roster changed.
- `content_loaded(report, readings=, questions=, quizzes=)`: readings, question banks or quizzes were
  loaded or imported (`flask demo`, `content load`, `questions import`, `quizzes import`, an upload;
  not a dry run or a refused import), changed or not: for dropping what is cached from them. Each
  keyword is that part's report (LoadReport, ImportReport) or None; `report` is the one report of a
  single load or import, None from `load_shipped_content`, which sends once for all three.

- `scores_queued(None, ids=)`: grade passback rows were written and their transaction has committed (sent
  after the commit, never inside it): the web app and the CLI subscribe and send them.

Actors and members travel as ids, never as the signed-in user's proxy, so a subscriber may keep them.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

attempt_graded = _signals.signal("attempt-graded")
answer_checked = _signals.signal("answer-checked")
essay_graded = _signals.signal("essay-graded")
attempts_regraded = _signals.signal("attempts-regraded")
member_joined = _signals.signal("member-joined")
member_left = _signals.signal("member-left")
content_loaded = _signals.signal("content-loaded")
scores_queued = _signals.signal("scores-queued")
