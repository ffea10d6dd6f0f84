"""OLM's choice of the next version of a Subscription, for the simulation: the resolver is
gpuaas.olm (operator-framework/operator-lifecycle-manager, pkg/controller/registry/resolver/
resolver.go, cited there) and the channels are the real catalog's (gpuaas.catalog)."""
from __future__ import annotations

from gpuaas.catalog import KUEUE_CHANNELS, RHOAI_CHANNELS
from gpuaas.olm import Entry, head_first, in_range, next_version, version

# channel fast-3.x of rhods-operator (RHOAI-Build-Config@rhoai-3.5, catalog/v4.20/rhods-operator)
FAST_3X = RHOAI_CHANNELS["fast-3.x"]

# (package, channel) -> the channel's entries
CHANNELS: dict[tuple[str, str], tuple[Entry, ...]] = {
    **{("rhods-operator", name): entries for name, entries in RHOAI_CHANNELS.items()},
    **{("kueue-operator", name): entries for name, entries in KUEUE_CHANNELS.items()},
}

__all__ = ["CHANNELS", "Entry", "FAST_3X", "head_first", "in_range", "next_version", "version"]
