"""A corpus of hand-written bad portfolios, each with the exact lines `gpuaas render` prints.

tests/corpus/<name>.yaml holds one classic mistake (its first line says which);
tests/corpus/<name>.expected the stderr lines of `gpuaas render tests/corpus/<name>.yaml`
run from the repository root, colour off. To add a case: write the .yaml, run the command,
read the output and keep it as the .expected only if it is right and helps the user.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import REPO

CORPUS = REPO / "tests" / "corpus"
CASES = sorted(CORPUS.glob("*.yaml"))


def test_the_corpus_is_complete():
    assert len(CASES) >= 15
    for case in CASES:
        assert case.with_suffix(".expected").is_file(), f"{case.name} has no .expected"
    assert not [p.name for p in CORPUS.glob("*.expected") if not p.with_suffix(".yaml").is_file()]


@pytest.fixture
def render(monkeypatch):
    """`gpuaas render` through CliRunner from the repository root, stderr without colour."""
    from rich.console import Console
    from typer.testing import CliRunner

    from gpuaas import cli
    monkeypatch.chdir(REPO)
    # cli.err decided on colour when it was imported (a terminal under `pytest -s`): use one
    # like it (same width and wrapping) that never colours.
    monkeypatch.setattr(cli, "err", Console(stderr=True, highlight=False, soft_wrap=True,
                                            width=cli._WIDTH, color_system=None))
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli.app, ["render", *args])
    return run


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_bad_portfolio_is_refused_with_the_expected_lines(case: Path, render, tmp_path: Path):
    out = tmp_path / "out"
    result = render(case.relative_to(REPO).as_posix(), "--out", str(out))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "\x1b[" not in result.stderr, "colour codes in the output"
    assert not out.exists() or not any(out.iterdir()), "files written for a bad portfolio"
    expected = case.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    assert result.stderr.splitlines() == expected
