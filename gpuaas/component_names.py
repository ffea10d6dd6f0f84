"""The registry of components: their names, each the module gpuaas/components/<name>.py that
implements components.base.Component. A new component is one more name here. This module
imports nothing: validate's checks on a tree rendered earlier need the names without loading
the portfolio model."""
from __future__ import annotations

CORE: tuple[str, ...] = ("operators", "rhoai", "kueue", "serving", "uploads", "loadtest")
# the optional ones; a new component adds its name here
EXTRA: tuple[str, ...] = ("registry", "workbench", "evaluation")
ALL: tuple[str, ...] = CORE + EXTRA
