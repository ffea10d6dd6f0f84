"""The shortcuts taken for speed give what the slow, obvious way gives."""
from __future__ import annotations

import yaml

from .conftest import PORTFOLIOS


def _objects_the_slow_way(files: dict[str, str]) -> dict[str, dict[str, list[str]]]:
    found: dict[str, dict[str, list[str]]] = {}
    for path, body in sorted(files.items()):
        parts = path.split("/")
        if parts[0] != "components" or len(parts) != 4 or parts[3] == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(body):
            if isinstance(doc, dict) and "kind" in doc:
                found.setdefault(f"{parts[1]}/{parts[2]}", {}).setdefault(doc["kind"], []).append(
                    doc["metadata"]["name"])
    return found


def test_the_tree_diagram_reads_the_objects_a_yaml_reader_reads():
    from gpuaas import pipeline
    from gpuaas.render import component_objects
    for path in PORTFOLIOS:
        files = pipeline.build(path).files
        fast = component_objects(files)
        slow = _objects_the_slow_way(files)
        assert {k: {kind: sorted(n for n, _ in names) for kind, names in kinds.items()}
                for k, kinds in fast.items()} == \
            {k: {kind: sorted(names) for kind, names in kinds.items()} for k, kinds in slow.items()}
        assert any(note for kinds in fast.values() for names in kinds.values() for _, note in names)
