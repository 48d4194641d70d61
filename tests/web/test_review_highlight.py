"""The review page links each question to its passage with the words that answer it highlighted:
over every shipped question, the words are the passage's own and the page carries them."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from studyapp.core.content.source import fold
from studyapp.core.quotations import fragments, quotations, trimmed
from studyapp.domain.questions import question_of
from studyapp.extensions import db
from studyapp.models import Passage, Question, Quiz
from tests.web.quizzes import start

pytestmark = pytest.mark.content

ARTICLE = re.compile(r'<article class="review-item[^"]*" id="q(\d+)">(.*?)</article>', re.S)
LINK = re.compile(r'<p class="passage-link"><a href="/read/passages/([\w-]+)(?:#:~:text=([^"]*))?">([^<]*)')


def quotes_a_passage(question, texts: list[str]) -> bool:
    """Whether the explanation quotes two words or more of one of the passages (letters in any case)."""
    folded = [fold(text).lower for text in texts]
    for quotation in quotations(question.explanation):
        for fragment in fragments(quotation):
            needle = fold(trimmed(fragment).text).lower.strip(" .")
            if len(needle.split()) >= 2 and any(needle in text for text in folded):
                return True
    return False


def test_every_shipped_question_is_reviewed_with_words_of_its_passage_highlighted(client, student):
    questions = db.session.scalars(select(Question).options(selectinload(Question.current_version))).all()
    quiz = Quiz(slug="everything", title="Everything", question_ids=[q.id for q in questions], shuffle_questions=False)
    db.session.add(quiz)
    db.session.commit()
    attempt = start(client, quiz)
    assert client.post(f"/attempts/{attempt.id}/submit").status_code == 302
    page = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)

    passages = {p.slug: p.quote_text for p in db.session.scalars(select(Passage))}
    parsed = {item.position: question_of(item.version) for item in attempt.items}
    articles = dict(ARTICLE.findall(page))
    assert len(articles) == len(parsed) == len(questions) >= 140
    highlighted = 0
    for position, question in parsed.items():
        link = LINK.search(articles[str(position)])
        assert link, question.id
        slug, fragment, label = link.group(1), link.group(2), html.unescape(link.group(3))
        assert slug in question.passages, question.id
        if question.type == "evidence" or quotes_a_passage(question, [passages[s] for s in question.passages]):
            assert fragment, f"{question.id}: no words highlighted"
            assert "the words that answer it are highlighted" in label
        if fragment:
            highlighted += 1
            # `start` or `start,end` (long quotations): each the passage's own words.
            for words in fragment.split(","):
                words = unquote(words)
                assert len(words.split()) >= 1 and words in passages[slug], (question.id, words)
    assert highlighted >= 125
