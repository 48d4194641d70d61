"""The migrations build the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from studyapp.extensions import db


def test_models_and_migration_head_agree(app):
    # The `app` fixture's database was built by `flask db upgrade` (see conftest.migrate_to_head).
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_accounts_a_roster_import_made_become_invitations(app):
    """Before invitations, a roster import made accounts nobody could sign in to; upgrading turns each
    into an invitation of its class with a personal code, in its section, and deletes the account."""
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from studyapp.models import Invitation, Membership, User

    downgrade(revision="a3f1c7d2e9b4")
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO users (id, email, display_name, password_hash, role, session_token, created_at) VALUES "
                "(1, 'prof@example.edu', 'Prof', 'x', 'instructor', 't1', CURRENT_TIMESTAMP), "
                "(2, 'ada@example.edu', 'Ada Lovelace', '!roster-import', 'student', 't2', CURRENT_TIMESTAMP), "
                "(3, 'eve@example.edu', 'Eve', 'argon', 'student', 't3', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO classes (id, name, term, owner_id, join_code, created_at) "
                "VALUES (1, 'HIST 210', '', 1, 'ABCDEFGH', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(sa.text("INSERT INTO sections (id, class_id, name) VALUES (1, 1, 'Section A')"))
        conn.execute(
            sa.text(
                "INSERT INTO memberships (class_id, user_id, role, section_id, joined_at) VALUES "
                "(1, 1, 'instructor', NULL, CURRENT_TIMESTAMP), (1, 2, 'student', 1, CURRENT_TIMESTAMP), "
                "(1, 3, 'student', NULL, CURRENT_TIMESTAMP)"
            )
        )
    upgrade()
    invitations = db.session.scalars(sa.select(Invitation)).all()
    assert [(i.class_id, i.email, i.name, i.section_id, i.created_by_id) for i in invitations] == [
        (1, "ada@example.edu", "Ada Lovelace", 1, 1)
    ]
    assert len(invitations[0].code) == 10
    assert db.session.get(User, 2) is None, "the account nobody could sign in to is gone"
    assert sorted(db.session.scalars(sa.select(Membership.user_id))) == [1, 3], "real members stay"
