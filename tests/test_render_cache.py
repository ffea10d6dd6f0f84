"""The render kept between runs (gpuaas.buildcache): a warm run prints what a cold one
prints, and anything that changes the render (the portfolio, the tree on disk, gpuaas's
own code, the cache itself) renders again."""
from __future__ import annotations

import json
import ast
import os
import sys
from pathlib import Path

import pytest

from gpuaas import buildcache, output, pipeline

from .conftest import DEMO
from .test_rules import portfolio as small_portfolio

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from generate import portfolio as generated  # noqa: E402

TREE = Path("rendered/enterprise-demo")
ISVC = TREE / "components/prod/serving/isvc-mistral-3-bf16.yaml"
# a portfolio that renders with a warning (STORAGE_HF: models pulled from Hugging Face)
WARNED = small_portfolio().replace("storage:\n  s3: {connection: minio, bucket: models}\n", "")


def entries() -> list[Path]:
    return sorted(Path(os.environ["GPUAAS_CACHE_DIR"]).glob("render-*.json"))


@pytest.fixture
def builds(monkeypatch) -> list[Path]:
    """The portfolios actually built (not taken from the cache)."""
    built: list[Path] = []
    real = pipeline.build

    def spy(path, *args, **kwargs):
        built.append(Path(path))
        return real(path, *args, **kwargs)
    monkeypatch.setattr(pipeline, "build", spy)
    return built


def said(result) -> tuple:
    return result.stdout, result.stderr, result.exit_code


def make_repo(tmp_path: Path, text: str | None = None) -> Path:
    (tmp_path / "portfolios").mkdir()
    target = tmp_path / "portfolios" / ("p.yaml" if text is not None else DEMO.name)
    target.write_text(text if text is not None else DEMO.read_text())
    return tmp_path


@pytest.mark.parametrize("text", [None, generated(20, 2), WARNED], ids=["demo", "generated", "warning"])
def test_a_warm_run_prints_what_a_cold_one_prints(tmp_path, cli, builds, text):
    repo = make_repo(tmp_path, text)
    first = cli("render", cwd=repo)
    assert first.exit_code == 0 and entries() and len(builds) == 1
    for command in (["render"], ["render", "--check"], ["validate", "--format", "json"],
                    ["validate"]):
        builds.clear()
        cold = cli(*command, "--no-cache", cwd=repo)
        assert len(builds) == 1
        builds.clear()
        warm = cli(*command, cwd=repo)
        assert builds == [], command      # nothing built: the render came from the cache
        if command[0] == "validate":      # the time it took differs
            cold_out, warm_out = (r.stdout.rsplit(" in ", 1)[0] if command == ["validate"]
                                  else json.dumps({**json.loads(r.stdout), "stats": None})
                                  for r in (cold, warm))
            assert (warm_out, warm.stderr, warm.exit_code) == (cold_out, cold.stderr, cold.exit_code)
        else:
            assert said(warm) == said(cold), command
    if text is WARNED:      # the warning is printed on a warm run too
        assert "STORAGE_HF" in warm.stdout + warm.stderr
        assert "STORAGE_HF" in cli("render", cwd=repo).stderr


def test_editing_the_portfolio_renders_again(tmp_path, cli, builds):
    repo = make_repo(tmp_path)
    cli("render", cwd=repo)
    source = repo / "portfolios" / DEMO.name
    source.write_text(source.read_text().replace("maxModelLen: 16384", "maxModelLen: 12288", 1))
    builds.clear()
    result = cli("render", cwd=repo)
    assert builds and result.exit_code == 0 and "file(s) changed" in result.stdout
    fresh = pipeline.build(source).files
    assert output.compare(fresh, repo / TREE).stale is False
    builds.clear()
    assert "unchanged" in cli("render", cwd=repo).stdout and builds == []


@pytest.mark.parametrize("change", ["edit", "delete", "add generated"])
def test_a_changed_tree_is_found(tmp_path, cli, builds, change):
    repo = make_repo(tmp_path)
    cli("render", cwd=repo)
    before = {p: p.read_bytes() for p in (repo / TREE).rglob("*") if p.is_file()}
    isvc, extra = repo / ISVC, repo / TREE / "components/prod/serving/isvc-gone.yaml"
    if change == "edit":
        isvc.write_text(isvc.read_text() + "# a hand edit\n")
    elif change == "delete":
        isvc.unlink()
    else:
        extra.write_text(f"# {output.MARK}\nkind: ConfigMap\n")
    # what validate and render --check say, with the cache as without it
    validated = [cli("validate", "--format", "json", *flag, cwd=repo) for flag in ((), ("--no-cache",))]
    stale = [[f for f in json.loads(r.stdout)["findings"] if f["code"] == "STALE"] for r in validated]
    assert stale[0] and stale[0] == stale[1] and validated[0].exit_code == 1
    checked = [cli("render", "--check", *flag, cwd=repo) for flag in ((), ("--no-cache",))]
    assert said(checked[0]) == said(checked[1]) and checked[0].exit_code == 1
    assert "is stale" in checked[0].stderr
    builds.clear()
    result = cli("render", cwd=repo)
    assert builds and "1 file(s) changed" in result.stdout
    assert {p: p.read_bytes() for p in (repo / TREE).rglob("*") if p.is_file()} == before


def test_a_file_of_the_users_own_keeps_the_cache(tmp_path, cli, builds):
    repo = make_repo(tmp_path)
    cli("render", cwd=repo)
    (repo / TREE / "NOTES.md").write_text("mine\n")
    builds.clear()
    result = cli("render", cwd=repo)
    assert builds == [] and "unchanged" in result.stdout
    assert (repo / TREE / "NOTES.md").read_text() == "mine\n"


def test_a_change_of_gpuaas_renders_again(tmp_path, cli, builds, monkeypatch):
    repo = make_repo(tmp_path)
    cli("render", cwd=repo)
    monkeypatch.setattr(buildcache, "code_digest", lambda: "another gpuaas")
    builds.clear()
    assert "unchanged" in cli("render", cwd=repo).stdout and builds
    builds.clear()
    cli("render", cwd=repo)
    assert builds == []


def test_the_code_digest_follows_every_file_of_the_package_by_content(tmp_path):
    """A template edited in place with its size and modification time kept is a new digest;
    only touching it is not (the bytes decide)."""
    import shutil
    from gpuaas import resultcache
    package = Path(buildcache.__file__).parent
    copy = tmp_path / "gpuaas"
    shutil.copytree(package / "templates", copy / "templates")
    shutil.copy(package / "render.py", copy / "render.py")
    first = resultcache.tree_digest(copy, follow=False)
    template = next(p for p in sorted((copy / "templates").rglob("*")) if p.is_file() and p.stat().st_size)
    before = template.stat()
    os.utime(template, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
    assert resultcache.tree_digest(copy, follow=False) == first
    data = template.read_bytes()
    template.write_bytes(bytes([data[0] ^ 1]) + data[1:])
    os.utime(template, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert template.stat().st_size == before.st_size and template.stat().st_mtime_ns == before.st_mtime_ns
    edited = resultcache.tree_digest(copy, follow=False)
    assert edited != first
    (copy / "__pycache__").mkdir()
    (copy / "__pycache__" / "x.pyc").write_bytes(b"")
    assert resultcache.tree_digest(copy, follow=False) == edited


def test_an_engine_file_at_any_depth_edited_with_size_and_mtime_kept_is_a_new_key(tmp_path):
    """The engines' packages are too large to read on each run: their files' change time
    (which no `touch` keeps) stands for the content, at every depth."""
    from gpuaas import resultcache
    deep = tmp_path / "engine" / "kubernetes-json-schema-like" / "v1"
    deep.mkdir(parents=True)
    schema = deep / "pod.json"
    schema.write_text('{"type": "object"}')
    first = resultcache.stat_digest(tmp_path / "engine")
    before = schema.stat()
    schema.write_text('{"type": "string"}')
    os.utime(schema, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert resultcache.stat_digest(tmp_path / "engine") != first


def test_a_symlinked_folder_is_digested_through_the_link(tmp_path):
    """A chart or a schemas folder holding a link to a folder: what the link points at is
    what Helm and the checks read."""
    from gpuaas import resultcache
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "crd.json").write_text("{}")
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "linked").symlink_to(outside)
    (outside / "loop").symlink_to(outside)      # a loop ends
    first = resultcache.tree_digest(folder)
    (outside / "crd.json").write_text('{"x": 1}')
    assert resultcache.tree_digest(folder) != first


def test_the_output_directory_and_the_working_directory_are_part_of_the_key(tmp_path, cli, builds):
    repo = make_repo(tmp_path)
    cli("render", cwd=repo)
    builds.clear()
    result = cli("render", "--out", "elsewhere", cwd=repo)
    assert builds and "file(s) changed" in result.stdout


@pytest.mark.parametrize("junk", [b"{not json", b"", b"[]", b'{"format": 1, "key": 5}', "KEYED",
                                  b"[" * 100_000 + b"]" * 100_000, "FIFO", "DEV_ZERO"])
def test_a_corrupt_cache_is_ignored(tmp_path, cli, builds, junk):
    repo = make_repo(tmp_path)
    cli("render", cwd=repo)
    cold = cli("render", "--no-cache", cwd=repo)
    [entry] = entries()
    if junk == "KEYED":     # the right key, nonsense for the rest
        data = json.loads(entry.read_text())
        junk = json.dumps({"format": 1, "key": data["key"], "name": "../x", "file": 3,
                           "findings": [[1]], "kubernetes": None, "name_at": 5, "place": [],
                           "files": 7}).encode()
    if junk in ("FIFO", "DEV_ZERO"):   # a read would hang, or never end
        entry.unlink()
        os.mkfifo(entry) if junk == "FIFO" else entry.symlink_to("/dev/zero")
    else:
        entry.write_bytes(junk)
    builds.clear()
    assert said(cli("render", cwd=repo)) == said(cold) and builds
    if junk in ("FIFO", "DEV_ZERO"):
        return      # not a file the cache writes over; checked again each run
    builds.clear()      # the entry is written anew
    assert said(cli("render", cwd=repo)) == said(cold) and builds == []


def test_no_cache_reads_and_writes_nothing(tmp_path, cli, builds, monkeypatch):
    repo = make_repo(tmp_path)
    cli("render", "--no-cache", cwd=repo)
    assert entries() == []
    monkeypatch.setenv("GPUAAS_NO_CACHE", "1")
    cli("render", cwd=repo)
    cli("render", cwd=repo)
    assert entries() == [] and len(builds) == 3


def test_an_unwritable_cache_still_renders(tmp_path, cli, monkeypatch):
    repo = make_repo(tmp_path)
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("")
    monkeypatch.setenv("GPUAAS_CACHE_DIR", str(blocker))
    assert cli("render", cwd=repo).exit_code == 0
    assert "unchanged" in cli("render", cwd=repo).stdout


def imported_by(command: str, repo: Path, modules: tuple[str, ...]) -> tuple[str, list[str]]:
    """What `gpuaas <command>` prints in a fresh process, and which of `modules` it imported."""
    import subprocess
    code = (f"import sys\nfrom gpuaas.cli import main\nsys.argv = ['gpuaas', {command!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in {modules!r} if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(Path(buildcache.__file__).parents[1])}
    proc = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True,
                          env=env, timeout=300)
    *printed, loaded = proc.stdout.strip().split("\n")
    return "\n".join(printed) + proc.stderr, ast.literal_eval(loaded)   # the list printed last


def test_a_full_cache_hit_builds_nothing_and_imports_no_template_engine(tmp_path, cli):
    """Neither the portfolio model, the rules, the plan nor Jinja and ruamel are imported
    (pydantic may be: typer uses it to parse options)."""
    repo = make_repo(tmp_path)
    cli("render", cwd=repo)
    printed, loaded = imported_by("render", repo, (
        "jinja2", "ruamel.yaml", "gpuaas.portfolio.schema", "gpuaas.rules", "gpuaas.plan",
        "gpuaas.render", "gpuaas.templating"))
    assert "unchanged" in printed and loaded == [], printed


def test_the_component_names_are_the_portfolio_formats():
    """validate takes the names from a module that imports nothing: they are the model's."""
    from gpuaas import component_names, components
    from gpuaas.portfolio.schema import COMPONENTS, CORE_COMPONENTS
    assert component_names.ALL == COMPONENTS and component_names.CORE == CORE_COMPONENTS
    assert {c.name for c in components.REGISTRY} == set(component_names.ALL)


def test_validate_on_an_unchanged_tree_loads_no_portfolio_model(tmp_path, cli):
    repo = make_repo(tmp_path)
    cli("render", cwd=repo)
    printed, loaded = imported_by("validate", repo, (
        "jinja2", "ruamel.yaml", "gpuaas.portfolio", "gpuaas.rules", "gpuaas.plan",
        "gpuaas.render", "gpuaas.templating", "gpuaas.catalog"))
    assert printed.startswith("ok:") and loaded == [], printed


def test_a_local_config_json_the_plan_read_is_checked_again(tmp_path, cli, builds):
    """A model sized by a config.json on disk: the render depends on that file too."""
    snapshot = tmp_path / "models--org--model" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    config = ('{"num_hidden_layers": 32, "hidden_size": 4096, "num_attention_heads": 32, '
              '"num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 128256, '
              '"max_position_embeddings": 131072, "tie_word_embeddings": false}')
    (snapshot / "config.json").write_text(config)
    repo = make_repo(tmp_path, small_portfolio(extra="    architecture: models--org--model\n"
                                               "    maxModelLen: 8192\n"))
    assert cli("render", cwd=repo).exit_code == 0 and len(builds) == 1
    cli("render", cwd=repo)
    assert len(builds) == 1         # kept
    (snapshot / "config.json").write_text(config.replace('"num_hidden_layers": 32', '"num_hidden_layers": 40'))
    cli("render", cwd=repo)
    assert len(builds) == 2         # the file changed
    cli("render", cwd=repo)
    assert len(builds) == 2
    newer = tmp_path / "models--org--model" / "snapshots" / "def456"
    newer.mkdir()
    (newer / "config.json").write_text(config)
    os.utime(newer / "config.json", (2_000_000_000, 2_000_000_000))
    cli("render", cwd=repo)
    assert len(builds) == 3         # another snapshot is the newest


def test_existing_files_lists_what_rglob_lists(tmp_path):
    """The tree is listed with scandir, in the order and with the files that
    sorted(rglob("*")) gives: regular files only, no symlink followed."""
    root = tmp_path / "tree"
    for rel in ("a.txt", "a/b.yaml", "a-b/c", "a/b/c/d", ".hidden", "B", "z/.x", "sub dir/f"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel)
    (root / "empty").mkdir()
    (root / "link").symlink_to(root / "a")
    (root / "a" / "link.yaml").symlink_to(root / "a.txt")
    expected = {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*"))
                if p.is_file() and not p.is_symlink()}
    assert list(output.existing_files(root).items()) == list(expected.items())
    assert output.existing_files(tmp_path / "none") == {}
