"""Registered platforms: an administrator adds them (page or CLI); pylti1p3 reads them through `ToolConfig`."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from pylti1p3.deployment import Deployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from studyapp.domain.errors import DomainError, NotFound
from studyapp.domain.lti import keys
from studyapp.extensions import db
from studyapp.models import LtiDeployment, LtiPlatform


class PlatformError(DomainError):
    """A registration the form or command must correct; the message names the field."""


@dataclass(frozen=True)
class PlatformValues:
    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    deployment_ids: tuple[str, ...]
    auth_audience: str = ""
    frame_origins: str = ""


def _check_url(label: str, url: str, *, allow_http: bool) -> str:
    url = url.strip()
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.netloc:
        need = "an http:// or https:// address" if allow_http else "an https:// address"
        raise PlatformError(f"{label}: {url!r} is not {need}.")
    return url


def origin(url: str) -> str:
    """The scheme, host and port of an address, as CSP and browsers name an origin."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _clean(values: PlatformValues, *, allow_http: bool) -> PlatformValues:
    if not values.name.strip():
        raise PlatformError("Name: give the platform a name people will recognise (e.g. “Canvas”).")
    if not values.issuer.strip():
        raise PlatformError("Issuer: required (Canvas: https://canvas.instructure.com; Moodle: the site's address).")
    if not values.client_id.strip():
        raise PlatformError("Client ID: required; the platform shows it once the tool is added there.")
    deployments = tuple(dict.fromkeys(d.strip() for d in values.deployment_ids if d.strip()))
    if not deployments:
        raise PlatformError("Deployment IDs: give at least one; a launch naming any other is refused.")
    origins = []
    for item in values.frame_origins.split():
        origins.append(origin(_check_url("Frame origins", item, allow_http=allow_http)))
    return PlatformValues(
        name=values.name.strip(),
        issuer=values.issuer.strip(),
        client_id=values.client_id.strip(),
        auth_login_url=_check_url("Authorization (login) URL", values.auth_login_url, allow_http=allow_http),
        auth_token_url=_check_url("Access token URL", values.auth_token_url, allow_http=allow_http),
        key_set_url=_check_url("Public keyset URL", values.key_set_url, allow_http=allow_http),
        deployment_ids=deployments,
        auth_audience=values.auth_audience.strip(),
        frame_origins=" ".join(dict.fromkeys(origins)),
    )


def register(values: PlatformValues, *, allow_http: bool = False) -> LtiPlatform:
    """Add a platform; refuse a second registration of the same issuer and client id."""
    values = _clean(values, allow_http=allow_http)
    if find(values.issuer, values.client_id) is not None:
        raise PlatformError(f"Issuer and client ID: {values.issuer} with client {values.client_id} is registered.")
    platform = LtiPlatform(issuer=values.issuer, client_id=values.client_id)
    db.session.add(platform)
    _apply(platform, values)
    return platform


def update(platform: LtiPlatform, values: PlatformValues, *, allow_http: bool = False) -> None:
    """Change a registration (its issuer and client id included, if no other registration has them)."""
    values = _clean(values, allow_http=allow_http)
    other = find(values.issuer, values.client_id)
    if other is not None and other.id != platform.id:
        raise PlatformError(f"Issuer and client ID: {values.issuer} with client {values.client_id} is registered.")
    platform.issuer, platform.client_id = values.issuer, values.client_id
    _apply(platform, values)


def _apply(platform: LtiPlatform, values: PlatformValues) -> None:
    platform.name = values.name
    platform.auth_login_url = values.auth_login_url
    platform.auth_token_url = values.auth_token_url
    platform.key_set_url = values.key_set_url
    platform.auth_audience = values.auth_audience or None
    platform.frame_origins = values.frame_origins
    kept = {d.deployment_id: d for d in platform.deployments}
    platform.deployments = [kept.get(d) or LtiDeployment(deployment_id=d) for d in values.deployment_ids]
    db.session.flush()


def delete(platform: LtiPlatform) -> None:
    """Remove a registration: its launches stop working; the accounts and classes it made stay."""
    db.session.delete(platform)
    db.session.flush()


def all_platforms() -> list[LtiPlatform]:
    return list(
        db.session.scalars(
            select(LtiPlatform)
            .options(selectinload(LtiPlatform.deployments))
            .order_by(LtiPlatform.name, LtiPlatform.id)
        )
    )


def get_or_404(platform_id: int) -> LtiPlatform:
    platform = db.session.get(LtiPlatform, platform_id)
    if platform is None:
        raise NotFound("No such platform.")
    return platform


def find(issuer: str, client_id: str | None) -> LtiPlatform | None:
    """The registration for an issuer and client id (or the issuer's only one, when no client id is given)."""
    query = select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id:
        return db.session.scalar(query.where(LtiPlatform.client_id == client_id))
    found = list(db.session.scalars(query.limit(2)))
    return found[0] if len(found) == 1 else None


def frame_origins(platform: LtiPlatform) -> list[str]:
    """The origins that may frame this tool for a platform: its issuer's, its login URL's and those listed."""
    found = [origin(platform.issuer), origin(platform.auth_login_url), *platform.frame_origins.split()]
    return [o for o in dict.fromkeys(found) if o.startswith(("https://", "http://"))]


def all_frame_origins() -> list[str]:
    return list(dict.fromkeys(o for p in all_platforms() for o in frame_origins(p)))


class _Registration(Registration):
    """pylti1p3's registration, naming the tool's key by its own kid (the one /lti/jwks publishes)."""

    def __init__(self, kid: str) -> None:
        super().__init__()
        self._kid = kid

    def get_kid(self) -> str:
        return self._kid


def registration(platform: LtiPlatform, secret: str) -> Registration:
    """The platform as pylti1p3 needs it, with the tool's signing key."""
    key = keys.signing_key(secret)
    reg = (
        _Registration(key.kid)
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.auth_token_url)
        .set_key_set_url(platform.key_set_url)
        .set_tool_private_key(keys.private_pem(key, secret))
        .set_tool_public_key(keys.public_pem(key))
    )
    if platform.auth_audience:
        reg.set_auth_audience(platform.auth_audience)
    return reg


class ToolConfig(ToolConfAbstract):
    """pylti1p3's view of the registrations: looked up by issuer and client id, deployments checked."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret
        self.issuers_relation_types = {}

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args, **kwargs) -> Registration:
        platform = find(iss, None)
        return registration(platform, self.secret) if platform else None  # type: ignore[return-value]

    def find_registration_by_params(self, iss: str, client_id: str, *args, **kwargs) -> Registration:
        platform = find(iss, client_id)
        return registration(platform, self.secret) if platform else None  # type: ignore[return-value]

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)  # type: ignore[arg-type]

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args, **kwargs
    ) -> Deployment | None:
        platform = find(iss, client_id)
        if platform is None or deployment_id not in {d.deployment_id for d in platform.deployments}:
            return None
        return Deployment().set_deployment_id(deployment_id)
