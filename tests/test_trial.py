"""What a new user runs into: each message says what to do, in the user's words."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO


@pytest.mark.parametrize("args", [["validate"], ["schemas", "list"], ["schemas", "import", "-"]])
def test_without_the_engines_every_command_that_needs_them_says_so(tmp_path, args):
    """The `make demo` install has no jsonschema-rs: a clean exit 2, never an internal error."""
    run = ("import sys; sys.modules['jsonschema_rs'] = None\n"
           "from gpuaas.cli import main; sys.argv = ['gpuaas'] + sys.argv[1:]; main()")
    proc = subprocess.run([sys.executable, "-c", run, *args], cwd=tmp_path, input="", text=True,
                          capture_output=True)
    assert proc.returncode == 2, proc.stderr
    assert f"{' '.join(args[:2]) if args[0] == 'schemas' else 'validate'} needs its engines" in proc.stderr
    assert "pip install 'gpuaas[validate]'" in proc.stderr and "internal error" not in proc.stderr


@pytest.mark.parametrize(("edit", "hint"), [
    (("    gpu: L40S", "    gpu: l40s"), "did you mean 'L40S'?"),
    (("    gpus: 1\n", "    gpus: 1\n    state: stanby\n"), "did you mean 'standby'?"),
])
def test_enum_typos_get_did_you_mean(tmp_path, cli, edit, hint):
    path = tmp_path / "p.yaml"
    path.write_text((REPO / "portfolios" / "starter.yaml").read_text().replace(*edit, 1))
    result = cli("plan", str(path))
    assert result.exit_code == 2 and hint in result.output, result.output


def test_init_on_an_existing_file_suggests_a_name(tmp_path, cli):
    assert cli("init", cwd=tmp_path).exit_code == 0
    again = cli("init", cwd=tmp_path)
    assert again.exit_code == 2 and "--name" in again.output


def test_at_80_columns_the_plan_keeps_state_fit_and_cost(tmp_path):
    import os
    env = {**os.environ, "COLUMNS": "80"}
    gpuaas = str(Path(sys.executable).parent / "gpuaas")
    proc = subprocess.run([gpuaas, "plan", str(REPO / "portfolios" / "starter.yaml")],
                          capture_output=True, text=True, env=env)
    header = next(line for line in proc.stdout.splitlines() if "model" in line and "admission" in line)
    for column in ("state", "fit", "$/month", "admission"):
        assert column in header, header
    assert all(len(line) <= 80 for line in proc.stdout.splitlines()), proc.stdout


def test_what_every_environment_says_alike_is_said_once(tmp_path, cli):
    path = tmp_path / "p.yaml"
    text = (REPO / "portfolios" / "release-train.yaml").read_text()
    path.write_text(text.replace("  chatShare: 1.0                        # chat models only\n", ""))
    lines = [line for line in cli("plan", str(path)).output.splitlines() if "[TASK]" in line]
    assert len(lines) == 1 and "(environments dev, prod)" in lines[0], lines


@pytest.mark.parametrize(("old", "new", "says"), [
    ("    source: hf://ibm-granite", "     source: hf://ibm-granite", "`source` starts in column 6, `name` on line"),
    ("    params: 8.2B", "  params: 8.2B", "`params` starts in column 3, `source` on line"),
])
def test_a_mis_indented_key_is_said_in_the_users_words(tmp_path, cli, old, new, says):
    path = tmp_path / "p.yaml"
    path.write_text((REPO / "portfolios" / "starter.yaml").read_text().replace(old, new, 1))
    result = cli("plan", str(path))
    assert result.exit_code == 2 and says in result.output and "block end" not in result.output, result.output


def test_plan_json_carries_the_findings(tmp_path, cli):
    import json
    path = tmp_path / "p.yaml"
    path.write_text((REPO / "portfolios" / "starter.yaml").read_text().replace("  chatShare: 1.0", "  chatShare: 0.5"))
    data = json.loads(cli("plan", str(path), "--format", "json").stdout)
    [task] = [f for f in data["findings"] if f["code"] == "TASK"]
    assert task["severity"] == "warning" and task["file"] == str(path) and task["line"]


def test_the_compiled_templates_cache_cannot_crash_and_obeys_no_cache(tmp_path, cli, monkeypatch):
    """A truncated bucket is compiled again; GPUAAS_NO_CACHE and a relative XDG_CACHE_HOME
    keep the compiled templates out of the repository like every other cache."""
    from gpuaas import templating
    cache = tmp_path / "cache"
    monkeypatch.setenv("GPUAAS_CACHE_DIR", str(cache))
    monkeypatch.setattr(templating, "_BYTECODE", True)     # another test's --no-cache in this process
    templating.environment.cache_clear()
    repo = tmp_path / "repo"
    repo.mkdir()
    assert cli("init", cwd=repo).exit_code == 0
    assert cli("render", cwd=repo).exit_code == 0
    buckets = list((cache / "templates").rglob("*.cache"))
    assert buckets
    for bucket in buckets:
        bucket.write_bytes(bucket.read_bytes()[:40])      # truncated
    templating.environment.cache_clear()
    assert cli("render", "--check", cwd=repo).exit_code == 0
    monkeypatch.delenv("GPUAAS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative-cache")
    templating.environment.cache_clear()
    assert cli("render", "--check", cwd=repo).exit_code == 0
    assert not (repo / "relative-cache").exists()
    assert cli("render", "--check", "--no-cache", cwd=repo).exit_code == 0
    assert templating._bytecode_cache() is None
    templating.environment.cache_clear()
