"""Write the generated pages of the documentation site from the code itself:

- docs/reference/cli.md: every command's help, as `gpuaas <command> --help` prints it;
- docs/reference/portfolio-fields.md: every portfolio field from the JSON Schema `gpuaas
  schema` writes (type, default, description) with an example value from a bundled portfolio;
- docs/reference/waves.md: what each component's wave waits for and what a stuck sync there
  means (the components' own texts);
- docs/findings.md: every finding code (gpuaas/codes.py);
- docs/reference/evidence.md: the GPU memory model against public vLLM start-up logs
  (tests/evidence.py), with the accuracy it reaches.

`python tools/make_docs.py` writes them; `python tools/make_docs.py --check` exits 1 when one
is not current (a test runs that).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gpuaas import codes, components  # noqa: E402
from gpuaas.portfolio.jsonschema import portfolio_schema  # noqa: E402


def cli_reference() -> str:
    import click
    import typer

    from gpuaas.cli import app
    root = typer.main.get_command(app)
    out = ["# Command reference", "",
           "Generated from the CLI itself (`gpuaas <command> --help`); `-h` is `--help` everywhere.", ""]

    def walk(cmd: click.Command, path: list[str]) -> None:
        with click.Context(cmd, info_name=" ".join(path), terminal_width=100) as ctx:
            text = cmd.get_help(ctx)
        out.extend([f"## `{' '.join(path)}`", "", "```text", text.rstrip(), "```", ""])
        if isinstance(cmd, click.Group):
            for name in sorted(cmd.list_commands(ctx)):
                sub = cmd.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    walk(sub, [*path, name])

    walk(root, ["gpuaas"])
    return "\n".join(out).rstrip("\n") + "\n"


def _examples() -> dict[str, Any]:
    """The first value each field path takes in the bundled portfolios (lists as [])."""
    found: dict[str, Any] = {}

    def visit(value: Any, path: str) -> None:
        found.setdefault(path, value)
        if isinstance(value, dict):
            for key, item in value.items():
                visit(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for item in value:
                visit(item, f"{path}[]")

    from ruamel.yaml import YAML
    for path in sorted((ROOT / "portfolios").glob("*.yaml")):
        visit(YAML(typ="safe").load(path.read_text()), "")
    return found


def _type(node: dict, defs: dict) -> str:
    if "$ref" in node:
        return node["$ref"].rsplit("/", 1)[1]
    if "anyOf" in node:
        return " or ".join(dict.fromkeys(_type(n, defs) for n in node["anyOf"] if n.get("type") != "null"))
    if "enum" in node:
        return " \\| ".join(f"`{v}`" for v in node["enum"])
    kind = node.get("type", "any")
    if kind == "array":
        return f"list of {_type(node.get('items', {}), defs)}"
    if kind == "object" and "additionalProperties" in node and isinstance(node["additionalProperties"], dict):
        return f"map of {_type(node['additionalProperties'], defs)}"
    return kind if isinstance(kind, str) else " or ".join(kind)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def portfolio_reference() -> str:
    schema = portfolio_schema()
    defs = schema.get("$defs", {})
    examples = _examples()
    out = ["# Portfolio field reference", "",
           "Generated from the JSON Schema `gpuaas schema` writes (the editor's schema, "
           "`schema/portfolio.schema.json`): every field of the `gpuaas/v1` format, its type, "
           "its description (with its default), and a value it takes in a bundled portfolio. "
           "The rules JSON Schema cannot say are in [the findings](../findings.md).", ""]
    seen: set[str] = set()

    def section(title: str, node: dict, path: str) -> None:
        props = node.get("properties", {})
        if not props:
            return
        out.extend([f"## `{path or title}`", "", "| field | type | description | example |", "|---|---|---|---|"])
        nested: list[tuple[str, dict, str]] = []
        for name, prop in props.items():
            field = f"{path}.{name}" if path else name
            example = examples.get(field.replace("[]", "[]"))
            shown = "" if example is None or isinstance(example, (dict, list)) else f"`{yaml.safe_dump(example).splitlines()[0]}`"
            out.append(f"| `{name}` | {_cell(_type(prop, defs))} | {_cell(prop.get('description', ''))} | {shown} |")
            target = prop
            for option in prop.get("anyOf", [prop]):
                if option.get("type") == "array":
                    option = option.get("items", {})
                    suffix = "[]"
                else:
                    suffix = ""
                if "$ref" in option:
                    ref = option["$ref"].rsplit("/", 1)[1]
                    nested.append((ref, defs.get(ref, {}), field + suffix))
                elif option.get("type") == "object" and "additionalProperties" in option and isinstance(
                        option["additionalProperties"], dict) and "$ref" in option["additionalProperties"]:
                    ref = option["additionalProperties"]["$ref"].rsplit("/", 1)[1]
                    nested.append((ref, defs.get(ref, {}), field + ".<name>"))
            del target
        out.append("")
        for ref, sub, sub_path in nested:
            key = f"{ref}@{sub_path}"
            if key not in seen:
                seen.add(key)
                section(ref, sub, sub_path)

    section("portfolio", schema, "")
    return "\n".join(out).rstrip("\n") + "\n"


def waves() -> str:
    out = ["# Sync waves: what each waits for", "",
           "Generated from the components (`gpuaas/components/`): the umbrella Application applies "
           "them wave by wave, each once the previous one is Healthy. When a sync stops, the wave "
           "it stopped at names the cause. The tree's own README has the same table for the "
           "components it turns on.", "",
           "| wave | component | next wave waits until | stuck here means |", "|---|---|---|---|"]
    for c in components.REGISTRY:
        out.append(f"| {c.wave} | {c.name} | {_cell(c.healthy)} | {_cell(c.stuck)} |")
    return "\n".join(out) + "\n"


def evidence() -> str:
    """The evidence table: each public log, what vLLM logged and what gpuaas predicts."""
    from statistics import median

    from tests.evidence import EVIDENCE, kv_error, predict, source_of

    rows, errors = [], []
    for i, c in enumerate(EVIDENCE, 1):
        e = predict(c)
        error = kv_error(c)
        if error is not None:
            errors.append(error)
        logged = ("starts" if c.started else "refuses") + (f", {c.kv_gib:.2f} GiB" if c.kv_gib is not None else "") + (
            f", {c.kv_tokens:,} tokens" if c.kv_tokens else "")
        said = ("starts" if e.fits else "refuses") + f", {e.kv_pool_gib:.2f} GiB" + (
            f", {e.kv_tokens:,} tokens" if c.kv_tokens else "")
        verdict = "right" if e.fits is c.started else "**wrong**"
        miss = " (miss)" if c.known_miss else ""
        link = f"[{source_of(c)}]({c.url})" if c.url.startswith("http") else f"a public file ({c.url})"
        rows.append(f"| {i} | {_cell(c.name)} | `{c.source.removeprefix('hf://')}` | {c.gpu} x {c.tp}"
                    f"{f' ({c.nodes} nodes)' if c.nodes > 1 else ''} | {c.vllm} | {c.util} | {c.max_model_len} | "
                    f"{logged} | {said} | {verdict} | "
                    f"{'-' if error is None else f'{error:+.0%}{miss}'} | {_cell(c.kind) or '-'} | {link} |")
    right = sum(1 for c in EVIDENCE if predict(c).fits is c.started)
    inside = sum(1 for x in errors if abs(x) <= 0.10)
    sources = sorted({source_of(c) for c in EVIDENCE})
    out = ["# Evidence: the memory model against public vLLM logs", "",
           "Generated from `tests/evidence.py` by `tools/make_docs.py`; `tests/test_gpufit.py` holds "
           "the same cases to the same bars. Each prediction starts from the model's name as a "
           "user writes it (the catalog's architecture, parameters and checkpoint precision), the "
           "GPU's facts and the engine of the logged vLLM version: nothing the log measured goes in.", "",
           f"- **Start or refusal right: {right} of {len(EVIDENCE)}.**",
           f"- **KV cache pool within 10%: {inside} of the {len(errors)} starts that logged it "
           f"({inside / len(errors):.0%})**; median error {median(abs(x) for x in errors):.1%}.",
           f"- {len(sources)} independent sources: " + ", ".join(sources) + ".", "",
           "| # | case | model | GPU x TP | vLLM | util | maxModelLen | logged | predicted | start/fail "
           "| KV error | covers | source |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|", *rows, "", "## Known misses", ""]
    out += [f"- **{c.name}** ({kv_error(c):+.0%}): {c.known_miss}." for c in EVIDENCE
            if c.known_miss and kv_error(c) is not None]
    out += [f"- **{c.name}** (did not start; logged {c.kv_gib} GiB, predicted "
            f"{predict(c).kv_pool_gib:.2f}): {c.known_miss}." for c in EVIDENCE
            if c.known_miss and kv_error(c) is None]
    return "\n".join(out) + "\n"


def pages() -> dict[Path, str]:
    return {ROOT / "docs/reference/cli.md": cli_reference(),
            ROOT / "docs/reference/portfolio-fields.md": portfolio_reference(),
            ROOT / "docs/reference/waves.md": waves(),
            ROOT / "docs/reference/evidence.md": evidence(),
            ROOT / "docs/findings.md": codes.markdown()}


def main(check: bool) -> int:
    stale = []
    for path, text in pages().items():
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    for path in stale:
        print(f"{path.relative_to(ROOT)} is not current: run python tools/make_docs.py")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))
