"""A portfolio's render, kept between runs: `gpuaas render` and `gpuaas validate` on a
portfolio that has not changed since the last run skip loading, rules, plan and render.

The key is a hash of everything that decides the render: the portfolio file's bytes and
its path (as given, absolute and resolved), the working directory, the output directory
and the Git work tree holding it, the code of gpuaas (every file of the package, told by
its path, size and modification time: templates, scripts, the catalog, examples), the
builds of the libraries the render uses, and Python's version. The entry holds the
portfolio's name, its findings, the facts the checks across portfolios need (where its
name is written, where its tree belongs) and the path and hash of every rendered file. The
files outside the portfolio that its plan read (a model's local config.json) are kept with
the hash of their bytes and looked up again before the entry is used.

An entry is used only when the tree on disk is exactly what it describes: every rendered
file there with that hash, and no other generated file. Then the files on disk are the
render (their texts are what a render would make) and nothing needs building; on any
difference the portfolio is built again, as without a cache. One entry per portfolio and
output directory (the last render); a cache that cannot be read is empty, one that cannot
be written is not written, writes are atomic.
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .findings import Finding
from . import resultcache as results
from .errors import UserError
from .inputs import read_input

FORMAT = 4
# gpuaas/schemas/<family>/<version>: the overlays a Reused may name
_OVERLAY = re.compile(r"^(releases|kueue-operator)/[0-9]+\.[0-9]+$")
# libraries whose output becomes the tree's text (templates, YAML, notebooks, validation)
LIBRARIES = ("jinja2", "markupsafe", "pydantic", "pydantic_core", "ruamel.yaml", "yaml", "nbformat")


@dataclass
class Reused:
    """A build read back from the cache, the tree on disk being what it rendered: what the
    CLI and the gate use of a pipeline.Built."""
    name: str
    file: str
    findings: list[Finding]
    kubernetes: str
    name_at: tuple[int | None, int | None]
    place: tuple[str, bool, int | None, int | None]
    files: dict[str, str] = field(default_factory=dict)
    tree: dict | None = None    # output.read_tree of the tree, as read to check it
    owned: dict[str, str] = field(default_factory=dict)     # pipeline.Built.owned
    overlays: dict[str, list[str]] = field(default_factory=dict)    # pipeline.Built.overlays
    plan = None

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


@cache
def code_digest() -> str:
    """gpuaas's own files by content, the libraries' builds and Python's version: an upgrade
    or a developer's edit is a new key for every portfolio. The bundled schemas (13 MB) are
    not read: no render depends on them, and validate keys its checks on them itself."""
    return results.key(sys.version, sys.implementation.cache_tag or "",
                       results.tree_digest(Path(__file__).resolve().parent, follow=False,
                                           skip=("__pycache__", "schemas")),
                       results.build_digest(*LIBRARIES))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Slot:
    """The cache entry of one portfolio rendered into one output directory."""

    def __init__(self, path: Path, out_dir: Path):
        self.path, self.out_dir = Path(path), Path(out_dir)
        self.file: Path | None = None
        self.key = ""
        where = results.directory()
        if where is None:
            return
        try:
            raw = read_input(self.path)
        except (OSError, UserError):
            return          # the build says what is wrong with it
        from . import repo
        out = os.path.abspath(self.out_dir)
        self.key = results.key(str(FORMAT), str(self.path), os.path.abspath(self.path),
                               os.path.realpath(self.path), os.getcwd(), str(self.out_dir), out,
                               str(repo.toplevel(self.out_dir)), code_digest(), raw)
        name = results.key(out, os.path.realpath(self.path))[:16]
        self.file = where / f"render-{name}.json"

    def reuse(self) -> Reused | None:
        """The kept build when it matches the key and the tree on disk, else None."""
        if self.file is None:
            return None
        try:
            data = results.read_json(self.file)
            if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != self.key:
                return None
            return self._check(data)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None     # no entry, or one that cannot be read: built as without a cache

    def _check(self, data: dict) -> Reused | None:
        from . import output
        name = data["name"]
        if not isinstance(name, str) or name in ("", ".", "..") or "/" in name or "\x00" in name:
            return None
        if data["configs"]:     # config.json files the plan read: each must be as it was
            from .catalog import config_fingerprint
            if any(config_fingerprint(str(ref)) != seen for ref, seen in data["configs"]):
                return None
        reused = Reused(name, str(data["file"]), [Finding.from_row(row) for row in data["findings"]],
                        str(data["kubernetes"]), tuple(data["name_at"]), tuple(data["place"]))
        digests = {str(rel): str(digest) for rel, digest in data["files"]}
        root = self.out_dir / name
        tree = output.read_tree(root)
        files = {}
        for rel, digest in digests.items():
            found = tree.get(rel)
            if found is None or _digest(found[1]) != digest:
                return None
            files[rel] = found[1]
        if not files or any(rel not in files and output.is_generated(path)
                            for rel, (path, _) in tree.items()):
            return None
        reused.files, reused.tree = files, tree
        reused.owned = {str(k): str(v) for k, v in data["owned"]}
        reused.overlays = {str(k): [str(o) for o in v] for k, v in data["overlays"].items()}
        if not all(_OVERLAY.match(o) for v in reused.overlays.values() for o in v):
            return None     # only names of the bundled overlays, never a path elsewhere
        return reused

    def store(self, built, consulted: set[str]) -> None:
        """Keep a build that rendered (one with errors renders nothing: it is built again).
        `consulted`: the config.json references the build looked up on disk."""
        if self.file is None or not built.ok or not built.files:
            return
        from . import catalog
        entry = {"format": FORMAT, "key": self.key, "name": built.name, "file": built.file,
                 "findings": [f.row() for f in built.findings],
                 "kubernetes": built.kubernetes, "name_at": list(built.name_at),
                 "place": list(built.place),
                 "files": [[rel, _digest(text)] for rel, text in built.files.items()],
                 "owned": sorted([k, v] for k, v in built.owned.items()),
                 "overlays": built.overlays,
                 "configs": [[ref, catalog.config_fingerprint(ref)] for ref in sorted(consulted)]}
        results.write_json(self.file, entry)
