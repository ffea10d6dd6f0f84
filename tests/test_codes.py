"""One registry of finding codes (gpuaas/codes.py): every code gpuaas emits is in it, every
code in it is emitted somewhere, the findings reference is generated from it, and
`gpuaas explain` answers from it."""
from __future__ import annotations

import ast

from gpuaas import codes

from .conftest import REPO

PACKAGE = REPO / "gpuaas"


def literal_codes() -> dict[str, set[str]]:
    """The codes written as literals where a Finding is made: Finding(file, line, CODE, ...)
    and locations.finding(path, message, CODE, ...), and code=CODE."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            values = [kw.value for kw in node.keywords if kw.arg == "code"]
            if name in ("Finding", "finding") and len(node.args) >= 3:
                values.append(node.args[2])
            for value in values:
                options = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
                for v in options:
                    if isinstance(v, ast.Constant) and isinstance(v.value, str):
                        found.setdefault(v.value, set()).add(str(path.relative_to(REPO)))
    return found


def test_every_code_emitted_is_registered_and_every_registered_code_is_emitted():
    emitted = literal_codes()
    assert set(emitted) - set(codes.CODES) == set(), "register them in gpuaas/codes.py"
    assert set(codes.CODES) - set(emitted) == set(), "a registered code nothing emits"


def test_every_code_says_what_it_catches_and_what_to_do():
    for name, c in codes.CODES.items():
        assert name.isupper() and c.catches and c.fix, name
        assert c.stage in ("load", "rules", "render", "validate", "command"), name
        assert c.severity in ("error", "warning", "error or warning"), name


def test_the_findings_reference_is_generated_from_the_registry():
    assert (REPO / "docs" / "findings.md").read_text() == codes.markdown(), \
        "run `python -c 'from gpuaas import codes; print(codes.markdown(), end=\"\")' > docs/findings.md`"


def test_explain_answers_from_the_registry(cli):
    result = cli("explain", "gated_token")
    assert result.exit_code == 0
    assert codes.CODES["GATED_TOKEN"].fix in result.stdout.replace("\n", " ")
    unknown = cli("explain", "STAEL")
    assert unknown.exit_code == 2 and "did you mean 'STALE'" in unknown.stderr


def test_exit_codes_come_from_the_error_module():
    """The CLI names its exit codes (gpuaas/errors.py) and handles errors in one place: no
    number in an exit, no command that reports an Error itself."""
    import re

    from gpuaas import errors
    cli = (REPO / "gpuaas" / "cli.py").read_text()
    assert not re.search(r"(typer\.Exit|sys\.exit)\(\d", cli)
    assert "except crd_import.CRDError" not in cli and "fail(" not in cli
    assert (errors.OK, errors.FOUND, errors.BAD_INPUT, errors.BUG) == (0, 1, 2, 3)   # DESIGN.md's contract
