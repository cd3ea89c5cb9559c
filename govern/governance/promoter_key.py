"""The promoter's proof: a signature only the holder of the promoter's private key can make.

A password can be reset by any MLflow admin, who could then log in as the service user
and move ``champion``.  So in team mode every move of ``champion`` carries a claim
signed with the promoter's Ed25519 private key (``GOVERN_PROMOTER_KEY``, held by the
promoter alone); the server holds only the public key (``GOVERN_PROMOTER_PUBLIC_KEY``)
and refuses a move whose proof is missing, stale, for another version or another
starting point.  The claim names the champion it moves from, so a proof is spent by the
move it allows: once ``champion`` has moved, the same proof no longer matches.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from govern.core.errors import GovernError
from govern.governance.signature import canonical_payload

KEY_ENV, PUBLIC_KEY_ENV = "GOVERN_PROMOTER_KEY", "GOVERN_PROMOTER_PUBLIC_KEY"
SCHEME = "ed25519:v1"
# A proof older than this (or this far in the future: clocks differ) is refused.
MAX_AGE_SECONDS = 300
NO_CHAMPION = "none"


@dataclass(frozen=True)
class MoveClaim:
    """What the proof covers: ``champion`` of ``model`` moves from ``previous`` to ``version``."""

    model: str
    version: str
    previous: str
    issued_at: str

    def payload(self) -> bytes:
        return canonical_payload(self)


def _decode(value: str, what: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(value.strip() + "=" * (-len(value.strip()) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise GovernError(f"{what} is not a promoter key made by `govern server promoter-key` (32 bytes, base64)")
    return raw


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def new_key_pair() -> tuple[str, str]:
    """A fresh (private, public) pair, each as base64 text for an environment variable."""
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return _encode(private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())), _encode(public)


def public_key_of(private_text: str) -> str:
    private = Ed25519PrivateKey.from_private_bytes(_decode(private_text, KEY_ENV))
    return _encode(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def check_public_key(text: str) -> None:
    """A server started with a public key that cannot verify anything says so at once."""
    _decode(text, PUBLIC_KEY_ENV)


def promoter_key_missing() -> str | None:
    """The reason this process cannot prove a move, said before anything is locked."""
    value = os.environ.get(KEY_ENV, "")
    if not value:
        return f"moving champion in team mode needs the promoter's private key in {KEY_ENV} (made once by `govern server promoter-key`)"
    try:
        _decode(value, KEY_ENV)
    except GovernError as exc:
        return str(exc)
    return None


def prove(model: str, version: str, previous: str | None, *, now: datetime | None = None) -> str:
    """The proof to tag on ``version`` before ``champion`` is pointed at it."""
    claim = MoveClaim(model, str(version), str(previous) if previous else NO_CHAMPION, (now or datetime.now(UTC)).isoformat(timespec="seconds"))
    private = Ed25519PrivateKey.from_private_bytes(_decode(os.environ.get(KEY_ENV, ""), KEY_ENV))
    return f"{SCHEME}:{claim.issued_at}:{claim.previous}:{_encode(private.sign(claim.payload()))}"


def proof_refusal(proof: str | None, *, model: str, version: str, previous: str | None, public_key: str | None,
                  now: datetime | None = None) -> str | None:
    """Why ``proof`` does not allow moving ``champion`` of ``model`` from ``previous`` to
    ``version`` now (None: it does)."""
    where = f"moving champion of {model} to v{version}"
    if not public_key:
        return f"{where} cannot be checked: the server has no {PUBLIC_KEY_ENV}"
    if not proof or not proof.startswith(f"{SCHEME}:"):
        return f"{where} needs a proof signed with the promoter's key ({KEY_ENV}); the version carries none"
    try:
        issued_at, claimed_previous, signature = proof[len(SCHEME) + 1:].rsplit(":", 2)
        issued = datetime.fromisoformat(issued_at)
        raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    except (ValueError, binascii.Error):
        return f"{where}: its proof is not readable"
    expected_previous = str(previous) if previous else NO_CHAMPION
    if claimed_previous != expected_previous:
        return f"{where}: its proof moves champion from {claimed_previous}, but champion is at {expected_previous} (a proof is spent by its move)"
    age = ((now or datetime.now(UTC)) - issued).total_seconds()
    if abs(age) > MAX_AGE_SECONDS:
        return f"{where}: its proof was signed at {issued_at}, more than {MAX_AGE_SECONDS} s from now"
    claim = MoveClaim(model, str(version), expected_previous, issued_at)
    try:
        Ed25519PublicKey.from_public_bytes(_decode(public_key, PUBLIC_KEY_ENV)).verify(raw, claim.payload())
    except (InvalidSignature, GovernError):
        return f"{where}: its proof is not signed by the promoter's key"
    return None
