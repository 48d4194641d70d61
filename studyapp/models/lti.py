"""LTI 1.3: the platforms (LMSs) registered with this tool, what their launches map to, and the scores to send."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyapp.extensions import Model
from studyapp.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from studyapp.models.classes import Class


class LtiPlatform(Model):
    """An LMS registered by an administrator: where its users sign in and where its keys and tokens are."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The `iss` of the platform's tokens (Canvas: https://canvas.instructure.com).
    issuer: Mapped[str] = mapped_column(String(255))
    #: The client id the platform gave this tool: the `aud` of its launches.
    client_id: Mapped[str] = mapped_column(String(255))
    #: The platform's OIDC authorization endpoint, where a login initiation is sent back.
    auth_login_url: Mapped[str] = mapped_column(String(500))
    #: The platform's OAuth 2 token endpoint, for grade passback and roster sync.
    auth_token_url: Mapped[str] = mapped_column(String(500))
    #: Where the platform publishes the public keys its launches are signed with.
    key_set_url: Mapped[str] = mapped_column(String(500))
    #: The `aud` of the tool's token requests when the platform wants one other than the token URL (Moodle: none).
    auth_audience: Mapped[str | None] = mapped_column(String(500))
    #: Space-separated origins allowed to frame this tool's pages (the LMS's own addresses), beside the issuer's.
    frame_origins: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    deployments: Mapped[list[LtiDeployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", order_by="LtiDeployment.id"
    )


class LtiDeployment(Model):
    """A deployment id the platform may launch with; a launch naming any other is refused."""

    __tablename__ = "lti_deployments"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[str] = mapped_column(String(255))

    platform: Mapped[LtiPlatform] = relationship(back_populates="deployments")


class LtiKey(Model):
    """One of the tool's RSA key pairs: the newest active one signs; every active one is published at /lti/jwks."""

    __tablename__ = "lti_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    #: The private key as PKCS#8 PEM, encrypted with a passphrase derived from the app's SECRET_KEY.
    private_pem: Mapped[str] = mapped_column(Text)
    #: The public key as a JWK (JSON object), as published.
    public_jwk: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Set when rotated out: no longer signs, no longer published.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LtiUser(Model):
    """A platform's user (issuer and subject) and the account it signs in as."""

    __tablename__ = "lti_users"
    __table_args__ = (UniqueConstraint("platform_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    #: The platform's stable id for the person (`sub`).
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class LtiContext(Model):
    """A platform's course, and the class it became here, with the service addresses its launches named."""

    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("platform_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    context_id: Mapped[str] = mapped_column(String(255))
    deployment_id: Mapped[str] = mapped_column(String(255))
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    #: The Assignment and Grade Services claim of the latest launch (scopes and line item container URL).
    ags: Mapped[dict | None] = mapped_column(JSON)
    #: The Names and Role Provisioning Services memberships URL, when the platform offers it.
    memberships_url: Mapped[str | None] = mapped_column(String(500))
    roster_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    platform: Mapped[LtiPlatform] = relationship()
    class_: Mapped[Class] = relationship()


class LtiResourceLink(Model):
    """A link placed in a platform's course, and what it opens here: an assignment, or a reading."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (UniqueConstraint("platform_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    resource_link_id: Mapped[str] = mapped_column(String(255))
    context_pk: Mapped[int] = mapped_column(ForeignKey("lti_contexts.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    #: The reading (its slug) the link opens, when it opens a reading.
    reading: Mapped[str | None] = mapped_column(String(200))
    #: The platform's line item that receives this assignment's scores, once known or created.
    lineitem_url: Mapped[str | None] = mapped_column(String(500))

    context: Mapped[LtiContext] = relationship()


class LtiScore(Model):
    """The outbox of grade passback: one student's score on one linked assignment, sent or waiting to be."""

    __tablename__ = "lti_scores"
    __table_args__ = (UniqueConstraint("link_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("lti_resource_links.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: None while the only submitted attempt waits for an essay grade (sent as "PendingManual" with no score).
    score_given: Mapped[float | None] = mapped_column(Float)
    score_maximum: Mapped[float] = mapped_column(Float)
    #: AGS activityProgress and gradingProgress ("Completed", "FullyGraded" or "PendingManual").
    activity_progress: Mapped[str] = mapped_column(String(20))
    grading_progress: Mapped[str] = mapped_column(String(20))
    #: When the score was last changed here: the AGS timestamp, which orders scores at the platform.
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When this version was accepted by the platform; None while it waits.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    #: The earliest time the next try may be made (backoff after a failure).
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)

    link: Mapped[LtiResourceLink] = relationship()


class LtiLaunchState(Model):
    """Short-lived OIDC login state and nonces, shared by every instance (pylti1p3's launch data storage)."""

    __tablename__ = "lti_launch_state"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[dict | list | str | bool | None] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class LtiTicket(Model):
    """A one-time pass from a verified launch to its page, for a frame that cannot keep the session cookie."""

    __tablename__ = "lti_tickets"

    #: The SHA-256 of the ticket in the URL; the ticket itself is never stored.
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(500))
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
