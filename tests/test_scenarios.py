"""The README's three scenarios, run command by command in a new repository: each output is
what the README shows."""
from __future__ import annotations

import os
import re
import shlex
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
    readme = (REPO / "README.md").read_text()
    run("gpuaas init --example enterprise-demo", tmp_path)
    done = steps(readme)
    assert len(done) == 7
    for command, expected in done:
        assert run(command, tmp_path).rstrip("\n") == expected.rstrip("\n"), command
