"""The MLflow model registry as the platform uses it: versions, tags, aliases.

Registered model name = spec name.  Aliases ``champion`` and ``challenger``; version
tags ``gate.status``, ``approval.status`` (``pending``, ``approved``, ``rejected``, or
``not_eligible`` when the gates failed), ``approval.reviewer``.  Stages are never
used (deprecated since MLflow 2.9).  Promotion re-checks everything it relies on
from the registry itself, because a reviewer may have set the tags by hand in the UI.
Reading a version's tags, run and logged evidence happens here and nowhere else.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from govern.core.errors import GovernError

CHAMPION, CHALLENGER = "champion", "challenger"
GATE_STATUS = "gate.status"
APPROVAL_STATUS = "approval.status"
APPROVAL_REVIEWER = "approval.reviewer"
EVIDENCE_DIGEST = "evidence.digest"
# Written by the governance server only (team mode): when and with what signature a
# reviewer decided, who created a run and who registered a version, as it saw them log in.
APPROVAL_REVIEWED_AT = "approval.reviewed_at"
APPROVAL_SIGNATURE = "approval.signature"
RUN_CREATOR = "govern.created_by"
VERSION_REGISTRANT = "govern.registered_by"
# Set by the promoter in team mode before it moves champion: the move, signed with its key.
PROMOTION_PROOF = "promotion.proof"
# Every file the run logs under this folder is evidence: the digest covers all of them.
EVIDENCE_DIR = "evidence"
# approval.status values; not_eligible: the gates failed, so no reviewer was asked.
PENDING, APPROVED, REJECTED, NOT_ELIGIBLE = "pending", "approved", "rejected", "not_eligible"


def client() -> MlflowClient:
    return MlflowClient()


def ensure_experiment(name: str, artifact_root: Path | None) -> str:
    """The experiment named after the model; artifacts under ``mlruns/`` in embedded mode."""
    existing = mlflow.get_experiment_by_name(name)
    if existing is not None:
        return existing.experiment_id
    location = (artifact_root / name).as_uri() if artifact_root is not None else None
    return mlflow.create_experiment(name, artifact_location=location)


def alias_version(name: str, alias: str) -> str | None:
    """The version an alias points to (read from the registered model: SQLite
    stores return empty aliases from ``search_model_versions``)."""
    try:
        model = client().get_registered_model(name)
    except MlflowException:
        return None
    version = model.aliases.get(alias)
    return None if version is None else str(version)


def registered(name: str) -> bool:
    try:
        client().get_registered_model(name)
        return True
    except MlflowException as exc:
        if exc.get_http_status_code() == 401:  # a team server without (valid) credentials: not "unknown model"
            raise GovernError(f"the tracking server {mlflow.get_tracking_uri()} answered 401 (not authenticated):"
                              " set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD to your login") from None
        return False


def get_version(name: str, version: str | int):
    try:
        return client().get_model_version(name, str(version))
    except MlflowException:
        raise GovernError(f"model '{name}' has no version {version}") from None


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _digest_tree(files: list[Path], root: Path) -> str:
    """Each file's path under ``root`` and content hash, in path order."""
    h = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(_file_sha256(path).encode())
        h.update(b"\0")
    return h.hexdigest()


def evidence_digest(model_dir: Path, evidence_dir: Path) -> str:
    """SHA-256 over the model artifact's files and every file under ``evidence_dir``.

    No fixed list: a file added to, changed in or removed from the logged evidence
    after the version was judged changes the digest, so promotion refuses it.
    """
    # registered_model_meta is written by the download itself and names how it was fetched.
    model_files = [p for p in model_dir.rglob("*") if p.is_file() and p.name != "registered_model_meta"]
    evidence_files = [p for p in evidence_dir.rglob("*") if p.is_file()] if evidence_dir.exists() else []
    h = hashlib.sha256()
    h.update(_digest_tree(model_files, model_dir).encode())
    h.update(b"evidence\0")
    h.update(_digest_tree(evidence_files, evidence_dir).encode())
    return h.hexdigest()


def recorded_evidence_digest(name: str, version: str) -> str:
    """Recompute the digest from what the registry and the run's artifacts hold now."""
    mv = get_version(name, version)
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Path(mlflow.artifacts.download_artifacts(f"models:/{name}/{version}", dst_path=f"{tmp}/model"))
        evidence = Path(mlflow.artifacts.download_artifacts(run_id=mv.run_id, artifact_path=EVIDENCE_DIR, dst_path=f"{tmp}/logged"))
        return evidence_digest(model_dir, evidence)


def read_evidence(name: str, version: str | int, file: str) -> Path | None:
    """A local copy of one file the version's run logged under ``evidence/``, or None."""
    mv = get_version(name, version)
    if not mv.run_id:
        return None
    try:
        return Path(mlflow.artifacts.download_artifacts(run_id=mv.run_id, artifact_path=f"{EVIDENCE_DIR}/{file}"))
    except (MlflowException, OSError):
        return None


def read_record(name: str, version: str | int):
    """The version's ``evidence/record.json`` as judged (a ``Record``), or None if it was
    not logged; a record that does not validate raises GovernError in one line."""
    from govern.evidence.record import parse_record

    path = read_evidence(name, version, "record.json")
    if path is None:
        return None
    try:
        text = path.read_bytes()
    except OSError:
        return None
    return parse_record(text, f"{name} v{version} {EVIDENCE_DIR}/record.json")


@dataclass(frozen=True)
class VersionState:
    """What promotion needs to know about one version, read fresh from the registry."""

    name: str
    version: str
    run_id: str
    author: str
    gate_status: str | None
    approval_status: str | None
    reviewer: str | None
    digest: str | None
    # Team mode: what the governance server recorded (see govern.governance.identity).
    run_creator: str | None = None
    registrant: str | None = None
    reviewed_at: str | None = None
    signature: str | None = None

    @classmethod
    def read(cls, name: str, version: str | int) -> VersionState:
        mv = get_version(name, version)
        author, creator = "", None
        if mv.run_id:
            run = client().get_run(mv.run_id)
            author = run.data.tags.get("mlflow.user") or run.info.user_id or ""
            creator = run.data.tags.get(RUN_CREATOR)
        tags = mv.tags or {}
        return cls(
            name=name,
            version=str(mv.version),
            run_id=mv.run_id,
            author=author,
            gate_status=tags.get(GATE_STATUS),
            approval_status=tags.get(APPROVAL_STATUS),
            reviewer=(tags.get(APPROVAL_REVIEWER) or "").strip() or None,
            digest=tags.get(EVIDENCE_DIGEST),
            run_creator=creator,
            registrant=tags.get(VERSION_REGISTRANT),
            reviewed_at=tags.get(APPROVAL_REVIEWED_AT),
            signature=tags.get(APPROVAL_SIGNATURE),
        )


def logged_in_user() -> str | None:
    """Who the tracking server will see: the basic-auth user of this process."""
    return os.environ.get("MLFLOW_TRACKING_USERNAME") or None


def set_approval(name: str, version: str | int, *, status: str, reviewer: str) -> None:
    """Embedded mode writes both tags; in team mode the server stamps the reviewer itself
    (it refuses the tag from clients), so only the status is sent."""
    c = client()
    mv = get_version(name, version)
    c.set_model_version_tag(name, mv.version, APPROVAL_STATUS, status)
    if not team_mode():
        c.set_model_version_tag(name, mv.version, APPROVAL_REVIEWER, reviewer)


def move_champion(name: str, version: str, *, proof: str | None = None) -> str | None:
    """Point ``champion`` at ``version`` (with the promoter's ``proof`` tagged on it first,
    in team mode); returns the version it pointed to before."""
    c = client()
    previous = alias_version(name, CHAMPION)
    if proof is not None:
        c.set_model_version_tag(name, version, PROMOTION_PROOF, proof)
    c.set_registered_model_alias(name, CHAMPION, version)
    if alias_version(name, CHALLENGER) == version:
        c.delete_registered_model_alias(name, CHALLENGER)
    return previous


def restore_champion(name: str, version: str | None, *, challenger: str | None = None, proof: str | None = None) -> None:
    """Put the aliases back where they were when a move could not be recorded."""
    c = client()
    if proof is not None and version is not None:
        c.set_model_version_tag(name, version, PROMOTION_PROOF, proof)
    if version is None:
        try:
            c.delete_registered_model_alias(name, CHAMPION)
        except MlflowException:
            pass
    else:
        c.set_registered_model_alias(name, CHAMPION, version)
    if challenger is not None:
        c.set_registered_model_alias(name, CHALLENGER, challenger)



def team_mode(tracking_uri: str | None = None) -> bool:
    """A tracking server (http/https) is team mode: approvals must be server-signed.

    The embedded store (SQLite, or a database opened directly) has no server to record
    who acted, so its approvals are only declared.
    """
    uri = tracking_uri if tracking_uri is not None else mlflow.get_tracking_uri()
    return uri.split(":", 1)[0].lower() in ("http", "https")


def require_registered(name: str) -> None:
    if not registered(name):
        raise GovernError(f"unknown model '{name}': nothing registered under that name")
