"""Findings for people and machines, the same for every command: text
(`file:line:col: severity message [CODE]`), JSON (the contract) and GitHub annotations.

Text is built as rich `Text`, never parsed as markup: file names, keys and values are the
user's and may hold `[x]`, `[/bold]` or `:smile:`.
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Callable

from .findings import Finding

if TYPE_CHECKING:   # rich is imported where text is made: the CLI reads FORMATS at start-up
    from rich.console import Console
    from rich.text import Text

STYLE = {"error": "red", "warning": "yellow"}


def line(f: Finding) -> Text:
    from rich.text import Text
    return Text.assemble(f"{f.where()}: ", (f.severity, STYLE.get(f.severity, "")), f" {f.message} ",
                         (f"[{f.code}]", "dim"))


def finding_json(f: Finding) -> dict:
    """One finding in the JSON contract (validate's, plan's)."""
    return {"severity": f.severity, "code": f.code, "message": f.message,
            "file": f.file, "line": f.line, "column": f.column, "object": f.object}


def as_json(findings: list[Finding], stats: dict, ok: bool) -> dict:
    return {"ok": ok, "findings": [finding_json(f) for f in findings], "stats": stats}


def _escape(text: str, props: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if props else text


def as_github(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        props = f"file={_escape(f.file, True)}"
        if f.line:
            props += f",line={f.line}"
            if f.column:
                props += f",col={f.column}"
        props += f",title={f.code}"
        lines.append(f"::{f.severity} {props}::{_escape(f.message)}")
    return "".join(line + "\n" for line in lines)


GROUP = 3     # this many files with one cause (and no line) print as one line


def grouped(findings: list[Finding]) -> list[Finding | tuple[Finding, list[str]]]:
    """Findings in order, those of one cause across many files (the same code, severity and
    message, no line: NOT_IN_GIT and STALE after a render) folded into (first, files)."""
    by_cause: dict[tuple, list[Finding]] = {}
    for f in findings:
        if f.line is None:
            by_cause.setdefault((f.code, f.severity, f.message), []).append(f)
    out: list[Finding | tuple[Finding, list[str]]] = []
    for f in findings:
        same = by_cause.get((f.code, f.severity, f.message), []) if f.line is None else []
        if len(same) < GROUP:
            out.append(f)
        elif same[0] is f:
            out.append((f, [g.file for g in same]))
    return out


def group_line(first: Finding, files: list[str]) -> Text:
    import os.path
    from rich.text import Text
    try:
        where = os.path.commonpath(files) or "."
    except ValueError:      # absolute and relative paths mixed
        where = "."
    shown = ", ".join(os.path.relpath(f, where) if where != "." else f for f in files[:3])
    return Text.assemble(f"{where}: ", (first.severity, STYLE.get(first.severity, "")),
                         f" {len(files)} files: {first.message} ", (f"[{first.code}]", "dim"),
                         f" ({shown}{', ...' if len(files) > 3 else ''}; --format json lists each)")


def as_text(console: Console, findings: list[Finding], stats: dict | None = None) -> None:
    for item in grouped(findings):
        console.print(line(item) if isinstance(item, Finding) else group_line(*item))
    if stats is None:
        return
    from rich.text import Text
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    console.print(Text.assemble(
        ("ok", "green") if not errors else ("failed", "red"),
        f": {errors} error(s), {warnings} warning(s); {stats.get('portfolios', 0)} portfolio(s), "
        f"{stats.get('objects', 0)} objects ({stats.get('schemaChecked', 0)} schema-checked), "
        f"{stats.get('helmRenders', 0)} Helm renders, {stats.get('kustomizations', 0)} "
        f"kustomizations in {stats.get('seconds', 0)}s"))


def _text(console: Console, findings: list[Finding], stats: dict | None, ok: bool) -> None:
    as_text(console, findings, stats)


def print_json(value: object) -> None:
    """The JSON every command prints (--format json, `gpuaas schema`)."""
    import json   # here: `--help` and text output need no json
    sys.stdout.write(json.dumps(value, indent=2) + "\n")


def _json(console: Console, findings: list[Finding], stats: dict | None, ok: bool) -> None:
    print_json(as_json(findings, stats or {}, ok))


def _github(console: Console, findings: list[Finding], stats: dict | None, ok: bool) -> None:
    sys.stdout.write(as_github(findings))


# The formats of findings, by the name `--format` takes: each prints the findings of a run,
# its stats (None: the run stopped before any) and whether it passed.
FORMATS: dict[str, Callable[[Console, list[Finding], dict | None, bool], None]] = {
    "text": _text, "json": _json, "github": _github}
