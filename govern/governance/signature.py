"""The server's signature over an approval, and its check at promotion.

Tags in the registry can be edited by anyone with database access; an HMAC with a key
only the governance server and the promoter hold proves that the server stamped this
decision, by this reviewer, at this time, on this evidence, against these authors.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass

KEY_ENV = "GOVERN_APPROVAL_KEY"
SCHEME = "hmac-sha256:v1"


def canonical_payload(claim) -> bytes:
    """The bytes a signature covers: the claim's fields as sorted, compact JSON."""
    return json.dumps(asdict(claim), sort_keys=True, separators=(",", ":")).encode()


def approval_key() -> bytes | None:
    """The shared key from ``GOVERN_APPROVAL_KEY``, or None when it is not set."""
    value = os.environ.get(KEY_ENV, "")
    return value.encode() if value else None


@dataclass(frozen=True)
class ApprovalClaim:
    """Everything the signature covers; the promoter rebuilds it from the registry."""

    model: str
    version: str
    decision: str
    reviewer: str
    reviewed_at: str
    evidence_digest: str
    run_creator: str
    registrant: str

    def payload(self) -> bytes:
        return canonical_payload(self)

    def sign(self, key: bytes) -> str:
        return f"{SCHEME}:{hmac.new(key, self.payload(), hashlib.sha256).hexdigest()}"

    def verify(self, signature: str | None, key: bytes) -> bool:
        """Constant-time comparison; a missing or foreign-scheme signature is invalid."""
        if not signature or not signature.startswith(f"{SCHEME}:"):
            return False
        return hmac.compare_digest(signature, self.sign(key))
