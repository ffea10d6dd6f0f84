"""What validate checks in one file, kept between runs (gpuaas.resultcache): the checks'
settings, the cache key of a file's results, and reading a kept result back."""
from __future__ import annotations

import functools

from .. import resultcache as results
from ..findings import Finding
from .schema_check import BUNDLED, SchemaValidator

class Checks:
    """The per-file checks with the schemas of one Kubernetes version, and their results
    kept in the cache under a key that holds everything they depend on."""

    def __init__(self, validator: SchemaValidator, strict: bool,
                 cache: results.ResultCache | None = None):
        self.validator, self.strict = validator, strict
        self.cache = cache or results.ResultCache(None)
        self._salt: str | None = None

    @property
    def salt(self) -> str:
        if self._salt is None:
            dirs = [*self.validator._crd_dirs]
            self._salt = results.key(
                str(results.FORMAT), results.code_digest(), self.validator.kube_version,
                str(self.strict), results.build_digest("jsonschema_rs", "cel", "kubernetes_validate"),
                builtin_digest(self.validator.builtin_dir),
                *(f"{d}:{bundled_digest() if d.is_relative_to(BUNDLED) else results.tree_digest(d)}"
                  for d in dirs))
        return self._salt

    def key(self, *parts: str | bytes) -> str | None:
        return results.key(self.salt, *parts) if self.cache.path is not None else None


@functools.cache
def bundled_digest() -> str:
    """The schemas bundled with gpuaas, the releases' overlays beneath them (13 MB): hashed
    once per process, for the base and every overlay alike."""
    return results.tree_digest(BUNDLED)


@functools.cache
def builtin_digest(folder) -> str:
    """The Kubernetes schemas of the version checked (kubernetes_validate's folder for it)."""
    return results.stat_digest(folder)


def _reuse(hit: object, stats: dict, facts: list[dict] | None = None) -> list[Finding] | None:
    """A cached result: its findings, its counts added to `stats` and its facts to `facts`;
    None when there is none or it has another shape (then the file is checked again)."""
    if not isinstance(hit, dict):
        return None
    try:
        found = [Finding.from_row(row) for row in hit["findings"]]
        counts = dict(hit["stats"])
        their_facts = list(hit["facts"]) if facts is not None else []
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    for name, value in counts.items():
        stats[name] = stats.get(name, 0) + value
    if facts is not None:
        stats["fromCache"] = stats.get("fromCache", 0) + 1
        facts += their_facts
    return found
