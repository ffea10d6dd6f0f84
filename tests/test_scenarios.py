"""The README's three scenarios, run command by command in a new repository: each output is
what the README shows."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import REPO

SECTION = ("## Three scenarios on five GPUs\n", "## The plan in review\n")
GPUAAS = str(Path(sys.executable).parent / "gpuaas")


def steps(readme: str) -> list[tuple[str, str]]:
    """(command, output) of every `$ ` line of the section's text blocks, in order."""
    section = readme[readme.index(SECTION[0]):readme.index(SECTION[1])]
    out = []
    for block in re.findall(r"```text\n(.*?)```", section, re.S):
        for chunk in re.split(r"(?m)^\$ ", block)[1:]:
            command, _, output = chunk.partition("\n")
            out.append((command, output))
    return out


def run(command: str, cwd: Path) -> str:
    argv = shlex.split(command)
    assert argv[0] == "gpuaas"
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}   # the 160 columns of a log
    proc = subprocess.run([GPUAAS, *argv[1:]], cwd=cwd, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.returncode == 0, proc.stdout
    return proc.stdout


def test_the_readme_scenarios_print_what_the_readme_shows(tmp_path: Path):
    readme = (REPO / "docs" / "tutorial.md").read_text()
    run("gpuaas init --example enterprise-demo", tmp_path)
    done = steps(readme)
    assert len(done) == 7
    for command, expected in done:
        assert run(command, tmp_path).rstrip("\n") == expected.rstrip("\n"), command


def test_the_readme_shows_what_validate_and_render_print_on_the_bundled_portfolios(tmp_path: Path):
    readme = (REPO / "docs" / "tutorial.md").read_text()
    block = readme[readme.index("`gpuaas validate` on the bundled portfolios:"):]
    shown = re.search(r"```text\n(.*?)```", block, re.S).group(1)
    repo = tmp_path / "gitops"       # the bundled portfolios and trees, committed
    for part in ("portfolios", "rendered"):
        shutil.copytree(REPO / part, repo / part)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "trees"]):
        subprocess.run(git + args, cwd=repo, check=True)
    printed = run("gpuaas validate", repo)
    # the same findings and counts; only the time differs between runs
    strip = lambda text: re.sub(r" in [0-9.]+s$", "", text.rstrip("\n"), flags=re.M)  # noqa: E731
    assert strip(printed) == strip(shown)
    summary = re.search(r"`gpuaas render portfolios/enterprise-demo.yaml` prints `([^`]*)`", readme).group(1)
    run("gpuaas init --example enterprise-demo", tmp_path)
    run("gpuaas render portfolios/enterprise-demo.yaml", tmp_path)
    assert run("gpuaas render portfolios/enterprise-demo.yaml", tmp_path).splitlines()[-1] == summary
