"""A real LTI 1.3 platform (the LMS side) for the tool's tests, served over HTTP on a loopback port.

lti1p3platform does the LTI work: the registration and key set, the OIDC login initiation, the id_token with its
claim helpers (user, context, resource link, custom, AGS, NRPS, deep linking), access tokens, checking the tool's
JWTs against its key set, and the AGS and NRPS services. This module is the glue: a tiny Flask app that routes
HTTP to those classes, an in-memory course (members, line items, scores) and the records the tests read.

The platform checks what a strict LMS checks, so a tool that cuts a corner fails here rather than in production:
the tool's JWTs are verified against its key set fetched over HTTP on every use (a rotated key is seen at once),
their issuer, audience, deployment and data are checked, and each service asks for the scope that covers it.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
import typing as t
from dataclasses import dataclass
from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt
from flask import Flask, Response, request
from jwcrypto.jwk import JWK
from lti1p3platform import exceptions as lti_errors
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request, TRequest
from lti1p3platform.response import Response as LtiResponse
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService, NamesRoleProvisioningService
from werkzeug.serving import make_server

ROLE_LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
ROLE_INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"

RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"

CLAIM_DEPLOYMENT = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
CLAIM_MESSAGE_TYPE = "https://purl.imsglobal.org/spec/lti/claim/message_type"
CLAIM_AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
CLAIM_DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
CLAIM_DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
CLAIM_DL_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_SCOPES = [SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE]

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"

#: The keywords authorize() accepts to forge one aspect of an id_token, for the tool's refusal tests.
FORGE_KEYS = frozenset({"sign_with_foreign_key", "aud", "expired", "deployment_id", "nonce", "roles", "context_id"})


@dataclass
class Member:
    """A person in the platform's course: what the id_token and the member list say about them."""

    sub: str
    name: str
    email: str
    roles: list[str]


@dataclass
class _Tool:
    """The tool's registration on this platform (what an LMS administrator types in)."""

    login_url: str
    launch_url: str
    jwks_url: str
    deep_link_url: str


@dataclass
class _PendingLaunch:
    """A launch started by login_initiation(), remembered under its lti_message_hint until the tool asks for it."""

    member: Member
    context_id: str
    context_title: str
    resource_link_id: str
    resource_link_title: str
    target_link_uri: str
    message_type: str
    custom: dict[str, t.Any] | None
    lineitem_url: str | None
    dl_data: str | None = None


class LaunchRefused(ValueError):
    """The tool's authentication request was not one this platform answers (served as a 400)."""


class _Registration(Registration):
    """The library's registration, able to forge the token it signs: refusal tests need a bad token made exactly
    like a good one but for one aspect, so forging happens at the last step, on the finished payload."""

    def __init__(self, forge: dict[str, t.Any], foreign_key: t.Callable[[], str]) -> None:
        self.forge = forge
        self._foreign_key = foreign_key

    def platform_encode_and_sign(self, payload: dict[str, t.Any], expiration: int | None = None) -> str:
        forge = self.forge
        if "aud" in forge:
            payload["aud"] = forge["aud"]
        if "deployment_id" in forge:
            payload[CLAIM_DEPLOYMENT] = forge["deployment_id"]
        if "nonce" in forge:
            payload["nonce"] = forge["nonce"]
        if not (forge.get("expired") or forge.get("sign_with_foreign_key")):
            return super().platform_encode_and_sign(payload, expiration)
        if forge.get("expired"):
            now = int(time.time())
            payload.update(iat=now - 7200, exp=now - 3600)
            expiration = None
        key = self._foreign_key() if forge.get("sign_with_foreign_key") else self.get_platform_private_key()
        assert key is not None
        return Registration.encode_and_sign(payload, key, {"kid": self.get_kid()}, expiration=expiration)


class _Config(LTI1P3PlatformConfAbstract):
    """The library's platform configuration over one registration. One is made per request, so the library's
    per-instance state (the JWT being checked, the tool's fetched key set) is never shared between threads or
    carried from one request to the next."""

    def init_platform_config(self, **kwargs: t.Any) -> None:
        self._registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs: t.Any) -> Registration:
        return self._registration


class _Request(Request):
    """The library's request, built from a plain dict (see _request_metadata)."""

    def build_metadata(self, request: t.Any) -> TRequest:
        return t.cast(TRequest, request)


class _OIDCLogin(OIDCLoginAbstract):
    """The library's login initiation; only its query is used (the test or the course page does the redirect)."""

    def set_lti_message_hint(self, **kwargs: t.Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> str:
        return url


class _MessageLaunch(LTIAdvantageMessageLaunchAbstract):
    """The library's launch message, filled from the pending launch; render_launch_form returns the data as is."""

    def __init__(self, request: Request, config: _Config, platform: Platform, pending: _PendingLaunch, forge: dict):
        super().__init__(request, config)
        self._platform = platform
        self._pending = pending
        self._forge = forge

    def prepare_launch(self, preflight_response: dict[str, t.Any]) -> None:
        pending, forge, issuer = self._pending, self._forge, self._platform.issuer
        self.set_launch_url(pending.target_link_uri)
        self.set_user_data(
            pending.member.sub, forge.get("roles", pending.member.roles), pending.member.name, pending.member.email
        )
        self.set_resource_link_claim(pending.resource_link_id, title=pending.resource_link_title)
        self.set_launch_context_claim(
            forge.get("context_id", pending.context_id),
            context_types=["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
            context_title=pending.context_title,
            context_label=pending.context_id,
        )
        if pending.custom is not None:
            self.set_custom_parameters_claim(pending.custom)
        self.set_launch_presentation_claim("iframe")
        self.set_ags(f"{issuer}/contexts/{pending.context_id}/lineitems", pending.lineitem_url)
        # the library offers lineitem or lineitem.readonly, never both; this platform offers all four AGS scopes
        self.extra_claims[CLAIM_AGS]["scope"] = list(AGS_SCOPES)
        self.set_nrps(f"{issuer}/contexts/{pending.context_id}/memberships")
        if pending.message_type == DEEP_LINKING_REQUEST:
            # the spec's data is an opaque string; the library types it as a dict but passes it through as given
            data = t.cast(dict, pending.dl_data)
            self.set_dl(f"{issuer}/deep_link_return", accept_types={"ltiResourceLink"}, extra_data=data)
            assert self._deep_linking_launch_data is not None
            settings = self._deep_linking_launch_data[CLAIM_DL_SETTINGS]
            settings.update(accept_presentation_document_targets=["iframe", "window"], accept_multiple=False)
            for empty in ("title", "text"):
                if not settings[empty]:
                    del settings[empty]

    def render_launch_form(self, launch_data: dict[str, t.Any], **kwargs: t.Any) -> dict[str, t.Any]:
        return launch_data


def _paged(items: list[t.Any], page: int, limit: int | None) -> dict[str, t.Any]:
    """A page in the library's TPage shape: the library adds the next link when has_next is set."""
    if not limit:
        return {"content": items, "has_next": False}
    start = (page - 1) * limit
    return {"content": items[start : start + limit], "has_next": start + limit < len(items)}


class _Ags(AssignmentsGradesService):
    """The library's AGS endpoints over the platform's line items and scores, for one context."""

    def __init__(self, request: Request, config: _Config, platform: Platform, context_id: str, lineitem_url=None):
        self._platform = platform
        self._lineitems_url = f"{platform.issuer}/contexts/{context_id}/lineitems"
        super().__init__(request, config, self._lineitems_url, lineitem_url)

    @property
    def allowed_scopes(self) -> list[str]:
        """The scope each call needs (the library's single list would let a score-only token create line items)."""
        assert self.request is not None
        path = self.request.path
        if path.endswith("/scores"):
            return [SCOPE_SCORE]
        if path.endswith("/results"):
            return [SCOPE_RESULT_READONLY]
        return [SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY] if self.request.method == "GET" else [SCOPE_LINEITEM]

    def _mine(self) -> list[dict[str, t.Any]]:
        prefix = self._lineitems_url + "/"
        with self._platform._lock:
            return [dict(item) for url, item in self._platform.lineitems.items() if url.startswith(prefix)]

    def find_lineitems(
        self, page=1, limit=None, line_item_id=None, resource_link_id=None, resource_id=None, tag=None, **ignored
    ):
        wanted = {"resourceLinkId": resource_link_id, "resourceId": resource_id, "tag": tag}
        items = [i for i in self._mine() if all(v is None or i.get(k) == v for k, v in wanted.items())]
        return _paged(items, page, limit)

    def find_lineitem(self, line_item_id):
        with self._platform._lock:
            item = self._platform.lineitems.get(line_item_id)
            if item is None or not line_item_id.startswith(self._lineitems_url + "/"):
                raise lti_errors.LineItemNotFoundException(line_item_id)
            return dict(item)

    def create_lineitem(self, creation_data):
        _check_lineitem(creation_data)
        return self._platform._create_lineitem(self._lineitems_url, creation_data)

    def update_lineitem(self, update_data):
        _check_lineitem(update_data)
        with self._platform._lock:
            self.find_lineitem(update_data["id"])
            self._platform.lineitems[update_data["id"]] = dict(update_data)
            return dict(update_data)

    def delete_lineitem(self, line_item_id):
        with self._platform._lock:
            self.find_lineitem(line_item_id)
            del self._platform.lineitems[line_item_id]

    def update_score(self, line_item_id, score):
        self.find_lineitem(line_item_id)
        if not isinstance(score, dict):
            raise lti_errors.LtiServiceException("A score must be a JSON object", 400)
        missing = {"userId", "activityProgress", "gradingProgress", "timestamp"} - set(score)
        if missing:
            raise lti_errors.LtiServiceException(f"A score needs {', '.join(sorted(missing))}", 400)
        with self._platform._lock:
            self._platform.scores.append({**score, "lineitem": line_item_id})
        return UpdateScoreStatus.SUCCESS

    def get_results(self, line_item_id, page=1, limit=None, user_id=None, **ignored):
        item = self.find_lineitem(line_item_id)
        latest: dict[str, dict[str, t.Any]] = {}
        for score in self._platform.lineitem_scores(line_item_id):
            latest[str(score["userId"])] = score
        results = [
            {
                "id": f"{line_item_id}/results/{user}",
                "scoreOf": line_item_id,
                "userId": user,
                "resultScore": score.get("scoreGiven"),
                "resultMaximum": score.get("scoreMaximum", item.get("scoreMaximum")),
                "comment": score.get("comment"),
            }
            for user, score in latest.items()
            if user_id is None or user == user_id
        ]
        return _paged(results, page, limit)


def _check_lineitem(data: t.Any) -> None:
    """The spec's required fields: a label and a positive scoreMaximum."""
    if not isinstance(data, dict):
        raise lti_errors.LtiServiceException("A line item must be a JSON object", 400)
    maximum = data.get("scoreMaximum")
    if not data.get("label") or not isinstance(maximum, int | float) or isinstance(maximum, bool) or maximum <= 0:
        raise lti_errors.LtiServiceException("A line item needs a label and a positive scoreMaximum", 400)


class _Nrps(NamesRoleProvisioningService):
    """The library's membership service over the platform's course."""

    def __init__(self, request: Request, config: _Config, platform: Platform, context_id: str) -> None:
        super().__init__(request, config, f"{platform.issuer}/contexts/{context_id}/memberships")
        self._platform = platform
        self._context_id = context_id

    @property
    def allowed_scopes(self) -> list[str]:
        return [SCOPE_NRPS]

    def get_context_by_id(self) -> Context:
        with self._platform._lock:
            title = self._platform.contexts.get(self._context_id, self._context_id)
        return Context(id=self._context_id, label=self._context_id, title=title)

    def is_resource_link_valid(self, context_id: str, resource_link_id: str) -> bool:
        with self._platform._lock:
            link = self._platform.resource_links.get(resource_link_id)
        return link is not None and link["context_id"] == context_id

    def get_member_data_page(self, page=1, limit=None, role=None, since=None, **ignored):
        with self._platform._lock:
            members = list(self._platform.members.get(self._context_id, []))
        if role:
            members = [m for m in members if any(r == role or r.endswith("#" + role) for r in m.roles)]
        listed = [
            {"status": "Active", "name": m.name, "email": m.email, "user_id": m.sub, "roles": list(m.roles)}
            for m in members
        ]
        return _paged(listed, page, limit)


def _request_metadata() -> TRequest:
    """The current Flask request in the library's shape (page and limit as numbers, as its paging adds to them)."""
    query: dict[str, t.Any] = request.args.to_dict()
    for number in ("page", "limit"):
        if number in query:
            try:
                query[number] = max(1, int(query[number]))
            except ValueError:
                del query[number]
    return {
        "method": request.method,
        "form_data": request.form.to_dict(),
        "get_data": query,
        "headers": request.headers,
        "content_type": request.content_type,
        "path": request.path,
        "json": request.get_json(silent=True),
    }


def _reply(answer: LtiResponse) -> Response:
    """A library Response as HTTP. The next-page link is written with rel="next" quoted, as the spec shows it
    (the library's helper leaves the quotes out, and pylti1p3 only follows the quoted form)."""
    if not 200 <= answer.code < 300:
        return _json({"error": answer.message}, answer.code)
    result = answer.result
    following = result.get("next") if isinstance(result, dict) else None
    if isinstance(result, dict) and "content" in result:
        result = result["content"]
    elif isinstance(result, dict):
        result = {k: v for k, v in result.items() if k != "next"}
    if result is None:
        reply = Response(status=answer.code)
    else:
        reply = Response(json.dumps(result), status=answer.code, mimetype=answer.media_type)
    if following:
        reply.headers["Link"] = f'<{following}>; rel="next"'
    return reply


def _json(body: t.Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _page(title: str, body: str, status: int = 200) -> Response:
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f"<body><main>{body}</main></body></html>"
    )
    return Response(html, status=status, mimetype="text/html")


def _audiences(claims: dict[str, t.Any]) -> list[str]:
    aud = claims.get("aud")
    return [aud] if isinstance(aud, str) else list(aud or [])


class Platform:
    """The LMS: a registration for one tool, one deployment, courses with members, line items and scores.

    Its HTTP server is allocated at once (so the issuer is known before start()) and served from a thread.
    The records (scores, lineitems, deep_link_responses, token_requests, resource_links) are what the tests
    read back; every change to them happens under one lock, as the server answers in many threads.
    """

    def __init__(self) -> None:
        key = JWK.generate(kty="RSA", size=2048)
        self._private_pem = key.export_to_pem(private_key=True, password=None).decode()
        self._public_pem = key.export_to_pem().decode()
        self._foreign_pem: str | None = None
        self.client_id = "studyapp-tool"
        self.deployment_id = "deployment-1"
        self.down = False
        self._lock = threading.RLock()
        self._counter = itertools.count(1)
        self._tool: _Tool | None = None
        self._launches: dict[str, _PendingLaunch] = {}
        self._dl_contexts: dict[str, str] = {}  # the data of each deep linking request -> its context
        self._tokens: set[str] = set()
        self._assertion_ids: set[str] = set()
        self.members: dict[str, list[Member]] = {}
        self.contexts: dict[str, str] = {}  # context id -> title, as last launched
        self.resource_links: dict[str, dict[str, t.Any]] = {}
        self.lineitems: dict[str, dict[str, t.Any]] = {}
        self.scores: list[dict[str, t.Any]] = []
        self.deep_link_responses: list[dict[str, t.Any]] = []
        self.token_requests: list[dict[str, t.Any]] = []
        self._server = make_server("127.0.0.1", 0, self._make_app(), threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self.auth_login_url = self.issuer + "/auth"
        self.token_url = self.issuer + "/token"
        self.jwks_url = self.issuer + "/jwks"
        self._thread: threading.Thread | None = None

    # -- life cycle

    def configure_tool(self, *, login_url: str, launch_url: str, jwks_url: str, deep_link_url: str | None = None):
        """Register the tool. Deep linking requests go to deep_link_url, or to launch_url when it has none."""
        with self._lock:
            self._tool = _Tool(login_url, launch_url, jwks_url, deep_link_url or launch_url)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Platform:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- the course

    def add_member(self, context_id: str, member: Member) -> None:
        """Enrol someone (replacing an entry with the same sub): the member list NRPS serves."""
        with self._lock:
            listed = [m for m in self.members.get(context_id, []) if m.sub != member.sub]
            self.members[context_id] = [*listed, member]

    def lineitem_scores(self, lineitem_url: str) -> list[dict[str, t.Any]]:
        with self._lock:
            return [dict(s) for s in self.scores if s["lineitem"] == lineitem_url]

    def other_key_jwks(self) -> dict[str, t.Any]:
        """The public key set of the foreign key that forged tokens are signed with."""
        return {"keys": [Registration.get_jwk(JWK.from_pem(self._foreign_key().encode()).export_to_pem().decode())]}

    # -- launches

    def login_initiation(
        self,
        *,
        member: Member,
        context_id: str = "course-1",
        context_title: str = "History 101",
        resource_link_id: str = "link-1",
        resource_link_title: str = "Quiz",
        target_link_uri: str | None = None,
        message_type: str = RESOURCE_LINK_REQUEST,
        custom: dict | None = None,
        lineitem_url: str | None = None,
    ) -> dict[str, str]:
        """The query of the browser's GET to the tool's login initiation URL; the launch waits under its hint."""
        tool = self._require_tool()
        if message_type not in (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST):
            raise ValueError(f"unknown message type {message_type!r}")
        deep = message_type == DEEP_LINKING_REQUEST
        target = target_link_uri or (tool.deep_link_url if deep else tool.launch_url)
        with self._lock:
            n = next(self._counter)
            hint = f"launch-{n}-{secrets.token_hex(4)}"
            pending = _PendingLaunch(
                member,
                context_id,
                context_title,
                resource_link_id,
                resource_link_title,
                target,
                message_type,
                custom,
                lineitem_url,
            )
            if deep:
                pending.dl_data = f"dl-data-{n}"
                self._dl_contexts[pending.dl_data] = context_id
            self._launches[hint] = pending
            self.contexts[context_id] = context_title
            self.resource_links.setdefault(resource_link_id, {"context_id": context_id, "title": resource_link_title})
        login = _OIDCLogin(None, self._config())
        login.set_lti_message_hint(hint=hint)
        login.set_launch_url(target)
        query = dict(parse_qsl(urlsplit(login.prepare_preflight_url(member.sub)).query))
        keys = ("iss", "login_hint", "target_link_uri", "lti_message_hint", "client_id", "lti_deployment_id")
        return {k: query[k] for k in keys}

    def authorize(self, auth_params: dict[str, str], **forge: t.Any) -> tuple[str, dict[str, str]]:
        """Answer the tool's OIDC authentication request: (redirect_uri, the form to post there).

        Raises LaunchRefused for a request this platform does not answer. `forge` changes one aspect of the
        id_token (see FORGE_KEYS) for the tool's refusal tests."""
        unknown = set(forge) - FORGE_KEYS
        if unknown:
            raise TypeError(f"unknown forge keywords: {sorted(unknown)}")
        tool = self._require_tool()
        params = {k: v for k, v in auth_params.items() if isinstance(v, str)}
        if params.get("client_id") != self.client_id:
            raise LaunchRefused(f"unknown client_id {params.get('client_id')!r}")
        if params.get("redirect_uri") not in (tool.launch_url, tool.deep_link_url):
            raise LaunchRefused(f"redirect_uri {params.get('redirect_uri')!r} is not registered for this tool")
        if params.get("response_type") != "id_token" or "openid" not in params.get("scope", "").split():
            raise LaunchRefused("an LTI launch is an OpenID Connect id_token request (scope openid)")
        if params.get("response_mode") != "form_post":
            raise LaunchRefused("an LTI launch is answered with response_mode=form_post")
        with self._lock:
            pending = self._launches.get(params.get("lti_message_hint", ""))
        if pending is None:
            raise LaunchRefused("no launch is waiting under this lti_message_hint")
        if params.get("login_hint") != pending.member.sub:
            raise LaunchRefused("the login_hint is not the user of this launch")
        signing = {k: v for k, v in forge.items() if k not in ("roles", "context_id")}
        deep_link_url = pending.target_link_uri if pending.message_type == DEEP_LINKING_REQUEST else None
        config = self._config(forge=signing, deep_link_url=deep_link_url)
        metadata = {"method": "GET", "get_data": params, "form_data": {}, "headers": {}, "path": "/auth"}
        message = _MessageLaunch(_Request(metadata), config, self, pending, forge)
        try:
            launch = message.lti_launch()
        except lti_errors.PreflightRequestValidationException as error:
            raise LaunchRefused("the request lacks a nonce, a state or a redirect_uri") from error
        return launch["launch_url"], {"id_token": launch["id_token"], "state": launch["state"]}

    # -- internals

    def _require_tool(self) -> _Tool:
        with self._lock:
            if self._tool is None:
                raise RuntimeError("configure_tool() first")
            return self._tool

    def _foreign_key(self) -> str:
        with self._lock:
            if self._foreign_pem is None:
                other = JWK.generate(kty="RSA", size=2048)
                self._foreign_pem = other.export_to_pem(private_key=True, password=None).decode()
            return self._foreign_pem

    def _config(self, *, forge: dict[str, t.Any] | None = None, deep_link_url: str | None = None) -> _Config:
        """A fresh library configuration: the registration as it stands now, no tool key set cached."""
        registration = _Registration(forge or {}, self._foreign_key)
        registration.set_iss(self.issuer).set_client_id(self.client_id).set_deployment_id(self.deployment_id)
        registration.set_platform_private_key(self._private_pem).set_platform_public_key(self._public_pem)
        with self._lock:
            tool = self._tool
        if tool is not None:
            registration.set_launch_url(tool.launch_url).set_oidc_login_url(tool.login_url)
            registration.set_deeplink_launch_url(deep_link_url or tool.deep_link_url)
            registration.set_tool_key_set_url(tool.jwks_url)
        config = _Config(registration=registration)
        config.set_accepted_deeplinking_types(["ltiResourceLink"])
        return config

    def _create_lineitem(self, lineitems_url: str, data: dict[str, t.Any]) -> dict[str, t.Any]:
        with self._lock:
            url = f"{lineitems_url}/{next(self._counter)}"
            item = {**data, "id": url}
            self.lineitems[url] = item
            return dict(item)

    def _bearer_issued(self) -> bool:
        auth = request.headers.get("Authorization", "").split()
        with self._lock:
            return len(auth) == 2 and auth[0].lower() == "bearer" and auth[1] in self._tokens

    def revoke_tokens(self) -> None:
        """Forget every access token issued (as on expiry): the tool must ask for a new one."""
        with self._lock:
            self._tokens.clear()

    def _service(self, service, handler, *, body_type: str | None = None, **kwargs: t.Any) -> Response:
        """Run a library service handler: an unknown or unverifiable bearer token is a 401; a call that sends
        a body must send JSON of the spec's media type."""
        if not self._bearer_issued():
            return _json({"error": "Missing or unknown LTI 1.3 access token"}, 401)
        if body_type is not None:
            if request.mimetype != body_type:
                return _json({"error": f"Content-Type must be {body_type}"}, 415)
            if not isinstance(request.get_json(silent=True), dict):
                return _json({"error": "The body must be a JSON object"}, 400)
        try:
            return _reply(service.handle_resp(handler, **kwargs))
        except (jwt.PyJWTError, lti_errors.LtiException):
            return _json({"error": "Invalid LTI 1.3 access token"}, 401)

    # -- HTTP

    def _make_app(self) -> Flask:
        app = Flask(__name__)

        @app.before_request
        def unavailable():
            if self.down:
                return _json({"error": "The platform is unavailable"}, 503)
            return None

        @app.get("/jwks")
        def jwks():
            return _json(self._config().get_jwks())

        @app.route("/auth", methods=["GET", "POST"])
        def auth():
            params = request.args.to_dict() if request.method == "GET" else request.form.to_dict()
            try:
                redirect_uri, form = self.authorize(params)
            except (LaunchRefused, RuntimeError) as error:
                return _page("Launch refused", f"<h1>Launch refused</h1><p>{escape(str(error))}</p>", 400)
            fields = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in form.items())
            body = (
                f'<form id="launch" method="post" action="{escape(redirect_uri)}">{fields}'
                '<button type="submit">Continue</button></form>'
                "<script>document.getElementById('launch').submit();</script>"
            )
            return _page("Launching", body)

        @app.post("/token")
        def token():
            form = request.form.to_dict()
            if form.get("client_assertion_type") != JWT_BEARER:
                return _json({"error": "invalid_request"}, 400)
            config = self._config()
            try:
                answer = config.get_access_token(form)
                claims = config.tool_validate_and_decode(form["client_assertion"])  # the key set is cached by now
            except (lti_errors.MissingRequiredClaim, lti_errors.UnsupportedGrantType) as error:
                kind = "unsupported_grant_type" if isinstance(error, lti_errors.UnsupportedGrantType) else ""
                return _json({"error": kind or "invalid_request"}, 400)
            except (
                AssertionError,
                KeyError,
                TypeError,
                jwt.PyJWTError,
                lti_errors.LtiException,
                lti_errors.InvalidKeySetUrl,
            ) as error:
                return _json({"error": "invalid_client", "error_description": str(error)}, 401)
            problem = None
            if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id:
                problem = "iss and sub must be the client_id"
            elif self.token_url not in _audiences(claims):
                problem = "aud must be the token endpoint"
            elif "exp" not in claims:
                problem = "the assertion must expire"
            with self._lock:
                jti = claims.get("jti")
                if problem is None and jti is not None and jti in self._assertion_ids:
                    problem = "this assertion was used before"
                if problem is not None:
                    return _json({"error": "invalid_client", "error_description": problem}, 401)
                if jti is not None:
                    self._assertion_ids.add(jti)
                self._tokens.add(answer["access_token"])
                self.token_requests.append(
                    {
                        "scope": form.get("scope", ""),
                        "granted": answer["scope"],
                        "assertion": claims,
                        "access_token": answer["access_token"],
                    }
                )
            return _json(dict(answer))

        @app.route("/contexts/<context_id>/lineitems", methods=["GET", "POST"])
        def lineitems(context_id: str):
            service = _Ags(_Request(_request_metadata()), self._config(), self, context_id)
            if request.method == "GET":
                return self._service(service, service.handle_get_lineitems)
            return self._service(service, service.handle_create_lineitem, body_type=LINEITEM_TYPE)

        @app.route("/contexts/<context_id>/lineitems/<int:n>", methods=["GET", "PUT", "DELETE"])
        def lineitem(context_id: str, n: int):
            url = f"{self.issuer}/contexts/{context_id}/lineitems/{n}"
            service = _Ags(_Request(_request_metadata()), self._config(), self, context_id, url)
            handler = {
                "GET": service.handle_get_lineitem,
                "PUT": service.handle_update_lineitem,
                "DELETE": service.handle_delete_lineitem,
            }[request.method]
            body_type = LINEITEM_TYPE if request.method == "PUT" else None
            return self._service(service, handler, body_type=body_type, line_item_id=url)

        @app.post("/contexts/<context_id>/lineitems/<int:n>/scores")
        def scores(context_id: str, n: int):
            url = f"{self.issuer}/contexts/{context_id}/lineitems/{n}"
            service = _Ags(_Request(_request_metadata()), self._config(), self, context_id, url)
            return self._service(service, service.handle_update_score, body_type=SCORE_TYPE, line_item_id=url)

        @app.get("/contexts/<context_id>/lineitems/<int:n>/results")
        def results(context_id: str, n: int):
            url = f"{self.issuer}/contexts/{context_id}/lineitems/{n}"
            service = _Ags(_Request(_request_metadata()), self._config(), self, context_id, url)
            return self._service(service, service.handle_get_results, line_item_id=url)

        @app.get("/contexts/<context_id>/memberships")
        def memberships(context_id: str):
            service = _Nrps(_Request(_request_metadata()), self._config(), self, context_id)
            return self._service(service, service.handle_get_members)

        @app.post("/deep_link_return")
        def deep_link_return():
            token = request.form.get("JWT", "")
            try:
                recorded, titles = self._accept_deep_link(token)
            except (
                LaunchRefused,
                jwt.PyJWTError,
                lti_errors.LtiException,
                lti_errors.LtiDeepLinkingResponseException,
                lti_errors.InvalidKeySetUrl,
                AssertionError,
                KeyError,
                TypeError,
            ) as error:
                return _page("Content refused", f"<h1>Content refused</h1><p>{escape(str(error))}</p>", 400)
            listed = "".join(f"<li>{escape(str(title))}</li>" for title in titles)
            message = recorded.get("https://purl.imsglobal.org/spec/lti-dl/claim/msg")
            note = f"<p>{escape(str(message))}</p>" if message else ""
            return _page("Content added", f"<h1>Content added</h1>{note}<ul>{listed}</ul>")

        @app.get("/course/<context_id>")
        def course(context_id: str):
            with self._lock:
                member = next((m for m in self.members.get(context_id, []) if m.sub == request.args.get("sub")), None)
                title = self.contexts.get(context_id, context_id)
            if member is None:
                return _page("Not found", "<h1>No such member of this course</h1>", 404)
            link_id = request.args.get("resource_link_id", "link-1")
            with self._lock:
                link = dict(self.resource_links.get(link_id, {}))
            query = self.login_initiation(
                member=member,
                context_id=context_id,
                context_title=title,
                resource_link_id=link_id,
                resource_link_title=request.args.get("resource_link_title", link.get("title", "Quiz")),
                target_link_uri=request.args.get("target_link_uri") or link.get("url"),
                message_type=request.args.get("message_type", RESOURCE_LINK_REQUEST),
                custom=link.get("custom"),
                lineitem_url=link.get("lineitem_url"),
            )
            href = escape(f"{self._require_tool().login_url}?{urlencode(query)}")
            if request.args.get("frame") == "1":
                frame = f'<iframe id="tool" title="The activity" src="{href}" width="900" height="700"></iframe>'
                body = f"<h1>{escape(title)}</h1>{frame}"
            else:
                body = f'<h1>{escape(title)}</h1><p><a id="launch" href="{href}">Open the activity</a></p>'
            return _page(title, body)

        return app

    def _accept_deep_link(self, token: str) -> tuple[dict[str, t.Any], list[str]]:
        """Check a deep linking response, make a resource link (and line item) of each item, record it all."""
        config = self._config()
        claims = config.tool_validate_and_decode(token)
        config.validate_deeplinking_resp({"JWT": token})  # message type and item types; the key set is cached
        if claims.get("iss") != self.client_id:
            raise LaunchRefused("the response's iss is not the client_id")
        if self.issuer not in _audiences(claims):
            raise LaunchRefused("the response's aud is not this platform")
        if claims.get(CLAIM_DEPLOYMENT) != self.deployment_id:
            raise LaunchRefused("the response names another deployment")
        with self._lock:
            context_id = self._dl_contexts.get(claims.get(CLAIM_DL_DATA, ""))
        if context_id is None:
            raise LaunchRefused("the response's data is not that of a deep linking request from here")
        items = []
        for given in claims.get(CLAIM_DL_ITEMS, []):
            item = dict(given)
            with self._lock:
                link_id = f"dl-link-{next(self._counter)}"
            if isinstance(item.get("lineItem"), dict):
                line = {k: v for k, v in item["lineItem"].items() if k != "id"}
                created = self._create_lineitem(
                    f"{self.issuer}/contexts/{context_id}/lineitems",
                    {"label": item.get("title", ""), **line, "resourceLinkId": link_id},
                )
                item["lineitem_url"] = created["id"]
            item["resource_link_id"] = link_id
            with self._lock:
                self.resource_links[link_id] = {
                    "context_id": context_id,
                    "title": item.get("title", ""),
                    "url": item.get("url"),
                    "custom": item.get("custom"),
                    "lineitem_url": item.get("lineitem_url"),
                }
            items.append(item)
        recorded = {**claims, CLAIM_DL_ITEMS: items}
        with self._lock:
            self.deep_link_responses.append(recorded)
        return recorded, [str(i.get("title", i.get("url", ""))) for i in items]
