"""Strict schema validation of rendered Kubernetes objects.

Built-in kinds use the strict schemas shipped by the ``kubernetes_validate``
package; CRD kinds use schemas made by :mod:`gpuaas.validate.crd_import`
(kubeconform layout): in memory, then the user's directories (imported from their
own cluster), then the ones bundled with gpuaas (``gpuaas/schemas``). Validators are compiled lazily
with ``jsonschema_rs`` and cached per (apiVersion, kind), because this runs in
a pre-commit hook over hundreds of objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
import importlib.util
from pathlib import Path
from typing import Any

import jsonschema_rs

from gpuaas.findings import did_you_mean
from gpuaas.validate.crd_import import schema_path

__all__ = ["BUNDLED", "SchemaProblem", "SchemaValidator", "kubernetes_version_for",
           "supported_kube_versions"]

BUNDLED = Path(__file__).resolve().parents[1] / "schemas"

# OpenShift minor -> Kubernetes minor it is built on.
_OPENSHIFT_TO_KUBE = {
    "4.16": "1.29",
    "4.17": "1.30",
    "4.18": "1.31",
    "4.19": "1.32",
    "4.20": "1.33",
    "4.21": "1.34",
}


def kubernetes_version_for(openshift: str) -> str:
    """Kubernetes minor version of an OpenShift release: ``"4.20"`` (or ``"4.20.3"``) -> ``"1.33"``."""
    minor = ".".join(str(openshift).removeprefix("v").split(".")[:2])
    try:
        return _OPENSHIFT_TO_KUBE[minor]
    except KeyError:
        known = ", ".join(_OPENSHIFT_TO_KUBE)
        raise ValueError(f"unknown OpenShift version {openshift!r} (known: {known})") from None


@dataclass(frozen=True)
class SchemaProblem:
    path: str  # e.g. "spec.predictor.model.foo", "" for the object itself
    message: str
    parts: tuple = field(default=(), compare=False)  # the path as keys and indices, to locate it

    def __str__(self) -> str:
        return f"{self.path or '<root>'}: {self.message}"


@cache
def _schema_root() -> Path:
    # find_spec locates the package without importing it (its import pulls in
    # the pure-Python jsonschema stack: ~30 ms of startup we do not need).
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("kubernetes_validate is not installed (pip install 'gpuaas[validate]')")
    return Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"


def supported_kube_versions() -> list[str]:
    """Kubernetes minors with strict schemas in the installed ``kubernetes_validate``."""
    names = (p.name for p in _schema_root().iterdir() if p.name.endswith("-local-strict"))
    minors = {".".join(n.removeprefix("v").split(".")[:2]) for n in names}
    return sorted(minors, key=lambda v: tuple(int(x) for x in v.split(".")))


@cache
def _builtin_registry(strict_dir: Path) -> jsonschema_rs.Registry:
    # Every built-in schema $refs "/api/_definitions.json#/$defs/...", which resolves
    # against its $id (https://kubernetes.io/api/...). Register that document once
    # (~1.5 MB of JSON) and share it between all validators.
    defs = _definitions(strict_dir)
    return jsonschema_rs.Registry([(defs["$id"], defs)])


class SchemaValidator:
    """Validate Kubernetes objects strictly (unknown fields are errors)."""

    def __init__(
        self,
        kube_version: str,
        crd_schema_dirs: Iterable[Path] = (),
        crd_schemas: dict[str, dict] | None = None,
    ):
        minor = ".".join(str(kube_version).removeprefix("v").split(".")[:2])
        self.builtin_dir = _schema_root() / f"v{minor}.0-local-strict"
        if not self.builtin_dir.is_dir():
            raise ValueError(
                f"kubernetes_validate has no schemas for Kubernetes {kube_version!r} "
                f"(available: {', '.join(supported_kube_versions())})"
            )
        self.kube_version = minor
        self._crd_dirs = [*(Path(d) for d in crd_schema_dirs), BUNDLED]
        self._crd_schemas = dict(crd_schemas or {})
        self._validators: dict[tuple[str, str], jsonschema_rs.Validator | None] = {}
        self._schemas: dict[tuple[str, str], dict] = {}
        self._with_cel: set[tuple[str, str]] = set()
        # kinds an overlay has in other versions only: {(apiVersion, kind): (overlay, served)}
        self.unserved: dict[tuple[str, str], tuple[str, list[str]]] = {}

    def has_schema(self, api_version: str, kind: str) -> bool:
        return self._validator(api_version, kind) is not None

    def cel_schema(self, api_version: str, kind: str) -> dict | None:
        """The CRD schema of a kind when it may carry CEL rules, else None (built-in kinds,
        and the large schemas whose text has none, are not walked for rules)."""
        if self._validator(api_version, kind) is None or (api_version, kind) not in self._with_cel:
            return None
        return self._schemas[(api_version, kind)]

    def validate(self, obj: dict) -> list[SchemaProblem] | None:
        """Problems found in ``obj``; ``None`` when no schema is known for its apiVersion/kind."""
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            return None
        validator = self._validator(api_version, kind)
        if validator is None:
            return None
        schema = self._schemas[(api_version, kind)]
        return [problem for error in validator.iter_errors(obj)
                for problem in _problems(error, schema, self.builtin_dir)]

    # ----------------------------------------------------------------- lookup

    def _validator(self, api_version: str, kind: str) -> jsonschema_rs.Validator | None:
        key = (api_version, kind)
        if key not in self._validators:
            self._validators[key] = self._compile(api_version, kind)
        return self._validators[key]

    def _compile(self, api_version: str, kind: str) -> jsonschema_rs.Validator | None:
        found = self._find(api_version, kind)
        if found is None:
            return None
        origin, schema = found
        self._schemas[(api_version, kind)] = schema
        if origin != "kubernetes":
            return jsonschema_rs.validator_for(schema, offline=True)
        return jsonschema_rs.validator_for(schema, registry=_builtin_registry(self.builtin_dir), offline=True)

    def _find(self, api_version: str, kind: str) -> tuple[str, dict] | None:
        group, _, version = api_version.rpartition("/")
        if group:  # CRDs always have a group; installed CRDs win over built-ins
            rel = schema_path(group, kind, version)
            if rel in self._crd_schemas:
                self._with_cel.add((api_version, kind))
                return "memory", self._crd_schemas[rel]
            for directory in self._crd_dirs:
                file = directory / rel
                if file.is_file():
                    text = file.read_text(encoding="utf-8")
                    if "x-kubernetes-validations" in text:  # most large schemas have no CEL
                        self._with_cel.add((api_version, kind))
                    return str(directory), json.loads(text)
                if directory != BUNDLED and directory.is_relative_to(BUNDLED) and \
                        any((directory / group).glob(f"{kind.lower()}_*.json")):
                    # a release's overlay has the kind, not in this version: the release
                    # does not serve it (no fallback to another release's CRD)
                    served = sorted(f.stem.rpartition("_")[2] for f in (directory / group).glob(f"{kind.lower()}_*.json"))
                    self.unserved[(api_version, kind)] = (directory.relative_to(BUNDLED).as_posix(), served)
                    return None
        schema = self._builtin_schema(group, version, kind)
        return None if schema is None else ("kubernetes", schema)

    def _builtin_schema(self, group: str, version: str, kind: str) -> dict | None:
        # kubernetes_validate names files <kind>-<first group label>-<version>.json, which
        # is ambiguous (apps/v1 vs apps.example.com/v1), so check the schema's own GVK.
        prefix = f"-{group.split('.')[0]}" if group else ""
        file = self.builtin_dir / f"{kind.lower()}{prefix}-{version}.json"
        if not file.is_file():
            return None
        schema = json.loads(file.read_text(encoding="utf-8"))
        gvk = {"group": group, "version": version, "kind": kind}
        return schema if gvk in schema.get("x-kubernetes-group-version-kind", []) else None


# --------------------------------------------------------------------- errors


def _problems(error: jsonschema_rs.ValidationError, schema: dict, builtin_dir: Path) -> list[SchemaProblem]:
    path = list(error.instance_path)
    # each kind of error is a subclass with its own fields (unexpected, property, ...)
    kind: Any = error.kind
    name = kind.name
    if name == "additionalProperties":  # one problem per unknown field, path naming it
        known = _properties(schema, list(error.schema_path)[:-1], builtin_dir)
        return [SchemaProblem(_format_path([*path, p]), "unknown field" + did_you_mean(str(p), known),
                              (*path, p)) for p in kind.unexpected]
    if name == "required":
        return [SchemaProblem(_format_path([*path, kind.property]), "required field is missing",
                              tuple(path))]
    return [SchemaProblem(_format_path(path), _message(error), tuple(path))]


def _properties(schema: dict, keyword_path: list, builtin_dir: Path) -> list[str]:
    """The property names of the schema node at a keyword path, following the built-in
    schemas' $refs into Kubernetes' shared definitions."""
    node: Any = schema
    if keyword_path[:1] == ["$defs"] and "$defs" not in schema:  # a location inside the shared definitions
        node = _definitions(builtin_dir)
    for key in keyword_path:
        if key == "$ref" and isinstance(node, dict) and "$ref" in node:
            node = _definition(node["$ref"], builtin_dir)
            continue
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return []
    if isinstance(node, dict) and "$ref" in node and "properties" not in node:
        node = _definition(node["$ref"], builtin_dir)
    return sorted((node or {}).get("properties", {})) if isinstance(node, dict) else []


def _definition(ref: str, builtin_dir: Path) -> dict | None:
    _, _, pointer = ref.partition("#")
    node: Any = _definitions(builtin_dir)
    for key in pointer.strip("/").split("/"):
        node = node.get(key) if isinstance(node, dict) else None
    return node


@cache
def _definitions(builtin_dir: Path) -> dict:
    return json.loads((builtin_dir / "_definitions.json").read_text(encoding="utf-8"))


def _message(error: jsonschema_rs.ValidationError) -> str:
    # jsonschema_rs embeds the whole instance in combinator messages; for a Route
    # spec that is the entire spec. Say what failed instead.
    kind: Any = error.kind
    if kind.name in ("anyOf", "oneOf"):
        branches = []
        for errors in kind.context:
            first = errors[0] if errors else None
            if first is not None:
                where = _format_path(list(first.instance_path)[len(error.instance_path) :])
                branches.append(f"{where + ': ' if where else ''}{_message(first)}")
        if "MultipleValid" in type(kind).__name__:
            return "matches more than one of the oneOf alternatives"
        return f"matches none of the {kind.name} alternatives ({'; '.join(branches)})"
    if kind.name == "not":
        return f"must not match {_short(json.dumps(kind.schema, sort_keys=True))}"
    return _short(error.message)


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _format_path(parts: list[Any]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part and all(c.isalnum() or c in "_-" for c in str(part)):
            out += f".{part}" if out else str(part)
        else:  # label keys like app.kubernetes.io/name would make the path ambiguous
            out += f"[{json.dumps(part)}]"
    return out


# ------------------------------------------------------------------ what is covered


def schema_index(crd_dirs: Iterable[Path] = (), overlays: Iterable[str] = ()) -> list[dict]:
    """Every CRD schema validate would use, with where it comes from: the user's directories
    first (imported from their cluster), then the bundled ones with their upstream provenance:
    a release's overlays (gpuaas/schemas/<overlay>), whose kinds replace the base bundle's."""
    bundled = {p["schema"]: {**p, "bundle": "base"}
               for p in json.loads((BUNDLED / "provenance.json").read_text(encoding="utf-8"))}
    for overlay in overlays:
        found = {p["schema"]: {**p, "bundle": overlay}
                 for p in json.loads((BUNDLED / overlay / "provenance.json").read_text(encoding="utf-8"))}
        kinds = {(p["group"], p["kind"]) for p in found.values()}
        bundled = {rel: p for rel, p in bundled.items() if (p["group"], p["kind"]) not in kinds or p["bundle"] != "base"}
        bundled.update({rel: p for rel, p in found.items() if rel not in bundled})
    rows: dict[str, dict] = {}
    for directory in crd_dirs:
        for file in sorted(Path(directory).glob("*/*.json")):
            rel = file.relative_to(directory).as_posix()
            if rel not in rows:
                kind, _, version = file.stem.rpartition("_")
                entry = bundled.get(rel, {})
                rows[rel] = {"schema": rel, "group": file.parent.name,
                             "kind": entry.get("kind", kind), "version": version, "source": str(directory)}
    for rel, entry in bundled.items():
        rows.setdefault(rel, {**entry, "source": "bundled"})
    from .cel_rules import describe
    for rel, row in rows.items():
        directory = (BUNDLED if row.get("bundle", "base") == "base" else BUNDLED / row["bundle"]) \
            if row["source"] == "bundled" else Path(row["source"])
        row["cel"] = describe(json.loads((directory / rel).read_text(encoding="utf-8")))
    return [rows[rel] for rel in sorted(rows)]
