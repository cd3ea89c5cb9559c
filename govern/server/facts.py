"""What the governance app reads from MLflow's stores to judge a write: who holds
``champion``, the facts of a version an approval needs, a login's roles, and whether a
move of ``champion`` carries the promoter's proof.  Reads only; the rules are in
:mod:`govern.governance.identity` and :mod:`govern.governance.promoter_key`."""

from __future__ import annotations

import os

from govern.governance import identity, promoter_key
from govern.stores import mlflow_internals, registry
from govern.stores.registry import CHAMPION, EVIDENCE_DIGEST, GATE_STATUS


def holds_champion(name: str, version: str | None = None) -> bool:
    model = mlflow_internals.registry_store().get_registered_model(name)
    held = (model.aliases or {}).get(CHAMPION)
    return held is not None and (version is None or str(held) == str(version))


def version_facts(name: str, version: str) -> tuple[identity.VersionFacts, str | None]:
    mv = mlflow_internals.registry_store().get_model_version(name, version)
    tags = mv.tags or {}
    creator = None
    if mv.run_id:
        creator = mlflow_internals.tracking_store().get_run(mv.run_id).data.tags.get(registry.RUN_CREATOR)
    facts = identity.VersionFacts(model=name, version=str(mv.version), gate_status=tags.get(GATE_STATUS), run_creator=creator,
                                  registrant=tags.get(registry.VERSION_REGISTRANT))
    return facts, tags.get(EVIDENCE_DIGEST)


def is_reviewer(actor: str, roles: identity.TeamRoles) -> bool:
    return roles.reviewers_role in mlflow_internals.role_names(actor)


def move_proof_refusal(name: str, version: str) -> str | None:
    """``champion`` moves only with the promoter's signed proof, tagged on the version,
    for a move from where the alias is now (:mod:`govern.governance.promoter_key`)."""
    store = mlflow_internals.registry_store()
    previous = (store.get_registered_model(name).aliases or {}).get(CHAMPION)
    proof = (store.get_model_version(name, version).tags or {}).get(registry.PROMOTION_PROOF)
    return promoter_key.proof_refusal(proof, model=name, version=str(version), previous=str(previous) if previous else None,
                                      public_key=os.environ.get(promoter_key.PUBLIC_KEY_ENV))
