"""LTI 1.3: the tool's launch, deep linking, landing pages, the admin's registrations and the score outbox."""

from studyapp.lti import admin, outbox
from studyapp.lti.views import bp

__all__ = ["admin", "bp", "outbox"]
