"""Key pairs for each signing algorithm, their JWK form and RFC 7638 thumbprints."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
_THUMBPRINT_MEMBERS = {
    "EC": ("crv", "kty", "x", "y"),
    "RSA": ("e", "kty", "n"),
    "OKP": ("crv", "kty", "x"),
}


def generate(alg: str) -> PrivateKey:
    """A new key whose ``kid`` does not begin with ``-``: an operator pastes kids into
    ``keys revoke``, where a leading ``-`` reads as an option (one key in 64 did)."""
    while True:
        key = _generate(alg)
        if not public_jwk(key, alg)["kid"].startswith("-"):
            return key


def _generate(alg: str) -> PrivateKey:
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if alg == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"unsupported signing algorithm {alg!r}")


def public_jwk(key: PrivateKey, alg: str) -> dict[str, Any]:
    """The public half as a JWK with ``kid`` (its thumbprint), ``use`` and ``alg``."""
    converters: dict[str, type[ECAlgorithm | RSAAlgorithm | OKPAlgorithm]]
    converters = {"ES256": ECAlgorithm, "RS256": RSAAlgorithm, "EdDSA": OKPAlgorithm}
    converter = converters[alg]
    # The key's type follows from ``alg`` (new_key made it), which the types cannot say;
    # a mismatch stays PyJWT's InvalidKeyError, as before.
    jwk: dict[str, Any] = converter.to_jwk(key.public_key(), as_dict=True)  # type: ignore[call-overload]
    members = {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode())
    kid = base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
    return {**jwk, "kid": kid, "use": "sig", "alg": alg}


def dump_private(key: PrivateKey, passphrase: str) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def load_private(pem: bytes, passphrase: str) -> PrivateKey:
    encrypted = pem.startswith(b"-----BEGIN ENCRYPTED")
    if encrypted and not passphrase:
        raise ValueError("signing keys are encrypted but no keys passphrase is set")
    password = passphrase.encode() if encrypted else None
    return serialization.load_pem_private_key(pem, password=password)  # type: ignore[return-value]
