"""Reporters for validate findings: text (rich), json (the contract), github annotations."""
from __future__ import annotations

from collections import defaultdict

from rich.console import Console
from rich.markup import escape

from ..findings import Finding


def as_json(findings: list[Finding], stats: dict, ok: bool) -> dict:
    return {"ok": ok,
            "findings": [{"severity": f.severity, "code": f.code, "message": f.message,
                          "file": f.file, "line": f.line, "object": f.object} for f in findings],
            "stats": stats}


def _escape(text: str, props: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if props else text


def as_github(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        props = f"file={_escape(f.file, True)}"
        if f.line:
            props += f",line={f.line}"
        props += f",title={f.code}"
        lines.append(f"::{f.severity} {props}::{_escape(f.message)}")
    return "".join(line + "\n" for line in lines)


def as_text(console: Console, findings: list[Finding], stats: dict) -> None:
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_file[f.file].append(f)
    for file, items in by_file.items():
        console.print(f"[bold]{escape(file)}[/bold]")
        for f in items:
            style = "red" if f.severity == "error" else "yellow"
            where = f"{f.line}" if f.line else "-"
            console.print(f"  {where:>5}  [{style}]{f.severity:7}[/{style}] {f.code:14} {escape(f.message)}")
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    verdict = "[green]ok[/green]" if not errors else "[red]failed[/red]"
    console.print(f"{verdict}: {errors} error(s), {warnings} warning(s); {stats.get('portfolios', 0)} "
                  f"portfolio(s), {stats.get('objects', 0)} objects ({stats.get('schemaChecked', 0)} "
                  f"schema-checked), {stats.get('helmRenders', 0)} Helm renders, "
                  f"{stats.get('kustomizations', 0)} kustomizations in {stats.get('seconds', 0)}s")
