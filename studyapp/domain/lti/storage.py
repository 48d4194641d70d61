"""pylti1p3's launch data (OIDC state, nonces) in the database, so every instance sees the same logins.

Over HTTPS the keys are bound to pylti1p3's own `lti1p3-session-id` cookie (SameSite=None, partitioned),
so state set in one browser cannot be used from another; the state cookie check binds it as well.
A nonce is taken (deleted) by the launch that uses it, so a replayed launch finds none and is refused.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pylti1p3.launch_data_storage.base import LaunchDataStorage
from sqlalchemy import delete

from studyapp.extensions import db
from studyapp.models import LtiLaunchState
from studyapp.models.base import utcnow

#: How long an unused login state or nonce is kept (pylti1p3 asks for up to a day for launch data).
DEFAULT_LIFETIME = timedelta(hours=2)


class DatabaseStorage(LaunchDataStorage[Any]):
    """Launch data kept in `lti_launch_state`, each value with its expiry."""

    def get_session_cookie_name(self) -> str | None:
        assert self._request is not None
        return super().get_session_cookie_name() if self._request.is_secure() else None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        row = db.session.get(LtiLaunchState, self._prepare_key(key)[:255])
        return row.value if row is not None and row.expires_at > utcnow() else None

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        lifetime = timedelta(seconds=exp) if exp else DEFAULT_LIFETIME
        lifetime = min(lifetime, DEFAULT_LIFETIME)
        db.session.merge(LtiLaunchState(key=self._prepare_key(key)[:255], value=value, expires_at=utcnow() + lifetime))
        db.session.flush()

    def check_value(self, key: str) -> bool:
        return self.get_value(key) is not None

    def take(self, key: str) -> bool:
        """Delete a value and say whether this call was the one that deleted it (for single use under races)."""
        result = db.session.execute(delete(LtiLaunchState).where(LtiLaunchState.key == self._prepare_key(key)[:255]))
        return bool(result.rowcount)  # type: ignore[attr-defined]


def prune() -> int:
    """Delete expired launch data; returns how many rows went."""
    result = db.session.execute(delete(LtiLaunchState).where(LtiLaunchState.expires_at <= utcnow()))
    return int(result.rowcount)  # type: ignore[attr-defined]
