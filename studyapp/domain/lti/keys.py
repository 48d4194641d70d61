"""The tool's RSA key pairs: generated here, kept encrypted, published at /lti/jwks, rotated on demand.

The private key is stored as PKCS#8 PEM encrypted with a passphrase derived from the app's SECRET_KEY,
so a copy of the database alone does not give it away. Rotation adds a new key that signs from then on;
the old one stays published until it is retired, so platforms that cached the key set keep verifying.
"""

from __future__ import annotations

import hashlib
import json
import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK
from sqlalchemy import select

from studyapp.domain.errors import DomainError
from studyapp.extensions import db
from studyapp.models import LtiKey
from studyapp.models.base import utcnow

KEY_BITS = 2048


class KeyProblem(DomainError):
    """A key operation that cannot be done (the message says why)."""


def _passphrase(secret: str) -> bytes:
    return hashlib.sha256(b"studyapp-lti-key\x00" + secret.encode()).hexdigest().encode()


def generate(secret: str) -> LtiKey:
    """Create a new key pair; it signs from now on (the previous ones stay published until retired)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_passphrase(secret)),
    ).decode()
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kid = secrets.token_urlsafe(12)
    jwk = json.loads(JWK.from_pem(public_pem).export_public())
    jwk.update(kid=kid, alg="RS256", use="sig")
    key = LtiKey(kid=kid, private_pem=pem, public_jwk=jwk)
    db.session.add(key)
    db.session.flush()
    return key


def active() -> list[LtiKey]:
    """The keys not retired, newest first."""
    return list(db.session.scalars(select(LtiKey).where(LtiKey.retired_at.is_(None)).order_by(LtiKey.id.desc())))


def signing_key(secret: str) -> LtiKey:
    """The key that signs: the newest active one, created on first use."""
    keys = active()
    return keys[0] if keys else generate(secret)


def private_pem(key: LtiKey, secret: str) -> str:
    """The key's private half as unencrypted PEM, for signing in memory (never stored this way)."""
    try:
        private = serialization.load_pem_private_key(key.private_pem.encode(), password=_passphrase(secret))
    except ValueError as error:
        raise KeyProblem(
            "The tool's private key cannot be read with this SECRET_KEY: it was made under another one. "
            "Rotate the key (flask lti rotate-key) and let the platforms fetch the new key set."
        ) from error
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(key: LtiKey) -> str:
    return JWK(**key.public_jwk).export_to_pem().decode()


def jwks() -> dict:
    """The key set platforms verify the tool's messages with: every active key."""
    return {"keys": [dict(key.public_jwk) for key in active()]}


def rotate(secret: str) -> LtiKey:
    """Start signing with a new key; the old ones stay published until `retire_old` (see docs/lti.md)."""
    return generate(secret)


def retire_old() -> int:
    """Stop publishing every key but the newest; returns how many were retired."""
    keys = active()
    for key in keys[1:]:
        key.retired_at = utcnow()
    db.session.flush()
    return len(keys[1:])
