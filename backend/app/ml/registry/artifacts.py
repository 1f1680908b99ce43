"""Model artifacts on disk: ``<version>.joblib`` plus a signed ``<version>.json`` sidecar.

The sidecar carries the sha256 of the joblib bytes and an HMAC-SHA256 over that digest
and the canonical metadata, keyed by a key derived from the app secret. Bytes are
verified in memory and only those verified bytes are ever unpickled.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import math
import os
import secrets
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import joblib

from app.core.config import Settings
from app.core.errors import BadInput, Conflict, NotFound
from app.core.security import signing_key
from app.ml.registry.names import validate_version

FORMAT = "drillwatch-model/1"
SIGNATURE_ALG = "HMAC-SHA256"
KEY_CONTEXT = b"drillwatch model artifact signing v1"
MAX_SIDECAR_BYTES = 1_000_000
JOBLIB_COMPRESS = 3


class ArtifactVerificationError(Conflict):
    """An artifact's bytes or metadata do not match what we signed and registered."""

    def __init__(self, version: str, problem: str) -> None:
        super().__init__(f"artifact {version} failed verification: {problem}", field="version")
        self.version = version


def model_signing_key(settings: Settings) -> bytes:
    """A key for artifact signatures, derived from (never equal to) the app secret."""
    secret = signing_key(settings).encode()
    return hmac.new(secret, KEY_CONTEXT, hashlib.sha256).digest()


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types (numpy scalars, dates, paths; NaN/inf -> None)."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise BadInput(f"metadata value {value!r} is not JSON-serialisable", field="metadata")


def canonical(document: Mapping[str, Any]) -> bytes:
    """Deterministic JSON bytes of ``document`` (sorted keys, no whitespace)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sign(key: bytes, sidecar: Mapping[str, Any]) -> str:
    """Hex HMAC over the sidecar's sha256 and its canonical content (minus the signature)."""
    body = {k: v for k, v in sidecar.items() if k != "signature"}
    message = str(sidecar.get("sha256", "")).encode() + b"\n" + canonical(body)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def dump_bytes(model_obj: Any) -> bytes:
    """The joblib serialisation of ``model_obj``."""
    buffer = io.BytesIO()
    joblib.dump(model_obj, buffer, compress=JOBLIB_COMPRESS)
    return buffer.getvalue()


def _write_atomic(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write via an owner-only staging file; ``exclusive`` refuses to replace ``path``."""
    staging = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with os.fdopen(
            os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb"
        ) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(staging, path)
        else:
            os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)


class ArtifactStore:
    """Signed model artifacts in one folder (ML_MODEL_PATH)."""

    def __init__(self, root: Path, key: bytes) -> None:
        self.root = root
        self.key = key

    def paths(self, version: str) -> tuple[Path, Path]:
        """The joblib file and sidecar of ``version`` (name validated first)."""
        validate_version(version)
        return self.root / f"{version}.joblib", self.root / f"{version}.json"

    def write(self, version: str, model_obj: Any, metadata: Mapping[str, Any]) -> dict[str, Any]:
        """Serialise, sign and atomically write ``version``; returns the sidecar."""
        blob, sidecar_path = self.paths(version)
        if blob.exists() or sidecar_path.exists():
            raise Conflict(
                f"model version {version} already exists in {self.root}", field="version"
            )
        data = dump_bytes(model_obj)
        sidecar: dict[str, Any] = dict(jsonable(dict(metadata)))
        sidecar.update(
            format=FORMAT,
            version=version,
            model_class=f"{type(model_obj).__module__}.{type(model_obj).__qualname__}",
            sha256=hashlib.sha256(data).hexdigest(),
            signature_alg=SIGNATURE_ALG,
        )
        sidecar["signature"] = sign(self.key, sidecar)
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            _write_atomic(blob, data, exclusive=True)
        except FileExistsError:
            raise Conflict(f"model version {version} already exists", field="version") from None
        _write_atomic(sidecar_path, _sidecar_bytes(sidecar))
        return sidecar

    def discard(self, version: str) -> None:
        """Delete the files of ``version`` (used when registering it failed)."""
        for path in self.paths(version):
            path.unlink(missing_ok=True)

    def names(self) -> list[str]:
        """Names of the joblib files present in the folder (registered or not)."""
        return sorted(path.stem for path in self.root.glob("*.joblib"))

    def read_verified(
        self, version: str, expected_sha256: str | None
    ) -> tuple[bytes, dict[str, Any]]:
        """The artifact's bytes and sidecar, after every check; raises if any fails."""
        blob, sidecar_path = self.paths(version)
        return self._verify(version, blob, sidecar_path, expected_sha256)

    def locate(self, name: str) -> tuple[Path, Path]:
        """Files holding ``name``: ``<name>.joblib``, else a sidecar whose version is ``name``."""
        blob, sidecar_path = self.paths(name)
        if blob.is_file():
            return blob, sidecar_path
        for candidate in sorted(self.root.glob("*.json")):
            if _sidecar_version(candidate) == name and candidate.with_suffix(".joblib").is_file():
                return candidate.with_suffix(".joblib"), candidate
        raise NotFound(
            f"model version {name} not found in {self.root}: copy the artifact together with "
            f"its signed metadata ({name}.joblib and {name}.json, as written by training)",
            field="version",
        )

    def import_artifact(self, name: str) -> tuple[bytes, dict[str, Any]]:
        """Verify a copied-in artifact and store it under its canonical file names."""
        blob, sidecar_path = self.locate(name)
        data, sidecar = self._verify(name, blob, sidecar_path, None)
        canonical_blob, canonical_sidecar = self.paths(name)
        if blob != canonical_blob:
            _write_atomic(canonical_blob, data)
            _write_atomic(canonical_sidecar, _sidecar_bytes(sidecar))
        return data, sidecar

    def _verify(
        self, version: str, blob: Path, sidecar_path: Path, expected_sha256: str | None
    ) -> tuple[bytes, dict[str, Any]]:
        if not blob.is_file():
            raise NotFound(f"model version {version}: artifact {blob.name} is missing")
        data = blob.read_bytes()
        sidecar = _read_sidecar(version, sidecar_path)
        digest = hashlib.sha256(data).hexdigest()
        _check_sidecar(version, sidecar, self.key)
        if not hmac.compare_digest(digest, str(sidecar["sha256"])):
            raise ArtifactVerificationError(
                version,
                f"sha256 of {blob.name} does not match its signed metadata "
                "(file modified, truncated or replaced)",
            )
        if expected_sha256 is not None and not hmac.compare_digest(digest, expected_sha256):
            raise ArtifactVerificationError(version, "sha256 does not match the registry")
        return data, sidecar


def _sidecar_bytes(sidecar: Mapping[str, Any]) -> bytes:
    return json.dumps(sidecar, indent=2, sort_keys=True).encode()


def _check_sidecar(version: str, sidecar: dict[str, Any], key: bytes) -> None:
    if sidecar.get("format") != FORMAT or sidecar.get("signature_alg") != SIGNATURE_ALG:
        raise ArtifactVerificationError(version, "metadata is not a DrillWatch model sidecar")
    signature = sidecar.get("signature")
    if not isinstance(signature, str) or not hmac.compare_digest(signature, sign(key, sidecar)):
        raise ArtifactVerificationError(
            version, "signature invalid (not produced by this installation, or metadata edited)"
        )
    if sidecar.get("version") != version:
        raise ArtifactVerificationError(
            version, f"metadata is signed for version {sidecar.get('version')!r}"
        )


def _read_sidecar(version: str, path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ArtifactVerificationError(version, f"signed metadata {path.name} is missing")
    raw = path.read_bytes()
    if len(raw) > MAX_SIDECAR_BYTES:
        raise ArtifactVerificationError(version, f"{path.name} is too large to be metadata")
    try:
        document = json.loads(raw)
    except ValueError:
        raise ArtifactVerificationError(version, f"{path.name} is not valid JSON") from None
    if not isinstance(document, dict):
        raise ArtifactVerificationError(version, f"{path.name} is not a JSON object")
    return document


def _sidecar_version(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_SIDECAR_BYTES:
            return None
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    version = document.get("version") if isinstance(document, dict) else None
    return version if isinstance(version, str) else None


def load_verified(data: bytes) -> Any:
    """Unpickle bytes that ``read_verified``/``import_artifact`` already checked."""
    return joblib.load(io.BytesIO(data))
