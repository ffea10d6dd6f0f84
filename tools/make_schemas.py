#!/usr/bin/env python3
"""Regenerate the bundled CRD schemas (gpuaas/schemas/) from crds/ (maintainers only)."""
from __future__ import annotations

import shutil
from pathlib import Path

from gpuaas.validate.crd_import import bundle

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "gpuaas" / "schemas"

files = bundle(ROOT / "crds")
shutil.rmtree(TARGET, ignore_errors=True)
for rel, text in sorted(files.items()):
    path = TARGET / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
print(f"{len(files) - 1} schemas written to {TARGET.relative_to(ROOT)}")
