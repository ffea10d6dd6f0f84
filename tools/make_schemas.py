#!/usr/bin/env python3
"""Regenerate the bundled CRD schemas (gpuaas/schemas/) from crds/ (maintainers only).

crds/ holds the base (OpenShift AI 3.0 and the operators installed on their own), and one
overlay per later OpenShift AI release (crds/releases/<version>/) and per Red Hat build of
Kueue operator (crds/kueue-operator/<version>/): each its upstream CRDs and sources.json.
An overlay lands in the same place under gpuaas/schemas/, with its own provenance.json.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from gpuaas.validate.crd_import import bundle_all

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "gpuaas" / "schemas"

files = bundle_all(ROOT / "crds")
shutil.rmtree(TARGET, ignore_errors=True)
for rel, text in sorted(files.items()):
    path = TARGET / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
print(f"{sum(not rel.endswith('provenance.json') for rel in files)} schemas written to {TARGET.relative_to(ROOT)}")
