"""Starter portfolios from the bundled examples, and the editor schema their modeline names."""
from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from .findings import Finding, did_you_mean
from .errors import UserError

SCHEMA = Path("schema/portfolio.schema.json")   # the examples' modeline: ../schema/... from portfolios/


def examples() -> dict[str, str]:
    """Bundled examples by name, with their description."""
    out = {}
    for path in sorted((resources.files("gpuaas") / "examples").iterdir(), key=lambda p: p.name):
        if path.name.endswith(".yaml"):
            found = re.search(r"(?m)^  description: (.*)$", path.read_text())
            out[path.name.removesuffix(".yaml")] = found.group(1).strip() if found else ""
    return out


def starter(example: str, name: str | None, directory: Path) -> dict[Path, str]:
    """The files `gpuaas init` writes: the portfolio (renamed, with its gitops.path) and the
    editor schema when the repository has none yet."""
    from .portfolio.schema import dns_label
    known = examples()
    if example not in known:
        raise UserError([Finding("--example", None, "INPUT", f"no example {example!r}"
                                 f"{did_you_mean(example, known)}: "
                                 f"{', '.join(known)}")])
    text = (resources.files("gpuaas") / "examples" / f"{example}.yaml").read_text()
    if name and name != example:
        try:
            dns_label(name, 40)
        except ValueError as exc:
            raise UserError([Finding("--name", None, "INPUT", str(exc))]) from None
        text = re.sub(rf"(?m)^(  name: ){re.escape(example)}\b", rf"\g<1>{name}", text, count=1)
        text = text.replace(f"rendered/{example}", f"rendered/{name}")  # gitops.path and comments
    files = {directory / f"{name or example}.yaml": text}
    schema = directory.parent / SCHEMA
    if not schema.exists():
        from .portfolio.jsonschema import portfolio_schema
        files[schema] = json.dumps(portfolio_schema(), indent=2) + "\n"
    return files
