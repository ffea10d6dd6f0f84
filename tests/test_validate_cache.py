"""validate's cache of per-file results: a second run says what the first said, and
anything that changes a result (the file, the schemas, the options) is checked again."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest


TREE = Path("rendered/enterprise-demo")
ISVC = TREE / "components/prod/serving/isvc-mistral-3-bf16.yaml"


@pytest.fixture
def repo(gitops_repo: Path, cli) -> Path:
    assert cli("render", cwd=gitops_repo).exit_code == 0
    return gitops_repo


def run(cli, repo: Path, *extra: str) -> dict:
    result = cli("validate", "--format", "json", *extra, cwd=repo)
    data = json.loads(result.stdout)
    data["exit"] = result.exit_code
    return data


def findings(data: dict) -> list:
    return sorted((f["file"], f["line"] or 0, f["code"], f["message"], f["column"] or 0) for f in data["findings"])


def cache_files() -> list[Path]:
    return sorted(Path(os.environ["GPUAAS_CACHE_DIR"]).glob("validate-*.json"))


def test_a_warm_run_says_what_a_cold_one_says(repo, cli):
    cold = run(cli, repo)
    assert cold["exit"] == 0 and "fromCache" not in cold["stats"] and cache_files()
    warm = run(cli, repo)
    assert findings(warm) == findings(cold) and warm["exit"] == 0
    assert warm["stats"]["fromCache"] == warm["stats"]["files"]
    for name in ("objects", "schemaChecked", "helmRenders", "files"):
        assert warm["stats"][name] == cold["stats"][name]


def test_a_changed_file_is_checked_again(repo, cli):
    run(cli, repo)
    isvc = repo / ISVC
    isvc.write_text(isvc.read_text().replace("      runtime: ", "      runtimee: \"x\"\n      runtime: "))
    data = run(cli, repo)
    assert data["exit"] == 1
    schema = [f for f in data["findings"] if f["code"] == "SCHEMA"]
    assert schema and "spec.predictor.model.runtimee" in schema[0]["message"]
    assert schema == [f for f in run(cli, repo)["findings"] if f["code"] == "SCHEMA"]  # and warm
    # the same text back: the first run's result, from the cache
    isvc.write_text(isvc.read_text().replace("      runtimee: \"x\"\n", ""))
    assert run(cli, repo)["exit"] == 0


def test_findings_kept_in_the_cache_are_reported_again(repo, cli, tmp_path):
    """A file with findings: the warm run reports them with their places, the policy across
    objects (queues) included."""
    isvc = repo / ISVC
    text = isvc.read_text()
    assert "kueue.x-k8s.io/queue-name" in text
    isvc.write_text("\n".join(l for l in text.splitlines() if "kueue.x-k8s.io/queue-name" not in l) + "\n")
    cold = run(cli, repo)
    assert "QUEUE_LABEL" in {f["code"] for f in cold["findings"]}
    warm = run(cli, repo)
    assert findings(warm) == findings(cold) and warm["stats"]["fromCache"] > 0


def test_a_change_of_schemas_checks_clean_files_again(repo, cli, crd_schemas, tmp_path):
    """A file clean under one set of schemas is checked again under another: the cache
    key holds the schemas' digest."""
    schemas = tmp_path / "schemas"
    shutil.copytree(crd_schemas, schemas)
    assert run(cli, repo, "--schemas", str(schemas))["exit"] == 0
    assert run(cli, repo, "--schemas", str(schemas))["stats"]["fromCache"] > 0
    # the InferenceService schema now forbids the runtime field
    [isvc_schema] = [p for p in schemas.rglob("inferenceservice_*.json")]
    data = json.loads(isvc_schema.read_text())
    model = data["properties"]["spec"]["properties"]["predictor"]["properties"]["model"]
    del model["properties"]["runtime"]
    isvc_schema.write_text(json.dumps(data))
    after = run(cli, repo, "--schemas", str(schemas))
    assert after["exit"] == 1 and "fromCache" not in after["stats"]
    assert any(f["code"] == "SCHEMA" and "runtime" in f["message"] for f in after["findings"])


def test_strict_is_part_of_the_key(repo, cli, tmp_path):
    """NO_SCHEMA is a warning, or an error under --strict: a warm run honours the flag."""
    extra = repo / TREE / "components/prod/serving/widget.yaml"
    extra.write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")
    kustomization = repo / TREE / "components/prod/serving/kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("resources:\n", "resources:\n  - widget.yaml\n"))
    lenient = run(cli, repo)
    assert [f["severity"] for f in lenient["findings"] if f["code"] == "NO_SCHEMA"] == ["warning"]
    strict = run(cli, repo, "--strict")
    assert [f["severity"] for f in strict["findings"] if f["code"] == "NO_SCHEMA"] == ["error"]
    assert run(cli, repo)["findings"] == lenient["findings"]


def test_no_cache_reads_and_writes_nothing(repo, cli):
    data = run(cli, repo, "--no-cache")
    assert data["exit"] == 0 and not cache_files() and "fromCache" not in data["stats"]


def test_a_corrupt_cache_is_ignored(repo, cli):
    cold = run(cli, repo)
    [file] = cache_files()
    file.write_text("{not json")
    again = run(cli, repo)
    assert findings(again) == findings(cold) and "fromCache" not in again["stats"]
    json.loads(file.read_text())           # written whole again
    file.write_text(json.dumps({"format": 1, "entries": {k: {"findings": 3} for k in
                                                          json.loads(file.read_text())["entries"]}}))
    assert findings(run(cli, repo)) == findings(cold)    # entries of another shape: rechecked


def test_an_unwritable_cache_directory_still_validates(repo, cli, monkeypatch, tmp_path):
    if os.geteuid() == 0:   # not an engine that may be missing: the next test covers root
        pytest.skip("root writes into read-only directories")
    where = tmp_path / "ro"
    where.mkdir()
    where.chmod(0o500)
    monkeypatch.setenv("GPUAAS_CACHE_DIR", str(where))
    try:
        assert run(cli, repo)["exit"] == 0 and run(cli, repo)["exit"] == 0
        assert not list(where.iterdir())
    finally:
        where.chmod(0o700)


def test_a_cache_directory_that_is_a_file_still_validates(repo, cli, monkeypatch, tmp_path):
    """(Unwritable for root too.)"""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("GPUAAS_CACHE_DIR", str(blocker / "cache"))
    first, second = run(cli, repo), run(cli, repo)
    assert first["exit"] == second["exit"] == 0 and findings(first) == findings(second)


def test_a_changed_chart_is_rendered_again(repo, cli):
    """Helm's output is kept by the chart's files: an edited template is rendered anew."""
    run(cli, repo)
    appset = repo / TREE / "charts/argocd-apps/templates/applicationset-umbrella.yaml"
    text = appset.read_text()
    cut = "            - name: components.serving.enabled\n              value: {{ `{{.serving}}` | quote }}\n"
    assert cut in text
    appset.write_text(text.replace(cut, ""))
    data = run(cli, repo)
    assert data["exit"] == 1 and "UNWIRED" in {f["code"] for f in data["findings"]}


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "deep", "mistyped-row"])
def test_a_hostile_cache_file_is_ignored_not_read(repo, cli, kind):
    """A FIFO would hang the read and /dev/zero never end; deep nesting overflows the JSON
    parser; a row of the wrong types would break the sorting: each is checked again."""
    cold = run(cli, repo)
    [file] = cache_files()
    entries = json.loads(file.read_text())["entries"]
    file.unlink()
    if kind == "fifo":
        os.mkfifo(file)
    elif kind == "dev-zero":
        file.symlink_to("/dev/zero")
    elif kind == "deep":
        file.write_text("[" * 100_000 + "]" * 100_000)
    else:
        file.write_text(json.dumps({"format": 1, "entries": {
            k: {"findings": [["f", "3", "STALE", "m", "error", None, None]], "stats": {}, "facts": []}
            for k in entries}}))
    again = run(cli, repo)
    assert findings(again) == findings(cold) and "fromCache" not in again["stats"]


def test_a_relative_xdg_cache_home_is_ignored_as_the_spec_says(monkeypatch, tmp_path):
    from gpuaas import resultcache
    monkeypatch.delenv("GPUAAS_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", "cache")
    assert resultcache.directory() == tmp_path / ".cache" / "gpuaas"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert resultcache.directory() == tmp_path / "xdg" / "gpuaas"


EDITS = ("flip", "drop-line", "secret", "unknown-field", "copy-over", "schema", "restore", "portfolio")


def _edit(rng, repo: Path, schemas: Path, kind: str, originals: dict[Path, bytes]) -> None:
    """One random edit of the kind a user or a merge makes: to a rendered file, the user's
    schemas folder or the portfolio."""
    files = sorted(p for p in (repo / TREE).rglob("*.yaml") if p.is_file())
    path = rng.choice(files)
    originals.setdefault(path, path.read_bytes())
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    if kind == "flip" and text:
        at = rng.randrange(len(text))
        path.write_text(text[:at] + rng.choice("x: -#\n'\"{") + text[at + 1:])
    elif kind == "drop-line" and lines:
        del lines[rng.randrange(len(lines))]
        path.write_text("".join(lines))
    elif kind == "secret":
        path.write_text(text + "# hf_" + "a1B2" * 9 + "\n")
    elif kind == "unknown-field":
        path.write_text(text.replace("metadata:\n", "metadata:\n  unknownField: 1\n", 1))
    elif kind == "copy-over":
        path.write_bytes(rng.choice(files).read_bytes())
    elif kind == "schema":
        (schemas / f"extra-{rng.randrange(3)}.yaml").write_text(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n"
            f"  name: things.example.com\nspec:\n  group: example.com\n  names: {{kind: Thing, plural: things}}\n"
            f"  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n"
            f"    schema:\n      openAPIV3Schema: {{type: object, x-n: {rng.randrange(99)}}}\n")
    elif kind == "restore" and originals:
        back = rng.choice(sorted(originals))
        back.write_bytes(originals[back])
    elif kind == "portfolio":
        portfolio = next((repo / "portfolios").glob("*.yaml"))
        originals.setdefault(portfolio, portfolio.read_bytes())
        portfolio.write_text(portfolio.read_text().replace("minConcurrency: ", "minConcurrency: 1", 1))


@pytest.mark.parametrize("seed", range(3))
def test_cached_and_uncached_runs_agree_over_random_edits(repo, cli, tmp_path, seed):
    """The cache is an optimisation, never a verdict: after every random edit, a run that
    may reuse results says exactly what a run that reads no cache says."""
    import random
    rng = random.Random(seed)
    schemas = tmp_path / f"schemas-{seed}"
    schemas.mkdir()
    originals: dict[Path, bytes] = {}
    run(cli, repo, "--schemas", str(schemas))          # warm the cache
    for _ in range(4):
        _edit(rng, repo, schemas, rng.choice(EDITS), originals)
        cached = run(cli, repo, "--schemas", str(schemas))
        fresh = run(cli, repo, "--schemas", str(schemas), "--no-cache")
        assert (cached["exit"], findings(cached)) == (fresh["exit"], findings(fresh))
