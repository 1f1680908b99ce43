"""Signed model artifacts: names, digests, signatures, and refusal of anything else."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import joblib
import numpy as np
import pytest

from app.core.errors import BadInput, Conflict, NotFound
from app.ml.registry.artifacts import (
    ArtifactStore,
    ArtifactVerificationError,
    load_verified,
)
from app.ml.registry.names import next_version, validate_version
from tests.ml.model_factories import fitted_scaler

KEY = b"k" * 32
OTHER_KEY = b"o" * 32
BAD_NAMES = ["../x", "a/b", "..", "x..y", "", ".hidden", "a\\b", "a b", "a" * 65, "/abs", "ü1"]
GOOD_NAMES = ["1.2.0", "new_model_v1.1.0", "previous_model_v1.0.0", "A-1", "a" * 64]


class PlantsAFile:
    """Unpickling this object creates a file: proof that bytes were unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return open, (str(self.marker), "w")


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    return ArtifactStore(tmp_path / "models", KEY)


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_safe_version_names_are_accepted(name: str) -> None:
    assert validate_version(name) == name


@pytest.mark.parametrize("name", [*BAD_NAMES, None, 12])
def test_unsafe_version_names_are_rejected_naming_the_field(name: object) -> None:
    with pytest.raises(BadInput) as info:
        validate_version(name)
    assert info.value.field == "version"


@pytest.mark.parametrize("name", BAD_NAMES)
def test_store_refuses_to_build_paths_from_unsafe_names(store: ArtifactStore, name: str) -> None:
    with pytest.raises(BadInput):
        store.paths(name)


def test_next_version_bumps_the_minor_of_the_highest_semver() -> None:
    assert next_version([]) == "1.0.0"
    assert next_version(["custom"]) == "1.0.0"
    assert next_version(["1.0.0", "new_model_v1.1.0", "2.3.9", "1.10.0"]) == "2.4.0"


def test_written_artifact_carries_digest_and_hmac_over_canonical_metadata(
    store: ArtifactStore,
) -> None:
    model, data = fitted_scaler(0)
    sidecar = store.write("1.0.0", model, {"metrics": {"accuracy": np.float64(0.5)}})
    blob, sidecar_path = store.paths("1.0.0")
    on_disk = json.loads(sidecar_path.read_text())
    assert on_disk == sidecar
    assert on_disk["sha256"] == hashlib.sha256(blob.read_bytes()).hexdigest()
    assert on_disk["metrics"] == {"accuracy": 0.5}
    body = {k: v for k, v in on_disk.items() if k != "signature"}
    message = (
        on_disk["sha256"].encode()
        + b"\n"
        + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    )
    assert on_disk["signature"] == hmac.new(KEY, message, hashlib.sha256).hexdigest()
    raw, _ = store.read_verified("1.0.0", on_disk["sha256"])
    np.testing.assert_allclose(load_verified(raw).mean_, data.mean(axis=0))


def test_artifact_files_are_readable_by_their_owner_only(store: ArtifactStore) -> None:
    model, _ = fitted_scaler(0)
    store.write("1.0.0", model, {})
    for path in store.paths("1.0.0"):
        assert path.stat().st_mode & 0o777 == 0o600


def test_writing_an_existing_version_is_a_conflict(store: ArtifactStore) -> None:
    model, _ = fitted_scaler(0)
    store.write("1.0.0", model, {})
    with pytest.raises(Conflict):
        store.write("1.0.0", model, {})


def test_flipped_byte_is_refused(store: ArtifactStore) -> None:
    model, _ = fitted_scaler(0)
    sidecar = store.write("1.0.0", model, {})
    flip_byte(store.paths("1.0.0")[0], 40)
    with pytest.raises(ArtifactVerificationError, match=r"artifact 1\.0\.0 failed verification"):
        store.read_verified("1.0.0", sidecar["sha256"])


def test_truncated_artifact_is_refused(store: ArtifactStore) -> None:
    model, _ = fitted_scaler(0)
    sidecar = store.write("1.0.0", model, {})
    blob = store.paths("1.0.0")[0]
    blob.write_bytes(blob.read_bytes()[: blob.stat().st_size // 2])
    with pytest.raises(ArtifactVerificationError, match="sha256"):
        store.read_verified("1.0.0", sidecar["sha256"])


def test_edited_metadata_breaks_the_signature(store: ArtifactStore) -> None:
    model, _ = fitted_scaler(0)
    store.write("1.0.0", model, {"metrics": {"accuracy": 0.5}})
    sidecar_path = store.paths("1.0.0")[1]
    document = json.loads(sidecar_path.read_text())
    document["metrics"]["accuracy"] = 0.99
    sidecar_path.write_text(json.dumps(document))
    with pytest.raises(ArtifactVerificationError, match="signature invalid"):
        store.read_verified("1.0.0", None)


def test_artifact_signed_with_another_key_is_refused(tmp_path: Path) -> None:
    model, _ = fitted_scaler(0)
    ArtifactStore(tmp_path / "models", OTHER_KEY).write("1.0.0", model, {})
    with pytest.raises(ArtifactVerificationError, match="signature invalid"):
        ArtifactStore(tmp_path / "models", KEY).read_verified("1.0.0", None)


def test_registry_digest_mismatch_is_refused(store: ArtifactStore) -> None:
    model, _ = fitted_scaler(0)
    store.write("1.0.0", model, {})
    with pytest.raises(ArtifactVerificationError, match="registry"):
        store.read_verified("1.0.0", "0" * 64)


def test_artifacts_swapped_between_versions_are_refused(store: ArtifactStore) -> None:
    model, _ = fitted_scaler(0)
    store.write("1.0.0", model, {})
    store.write("1.1.0", fitted_scaler(1)[0], {})
    for source, target in zip(store.paths("1.1.0"), store.paths("1.0.0"), strict=True):
        target.write_bytes(source.read_bytes())
    with pytest.raises(ArtifactVerificationError, match=r"signed for version '1\.1\.0'"):
        store.read_verified("1.0.0", None)


def test_foreign_joblib_without_sidecar_is_never_unpickled(
    store: ArtifactStore, tmp_path: Path
) -> None:
    marker = tmp_path / "unpickled"
    store.root.mkdir(parents=True)
    joblib.dump(PlantsAFile(marker), store.root / "evil_v1.0.0.joblib")
    with pytest.raises(ArtifactVerificationError, match="missing"):
        store.import_artifact("evil_v1.0.0")
    assert not marker.exists()


def test_foreign_joblib_with_forged_sidecar_is_never_unpickled(
    store: ArtifactStore, tmp_path: Path
) -> None:
    marker = tmp_path / "unpickled"
    model, _ = fitted_scaler(0)
    store.write("1.0.0", model, {})
    blob, sidecar_path = store.paths("1.0.0")
    joblib.dump(PlantsAFile(marker), blob)
    document = json.loads(sidecar_path.read_text())
    document["sha256"] = hashlib.sha256(blob.read_bytes()).hexdigest()
    sidecar_path.write_text(json.dumps(document))
    with pytest.raises(ArtifactVerificationError, match="signature invalid"):
        store.read_verified("1.0.0", None)
    assert not marker.exists()


def test_missing_artifact_is_not_found(store: ArtifactStore) -> None:
    with pytest.raises(NotFound):
        store.locate("9.9.9")


def test_copied_in_artifact_is_found_by_its_signed_version_and_canonicalised(
    store: ArtifactStore, tmp_path: Path
) -> None:
    staging = ArtifactStore(tmp_path / "staging", KEY)
    staging.write("new_model_v1.1.0", fitted_scaler(0)[0], {})
    store.root.mkdir(parents=True)
    for source, suffix in zip(staging.paths("new_model_v1.1.0"), (".joblib", ".json"), strict=True):
        (store.root / f"new_model{suffix}").write_bytes(source.read_bytes())
    data, sidecar = store.import_artifact("new_model_v1.1.0")
    assert sidecar["version"] == "new_model_v1.1.0"
    assert store.paths("new_model_v1.1.0")[0].read_bytes() == data
    assert store.read_verified("new_model_v1.1.0", sidecar["sha256"])[0] == data


def test_the_planted_file_gadget_fires_when_unpickled(tmp_path: Path) -> None:
    # control for the two "never unpickled" tests above
    marker = tmp_path / "unpickled"
    joblib.dump(PlantsAFile(marker), tmp_path / "gadget.joblib")
    joblib.load(tmp_path / "gadget.joblib").close()
    assert marker.exists()
