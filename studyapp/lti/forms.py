"""LTI forms: a platform's registration (the admin's page)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from studyapp.domain.lti.platforms import PlatformValues
from studyapp.models import LtiPlatform

#: The longest deployment id a platform may give (the column's length).
DEPLOYMENT_ID_MAX = 255


def _deployment_lines(text: str | None) -> tuple[str, ...]:
    """The deployment ids of the textarea: one a line, blank lines left out."""
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def short_deployment_ids(form: FlaskForm, field: TextAreaField) -> None:
    """Refuse a deployment id longer than the column holds, naming it."""
    for line in _deployment_lines(field.data):
        if len(line) > DEPLOYMENT_ID_MAX:
            raise ValidationError(f"“{line[:40]}…” is longer than {DEPLOYMENT_ID_MAX} characters.")


class PlatformForm(FlaskForm):
    """A platform's registration, as the LMS shows it once the tool is added there."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    issuer = StringField("Issuer", validators=[DataRequired(), Length(max=255)])
    client_id = StringField("Client ID", validators=[DataRequired(), Length(max=255)])
    auth_login_url = StringField("Authorization (OIDC login) URL", validators=[DataRequired(), Length(max=500)])
    auth_token_url = StringField("Access token URL", validators=[DataRequired(), Length(max=500)])
    key_set_url = StringField("Public keyset (JWKS) URL", validators=[DataRequired(), Length(max=500)])
    deployment_ids = TextAreaField(
        "Deployment IDs", validators=[DataRequired(), Length(max=20_000), short_deployment_ids]
    )
    auth_audience = StringField("Token audience (optional)", validators=[Optional(), Length(max=500)])
    frame_origins = StringField("Extra frame origins (optional)", validators=[Optional(), Length(max=1000)])

    def values(self) -> PlatformValues:
        """The registration the form holds, as the domain takes it."""
        return PlatformValues(
            name=self.name.data or "",
            issuer=self.issuer.data or "",
            client_id=self.client_id.data or "",
            auth_login_url=self.auth_login_url.data or "",
            auth_token_url=self.auth_token_url.data or "",
            key_set_url=self.key_set_url.data or "",
            deployment_ids=_deployment_lines(self.deployment_ids.data),
            auth_audience=self.auth_audience.data or "",
            frame_origins=self.frame_origins.data or "",
        )

    @classmethod
    def of(cls, platform: LtiPlatform) -> PlatformForm:
        """The form filled with a registration (a POST's own values win, as for any form)."""
        return cls(
            data={
                "name": platform.name,
                "issuer": platform.issuer,
                "client_id": platform.client_id,
                "auth_login_url": platform.auth_login_url,
                "auth_token_url": platform.auth_token_url,
                "key_set_url": platform.key_set_url,
                "deployment_ids": "\n".join(d.deployment_id for d in platform.deployments),
                "auth_audience": platform.auth_audience or "",
                "frame_origins": platform.frame_origins,
            }
        )
