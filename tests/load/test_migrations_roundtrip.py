"""Migrations on a populated database, on SQLite and PostgreSQL: downgrade one step at a time to base
(each step, taken down, up and down again, keeps the rows of every table it does not drop), upgrade
to head again, check the schema against the models, and fill it again through the services."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from studyapp.extensions import db
from tests.security.support import build_world

pytestmark = pytest.mark.content


def _counts() -> dict[str, int]:
    db.session.remove()
    inspector = sa.inspect(db.engine)
    with db.engine.connect() as conn:
        return {
            name: conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one()
            for name in inspector.get_table_names()
        }


def test_downgrade_to_base_and_upgrade_again_on_a_populated_database(app, tmp_path):
    build_world(app, tmp_path)
    script = ScriptDirectory(app.extensions["migrate"].directory)
    steps = list(script.walk_revisions())  # head first
    counts = _counts()
    populated = sum(counts.values())
    log = []
    for revision in steps:
        downgrade(revision="-1")
        after = _counts()
        dropped = set(counts) - set(after)
        kept = {name: n for name, n in counts.items() if name in after and name != "alembic_version"}
        lost = {name: (n, after[name]) for name, n in kept.items() if after[name] != n}
        assert not lost, f"downgrading {revision.revision} lost rows of tables it keeps: {lost}"
        # Up again over the populated tables, and down once more: neither loses a row.
        upgrade(revision="+1")
        again = _counts()
        assert all(again[name] == n for name, n in kept.items()), f"re-upgrading {revision.revision} lost rows"
        downgrade(revision="-1")
        assert _counts() == after
        log.append(
            f"{revision.revision}: down, up, down on the populated database; dropped "
            f"{sorted(dropped) or 'no table'}, kept the rows of {len(kept)} tables"
        )
        counts = after
    assert set(counts) <= {"alembic_version"}, f"tables left at base: {sorted(counts)}"
    upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(context, db.metadata)
        assert context.get_current_revision() == script.get_current_head()
    assert diff == [], f"after downgrade and upgrade the schema differs from the models: {diff}"
    build_world(app, tmp_path / "again")
    assert app.test_client().get("/healthz").status_code == 200
    print(f"Migrations ({db.engine.dialect.name}): {populated} rows; {len(steps)} steps down to base:")
    for line in log:
        print(f"  {line}")
    print(
        f"  up to head {script.get_current_head()}: schema equals the models; populated again: "
        f"{sum(_counts().values())} rows"
    )
