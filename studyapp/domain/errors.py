"""Domain errors: what the user asked for cannot be done, with a message written for them.

The request boundary (`studyapp.web.boundary`) turns any of these into one flash message or
one JSON body, after rolling the transaction back: nothing half-done is ever committed.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused request; `message` is safe to show, `status` is the HTTP status it maps to."""

    status: int = 400

    def __init__(self, message: str, status: int | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        #: Extra fields for a JSON answer (`closed` for an attempt that no longer takes answers).
        self.details = details


class NotFound(DomainError):
    """The thing does not exist, or the actor may not know that it does: both answer 404."""

    status = 404

    def __init__(self, message: str = "There is nothing at this address.") -> None:
        super().__init__(message)
