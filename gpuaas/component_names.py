"""The components' names, in a module that imports nothing: validate's checks on a tree
rendered earlier need them without loading the portfolio model."""
from __future__ import annotations

CORE: tuple[str, ...] = ("operators", "rhoai", "kueue", "serving", "uploads", "loadtest")
# gpuaas/components/, in sync-wave order; a new component adds its name here
EXTRA: tuple[str, ...] = ("registry", "workbench", "evaluation")
ALL: tuple[str, ...] = CORE + EXTRA
