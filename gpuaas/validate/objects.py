"""Rendered manifests read as objects: each with its file, line and source text, so every
finding names where it is (a chart's template for what Helm rendered)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import manifests
from ..findings import Finding

HELM_SOURCE = re.compile(r"(?m)^# Source: (\S+)$")


@dataclass
class Obj:
    data: dict
    file: str
    line: int
    text: str = ""   # the document as written in `file`, to find a field's line and column
    base: int = 1    # the line of `file` where `text` starts

    def locate(self, parts: tuple) -> tuple[int, int | None]:
        """Line and column of the deepest part of a field path found in the source."""
        if not self.text:
            return _template_line(self.file, parts) or self.line, None
        node = yaml.compose(self.text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        if node is None:
            return self.line, None
        mark = node.start_mark
        for part in parts:
            if isinstance(node, yaml.MappingNode):
                found = next(((k, v) for k, v in node.value if k.value == part), None)
                if found is None:
                    break
                mark, node = found[0].start_mark, found[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                mark = node.start_mark
            else:
                break
        return self.base + mark.line, mark.column + 1

    @property
    def ref(self) -> str:
        meta = self.data.get("metadata") or {}
        ns = f"{meta.get('namespace')}/" if meta.get("namespace") else ""
        return f"{self.data.get('kind')}/{ns}{meta.get('name')}"


def parse_objects(path: Path, findings: list[Finding], text: str | None = None,
                  charts: Path | None = None) -> list[Obj]:
    """The objects of a file, or of Helm's output when `charts` is given: each then names the
    template it came from (Helm's `# Source:` line, relative to `charts`)."""
    text = path.read_text(encoding="utf-8", errors="replace") if text is None else text
    out = []
    line = 1
    source = None
    for chunk in re.split(r"(?m)^---[ \t]*$", text):
        source = (HELM_SOURCE.search(chunk) or source) if charts else None
        try:
            data = manifests.load(chunk)
        except yaml.YAMLError as exc:
            findings.append(yaml_finding(path, exc, line))
            data = None
        if isinstance(data, dict):
            first = next((i for i, l in enumerate(chunk.split("\n"))
                          if l.strip() and not l.lstrip().startswith("#")), 0)
            if source and charts is not None:
                template = charts / source.group(1)
                where: tuple = (str(template), _template_line(str(template), ("kind",)) or 1)
            else:
                where = (str(path), line + first, chunk, line)
            out += [Obj(d, *where) for d in unwrap(data)]
        elif data is not None:
            findings.append(Finding(str(path), line, "YAML", "a manifest must be a mapping"))
        line += chunk.count("\n")  # the next chunk starts on the separator's own line
    return out


def unwrap(data: dict) -> list[dict]:
    """A `kind: List` (or FooList) is its items, as kustomize and kubectl read it
    (`kubectl kustomize` emits a List's items as the resources); each item is
    checked as the object it is, a Secret inside one included."""
    items = data.get("items")
    if str(data.get("kind", "")).endswith("List") and isinstance(items, list):
        return [d for item in items if isinstance(item, dict) for d in unwrap(item)]
    return [data]


def yaml_finding(path: Path, exc: yaml.YAMLError, first_line: int = 1) -> Finding:
    mark = getattr(exc, "problem_mark", None)
    return Finding(str(path), first_line + (mark.line if mark else 0), "YAML",
                   f"invalid YAML: {getattr(exc, 'problem', None) or exc}")


# --- Helm and wiring -------------------------------------------------------------------


def _template_line(file: str, parts: tuple) -> int | None:
    """Helm's output is not the template: the line of the field's key in the template."""
    keys = [p for p in parts if isinstance(p, str)]
    try:
        lines = Path(file).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for key in reversed(keys):
        pattern = re.compile(rf"^\s*(- )?{re.escape(key)}:")
        hit = next((i for i, l in enumerate(lines, 1) if pattern.match(l)), None)
        if hit:
            return hit
    return None
