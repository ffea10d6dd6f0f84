"""Convert CustomResourceDefinitions into strict JSON Schemas (kubeconform layout).

The output mirrors what the API server accepts when it runs with strict field
validation: unknown fields are errors, server-side defaults count as present,
and apiVersion/kind are pinned. Files are named like kubeconform expects:
``<group>/<kind lower-cased>_<version>.json``, draft-04.

Pure functions only: nothing here prints or touches the network.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from .. import manifests
from ..errors import Error
from ..findings import Finding

__all__ = ["CRDError", "DRAFT4", "PROVENANCE", "bundle", "convert_crd", "load_crds", "schema_path",
           "write_schemas"]

DRAFT4 = "http://json-schema.org/draft-04/schema#"
_COMBINATORS = ("allOf", "anyOf", "oneOf")
_INT_OR_STRING = [{"type": "integer"}, {"type": "string"}]


class CRDError(Error, ValueError):
    """Input that is not a usable CustomResourceDefinition (or not YAML at all)."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 column: int | None = None):
        super().__init__(f"{file}:{line}:{column}: {message}" if file else message)
        self.message, self.file, self.line, self.column = message, file, line, column

    def reported(self) -> list[Finding]:
        return [Finding(self.file or "-", self.line, "CRD", self.message, column=self.column)]


def schema_path(group: str, kind: str, version: str) -> str:
    """Relative path of a schema in kubeconform's layout."""
    return f"{group}/{kind.lower()}_{version}.json"


# --------------------------------------------------------------------------- conversion


def convert_crd(crd: dict) -> dict[str, dict]:
    """Return ``{relative_path: json_schema}`` for every served version of ``crd``."""
    _check_crd(crd, "CustomResourceDefinition")
    spec = crd["spec"]
    group, kind = spec["group"], spec["names"]["kind"]
    legacy = (spec.get("validation") or {}).get("openAPIV3Schema")  # apiextensions v1beta1
    out: dict[str, dict] = {}
    for version in spec["versions"]:
        if not version.get("served", True):
            continue
        name = version["name"]
        source = (version.get("schema") or {}).get("openAPIV3Schema") or legacy
        if not isinstance(source, dict):
            raise CRDError(f"{kind}.{group} {name}: no schema.openAPIV3Schema")
        out[schema_path(group, kind, name)] = _convert_root(source, f"{group}/{name}", kind)
    return out


def _convert_root(source: dict, api_version: str, kind: str) -> dict:
    root = _convert(source, close=True)
    props = root.setdefault("properties", {})
    # The API server validates metadata as ObjectMeta itself; CRDs only say
    # `type: object`, and closing it would reject every label/annotation.
    props["metadata"] = _convert(source.get("properties", {}).get("metadata") or {"type": "object"}, close=False)
    for field, value in (("apiVersion", api_version), ("kind", kind)):
        props[field] = {**props.get(field, {}), "type": "string", "enum": [value]}
    root["required"] = sorted(set(root.get("required", [])) | {"apiVersion", "kind"})
    root.setdefault("type", "object")
    if "additionalProperties" not in root and not root.get("x-kubernetes-preserve-unknown-fields"):
        root["additionalProperties"] = False  # also when the CRD root had no properties of its own
    return {"$schema": DRAFT4, **root}


def _convert(node: dict, close: bool) -> dict:
    """Convert one structural-schema node. ``close=False`` below combinators and metadata."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        if value is None:  # e.g. Route's `anyOf: null`: not a keyword, just noise
            continue
        if key in ("properties", "patternProperties"):
            out[key] = {name: _convert(sub, close) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = _convert(value, close)
        elif key == "items" and isinstance(value, list):
            out[key] = [_convert(sub, close) for sub in value]
        elif key in _COMBINATORS:
            # Branches are partial constraints: closing them would reject valid objects.
            out[key] = [_convert(sub, close=False) for sub in value]
        elif key == "not":
            out[key] = _convert(value, close=False)
        else:
            out[key] = copy.deepcopy(value)

    if out.get("x-kubernetes-int-or-string"):
        extra = out.pop("anyOf", None)
        if extra and extra != _INT_OR_STRING:  # keep a real anyOf alongside the type union
            out["allOf"] = [*out.get("allOf", []), {"anyOf": extra}]
        out["anyOf"] = copy.deepcopy(_INT_OR_STRING)
        out.pop("type", None)
    if out.pop("nullable", False):
        _allow_null(out)

    props = out.get("properties")
    if props is not None:
        # The server fills defaults before validating, so a defaulted field is never missing.
        required = [name for name in out.get("required", []) if "default" not in props.get(name, {})]
        if required:
            out["required"] = required
        else:
            out.pop("required", None)  # draft-04 forbids an empty `required`
        if close and "additionalProperties" not in out and not out.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
    if close:
        for key in _COMBINATORS:
            if key in out:
                out[key] = [_judge_defaults(branch, out) for branch in out[key]]
        if "not" in out:
            out["not"] = _judge_defaults(out["not"], out)
    if out.get("x-kubernetes-list-type") == "set" and out.get("type") == "array":
        out["uniqueItems"] = True  # the API server rejects duplicates in a set
    return out


def _allow_null(node: dict) -> None:
    kind = node.get("type")
    if isinstance(kind, str):
        node["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        node["type"] = [*kind, "null"]
    if "enum" in node and None not in node["enum"]:
        node["enum"] = [*node["enum"], None]
    if "anyOf" in node and "type" not in node:  # int-or-string
        node["anyOf"] = [*node["anyOf"], {"type": "null"}]


def _judge_defaults(branch: dict, parent: dict) -> dict:
    """Rewrite a combinator branch so that an absent defaulted property is judged by its default.

    JSON Schema evaluates ``properties: {p: S}`` as true when ``p`` is absent; the
    API server evaluates ``S(default)`` instead, because it defaults first. So for
    each property ``p`` of ``parent`` that has a default:
      * ``required: [p]`` in a branch always holds -> dropped;
      * ``properties: {p: S}`` with ``S(default)`` false must fail when ``p`` is
        absent -> ``p`` becomes required in that branch (inside ``not`` too, which
        then flips correctly).
    ``parent`` is the (converted) data schema at the same instance location.
    """
    props = parent.get("properties", {})
    out = dict(branch)
    for key in _COMBINATORS:
        if key in out:
            out[key] = [_judge_defaults(sub, parent) for sub in out[key]]
    if "not" in out:
        out["not"] = _judge_defaults(out["not"], parent)
    if isinstance(out.get("items"), dict) and isinstance(parent.get("items"), dict):
        out["items"] = _judge_defaults(out["items"], parent["items"])

    required = [name for name in out.get("required", []) if "default" not in props.get(name, {})]
    if "properties" in out:
        out["properties"] = dict(out["properties"])
        for name, sub in out["properties"].items():
            target = props.get(name)
            if target is None:
                continue
            out["properties"][name] = sub = _judge_defaults(sub, target)
            if "default" in target and name not in required and not _accepts(sub, target["default"]):
                required.append(name)
    if required:
        out["required"] = required
    else:
        out.pop("required", None)
    return out


def _accepts(schema: dict, value: Any) -> bool:
    return jsonschema_rs.is_valid(schema, value, draft=jsonschema_rs.Draft4)


# --------------------------------------------------------------------------- loading


def load_crds(paths_or_text: Any) -> list[dict]:
    """Read CRDs from YAML/JSON: a path (file or directory), YAML text, a stream, or a list of those.

    A ``str`` containing a newline is YAML text, otherwise a path. Multi-document
    streams and ``kind: List`` are supported and other documents are ignored, but
    a file or text given explicitly must hold at least one CRD (files found by
    scanning a directory may hold none, the directory as a whole may not).
    """
    crds: list[dict] = []
    sources = 0
    for name, text, scanned in _sources(paths_or_text):
        sources += 1
        found = _parse(name, text)
        if not found and not scanned:
            raise CRDError(f"{name}: no CustomResourceDefinition found")
        crds.extend(found)
    if sources and not crds:
        raise CRDError(f"no CustomResourceDefinition found in {paths_or_text}")
    return crds


def _parse(name: str, text: str) -> list[dict]:
    try:
        docs = manifests.load_all(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise CRDError(f"invalid YAML: {problem}", name, mark and mark.line + 1,
                       mark and mark.column + 1) from exc
    crds = []
    for number, doc in enumerate(docs, start=1):
        items = doc.get("items") if isinstance(doc, dict) and doc.get("kind") == "List" else [doc]
        for item in items or []:
            if isinstance(item, dict) and item.get("kind") == "CustomResourceDefinition":
                _check_crd(item, f"{name} (document {number})")
                crds.append(item)
    return crds


def _sources(arg: Any, scanned: bool = False) -> Iterator[tuple[str, str, bool]]:
    """Yield ``(name, text, found_by_directory_scan)``."""
    if isinstance(arg, Path) or (isinstance(arg, str) and "\n" not in arg):
        path = Path(arg)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and p.is_file())
            if not files:
                raise CRDError(f"{path}: no .yaml/.yml/.json files")
            for file in files:
                yield from _sources(file, scanned=True)
            return
        try:
            yield str(path), path.read_text(encoding="utf-8"), scanned
        except OSError as exc:
            raise CRDError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    elif isinstance(arg, str):
        yield "<text>", arg, False
    elif isinstance(arg, bytes):
        yield "<text>", arg.decode("utf-8"), False
    elif hasattr(arg, "read"):
        text = arg.read()
        yield getattr(arg, "name", "<stream>"), text.decode("utf-8") if isinstance(text, bytes) else text, False
    elif isinstance(arg, Iterable):
        for item in arg:
            yield from _sources(item)
    else:
        raise CRDError(f"cannot read CRDs from {type(arg).__name__}")


def _check_crd(crd: Any, where: str) -> None:
    def fail(reason: str) -> None:
        raise CRDError(f"{where}: not a valid CustomResourceDefinition: {reason}")

    if not isinstance(crd, dict):
        fail(f"expected a mapping, got {type(crd).__name__}")
    if crd.get("kind") != "CustomResourceDefinition":
        fail(f"kind is {crd.get('kind')!r}")
    if not str(crd.get("apiVersion", "")).startswith("apiextensions.k8s.io/"):
        fail(f"apiVersion is {crd.get('apiVersion')!r}")
    spec = crd.get("spec")
    if not isinstance(spec, dict):
        fail("missing spec")
    if not isinstance(spec.get("group"), str) or not spec["group"]:
        fail("missing spec.group")
    if not isinstance(spec.get("names"), dict) or not isinstance(spec["names"].get("kind"), str):
        fail("missing spec.names.kind")
    versions = spec.get("versions")
    if not isinstance(versions, list) or not versions:
        fail("missing spec.versions")
    for version in versions:
        if not isinstance(version, dict) or not isinstance(version.get("name"), str):
            fail("a spec.versions entry has no name")


# --------------------------------------------------------------------------- output


def write_schemas(schemas: dict[str, dict], out_dir: Path) -> list[Path]:
    """Write schemas as deterministic JSON under ``out_dir``; return the paths written (sorted)."""
    out_dir = Path(out_dir)
    written = []
    for rel in sorted(schemas):
        path = out_dir / rel
        if not path.resolve().is_relative_to(out_dir.resolve()):  # keys come from CRD groups
            raise ValueError(f"schema path escapes {out_dir}: {rel}")
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(schemas[rel], indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


PROVENANCE = "provenance.json"


def bundle(crd_dir: Path) -> dict[str, str]:
    """The schemas that ship with gpuaas: ``{relative path: text}``.

    ``crd_dir`` holds ``yaml/<group>/<plural>.yaml`` (upstream CRDs, unedited) and
    ``sources.json`` (where each file comes from). Every served version becomes one compact
    JSON file; ``provenance.json`` lists each schema with its upstream repository, ref,
    commit, license and the sha256 of the CRD file it was made from.
    """
    crd_dir = Path(crd_dir)
    files: dict[str, str] = {}
    provenance = []
    for source in json.loads((crd_dir / "sources.json").read_text(encoding="utf-8")):
        raw = (crd_dir / "yaml" / source["file"]).read_bytes()
        for crd in load_crds(raw.decode("utf-8")):
            for rel, schema in convert_crd(crd).items():
                files[rel] = json.dumps(schema, sort_keys=True, separators=(",", ":"),
                                        ensure_ascii=False) + "\n"
                provenance.append({"schema": rel, "group": crd["spec"]["group"],
                                   "kind": crd["spec"]["names"]["kind"],
                                   "version": rel.rsplit("_", 1)[1].removesuffix(".json"),
                                   "scope": crd["spec"].get("scope", "Namespaced"),
                                   **{k: source[k] for k in ("repo", "ref", "commit", "path", "license")},
                                   "sha256": hashlib.sha256(raw).hexdigest()})
    files[PROVENANCE] = json.dumps(sorted(provenance, key=lambda p: p["schema"]), indent=1) + "\n"
    return files


OVERLAY_FAMILIES = ("releases", "kueue-operator")


def bundle_all(crd_root: Path) -> dict[str, str]:
    """The base bundle (``crd_root``) and every overlay beneath it (``releases/<version>/``,
    ``kueue-operator/<version>/``, each with its own CRDs and sources.json), at the same
    relative places: ``{relative path: text}``."""
    crd_root = Path(crd_root)
    out = bundle(crd_root)
    for family in OVERLAY_FAMILIES:
        for overlay in sorted(p for p in (crd_root / family).glob("*") if p.is_dir()):
            out.update({f"{family}/{overlay.name}/{rel}": text for rel, text in bundle(overlay).items()})
    return out


def rendered_crds() -> list[str]:
    """The CRDs of the kinds gpuaas renders, as named on a cluster: Argo CD's, and each
    component's. Imported here, not at the top: validate reads this module's schema paths
    without loading the portfolio model the components need."""
    from .. import components
    crds = ["applications.argoproj.io", "applicationsets.argoproj.io"]
    return crds + [crd for c in components.REGISTRY for crd in c.crds if crd not in crds]


def crds_from_cluster() -> str:
    """`kubectl get crd -o yaml` for the kinds the tree uses (the current kube context)."""
    import shutil
    import subprocess
    if not shutil.which("kubectl"):
        raise CRDError("--from-cluster needs kubectl on PATH")
    proc = subprocess.run(["kubectl", "get", "crd", *rendered_crds(), "-o", "yaml",
                           "--ignore-not-found"], capture_output=True, text=True, timeout=120)
    if proc.returncode:
        raise CRDError(f"kubectl get crd failed: {proc.stderr.strip()}")
    if not proc.stdout.strip():
        raise CRDError("the cluster has none of the CRDs gpuaas renders: install the operators first")
    return proc.stdout
