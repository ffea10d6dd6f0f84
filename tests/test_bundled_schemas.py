"""The CRD schemas that ship with gpuaas: current, traceable, used without any set-up."""
from __future__ import annotations

import hashlib
import json
import subprocess

from gpuaas.validate import crd_import
from gpuaas.validate.schema_check import BUNDLED

from .conftest import CRDS, REPO


def test_bundled_schemas_are_what_the_converter_makes_of_crds():
    expected = crd_import.bundle_all(CRDS.parent)
    shipped = {p.relative_to(BUNDLED).as_posix(): p.read_text(encoding="utf-8")
               for p in BUNDLED.rglob("*.json")}
    assert sorted(shipped) == sorted(expected), "gpuaas/schemas is stale: run `make schemas`"
    stale = [rel for rel in expected if shipped[rel] != expected[rel]]
    assert not stale, f"gpuaas/schemas is stale ({stale[:3]}): run `make schemas`"


def test_every_schema_names_its_upstream():
    provenance = json.loads((BUNDLED / "provenance.json").read_text())
    files = {p.relative_to(BUNDLED).as_posix() for p in BUNDLED.glob("*/*.json")}
    assert {p["schema"] for p in provenance} == files
    sources = {s["file"]: s for s in json.loads((CRDS.parent / "sources.json").read_text())}
    by_hash = {hashlib.sha256((CRDS / f).read_bytes()).hexdigest(): f for f in sources}
    for entry in provenance:
        # a full commit where upstream's record has one, else its 12-digit abbreviation
        assert len(entry["commit"]) in (12, 40) and int(entry["commit"], 16) >= 0, entry
        assert entry["license"] == "Apache-2.0" and "/" in entry["repo"] and entry["ref"], entry
        assert entry["schema"] == f"{entry['group']}/{entry['kind'].lower()}_{entry['version']}.json"
        assert sources[by_hash[entry["sha256"]]]["commit"] == entry["commit"]


def test_every_overlay_names_its_upstream():
    """Each release's and Kueue operator's schemas: provenance from that release's own branch."""
    from gpuaas import catalog
    # every overlay a release or a Kueue operator of the catalog names
    overlays = {f"releases/{r.schemas}" for r in catalog.RELEASES.values() if r.schemas}
    overlays |= {f"kueue-operator/{k.schemas}" for k in catalog.KUEUE_OPERATORS.values()}
    for overlay in sorted(overlays):
        provenance = json.loads((BUNDLED / overlay / "provenance.json").read_text())
        files = {p.relative_to(BUNDLED / overlay).as_posix() for p in (BUNDLED / overlay).glob("*/*.json")}
        assert files and {p["schema"] for p in provenance} == files
        sources = json.loads((CRDS.parent / overlay / "sources.json").read_text())
        for entry in provenance:
            assert len(entry["commit"]) == 40 and entry["license"] == "Apache-2.0", entry
            version = overlay.rpartition("/")[2]
            assert entry["ref"].endswith(version), (overlay, entry["ref"])   # rhoai-3.5, release-1.4
            assert entry["sha256"] in {hashlib.sha256((CRDS.parent / overlay / "yaml" / s["file"])
                                                      .read_bytes()).hexdigest() for s in sources}


def test_the_bundled_schemas_cover_every_kind_the_examples_render(cli, tmp_path):
    """A new GitOps repo: nothing imported, every object schema-checked."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert cli("init", cwd=tmp_path).exit_code == 0
    for example in ("triple-play", "signet", "stage1-serving", "bare-metal"):
        assert cli("init", "--example", example, cwd=tmp_path).exit_code == 0
    assert cli("render", cwd=tmp_path).exit_code == 0
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    result = cli("validate", "--format", "json", cwd=tmp_path)
    data = json.loads(result.stdout)
    assert result.exit_code == 0, data["findings"]
    assert not [f for f in data["findings"] if f["code"] == "NO_SCHEMA"]
    assert data["stats"]["objects"] > 150
    assert data["stats"]["schemaChecked"] == data["stats"]["objects"]


def test_imported_schemas_take_precedence(cli, tmp_path, gitops_repo):
    assert cli("render", cwd=gitops_repo).exit_code == 0
    mine = gitops_repo / "mine"
    # a cluster whose ClusterQueue accepts no cohort-less spec at all
    schema = json.loads((BUNDLED / "kueue.x-k8s.io/clusterqueue_v1beta1.json").read_text())
    schema["required"] = [*schema["required"], "imaginaryField"]
    (mine / "kueue.x-k8s.io").mkdir(parents=True)
    (mine / "kueue.x-k8s.io/clusterqueue_v1beta1.json").write_text(json.dumps(schema))
    result = cli("validate", "--schemas", str(mine), "--format", "json", cwd=gitops_repo)
    assert result.exit_code == 1
    [finding] = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "SCHEMA"]
    assert "imaginaryField" in finding["message"] and finding["object"].startswith("ClusterQueue/")
    listed = json.loads(cli("schemas", "list", "--schemas", str(mine), "--format", "json",
                            cwd=gitops_repo).stdout)
    sources = {row["schema"]: row["source"] for row in listed}
    assert sources["kueue.x-k8s.io/clusterqueue_v1beta1.json"] == str(mine)
    assert sources["serving.kserve.io/inferenceservice_v1beta1.json"] == "bundled"


def test_a_schemas_directory_that_does_not_exist_is_refused(cli, gitops_repo):
    assert cli("render", cwd=gitops_repo).exit_code == 0
    result = cli("validate", "--schemas", "nonexistent", "--format", "json", cwd=gitops_repo)
    assert result.exit_code == 2
    assert cli("schemas", "list", "--schemas", "nonexistent", cwd=gitops_repo).exit_code == 2


def test_schemas_import_without_input_says_what_to_give(cli, tmp_path):
    result = cli("schemas", "import", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.exit_code == 2
    assert "--from-cluster" in result.output
    assert not (tmp_path / "out").exists()


def test_the_wheel_carries_the_schemas():
    pyproject = (REPO / "pyproject.toml").read_text()
    assert '"schemas/**/*.json"' in pyproject
