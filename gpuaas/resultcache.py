"""What validate found in a file, kept between runs: a pre-commit hook checks the same
files again and again, and most of them have not changed.

Only checks whose result depends on nothing but the file are kept (its objects' schemas
and CEL rules, the policy on each object, secret-looking strings), with the Helm output of
a chart (which depends on nothing but the chart's files and the values). The key of an
entry is a hash of everything that decides the result: the file's path and bytes, the
code of the checks, the schemas (bundled and the user's), the engines' builds, the
Kubernetes version and the options. Checks across files (drift, Git, kustomize, wiring,
queues) run every time.

A cache that cannot be read is empty, one that cannot be written is not written: results
never depend on it. Writes are atomic (a temporary file renamed over the old one), so
concurrent runs leave a whole file; the last writer wins.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from functools import cache
from pathlib import Path

FORMAT = 1
MAX_KEPT = 20_000    # entries this run did not use that are kept (the most recent ones)


def directory() -> Path | None:
    """$GPUAAS_CACHE_DIR, else $XDG_CACHE_HOME/gpuaas (when absolute), else ~/.cache/gpuaas;
    None when GPUAAS_NO_CACHE is set."""
    if os.environ.get("GPUAAS_NO_CACHE"):
        return None
    given = os.environ.get("GPUAAS_CACHE_DIR")
    if given:
        return Path(given)
    # The XDG spec: a relative path there is invalid and ignored (it would put the cache in
    # whatever directory gpuaas runs in, a GitOps repository's `git add -A` included).
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = xdg if os.path.isabs(xdg) else os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gpuaas"


class ResultCache:
    """A mapping of keys to JSON values, in one file per output directory."""

    def __init__(self, path: Path | None):
        self.path = path
        self.entries: dict[str, object] = {}
        self.new: dict[str, object] = {}
        self.used: set[str] = set()
        if path is None:
            return
        data = read_json(path)
        if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("entries"), dict):
            self.entries = data["entries"]

    @classmethod
    def for_tree(cls, out_dir: Path, enabled: bool = True) -> "ResultCache":
        where = directory() if enabled else None
        if where is None:
            return cls(None)
        name = hashlib.sha256(os.fsencode(os.path.abspath(out_dir))).hexdigest()[:16]
        return cls(where / f"validate-{name}.json")

    def get(self, key: str):
        value = self.entries.get(key)
        if value is not None:
            self.used.add(key)
        return value

    def put(self, key: str, value: object) -> None:
        if self.path is not None:
            self.entries[key] = value
            self.new[key] = value

    def save(self) -> None:
        """Write the file when something new was found; any failure leaves it as it was."""
        if self.path is None or not self.new:
            return
        # what this run used or found, last (the newest); before it, the most recent of the
        # others (another portfolio's files, a branch checked out a moment ago)
        others = [k for k in self.entries if k not in self.new and k not in self.used][-MAX_KEPT:]
        kept = {k: self.entries[k] for k in others}
        kept.update((k, self.entries[k]) for k in self.entries if k in self.used and k not in self.new)
        kept.update(self.new)
        write_json(self.path, {"format": FORMAT, "entries": kept})
        self.new = {}


MAX_BYTES = 256 * 1024 * 1024


def read_json(path: Path) -> object:
    """A cache file's JSON, or None for anything unexpected: no file, not a regular file (a
    FIFO would hang the read, /dev/zero never end), too large, not JSON, nested too deeply."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
            return None
        return json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None


def key(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


@cache
def code_digest() -> str:
    """The checks' own code: a change to gpuaas (an upgrade or a developer's edit) is a
    new key for every file."""
    package = Path(__file__).resolve().parent
    files = sorted((package / "validate").glob("*.py")) + [
        package / name for name in ("manifests.py", "resultcache.py", "secrets.py", "findings.py")]
    return key(*(f.read_bytes() for f in files))


def files(root: Path, follow: bool = True, skip: tuple[str, ...] = ("__pycache__",)) -> list[tuple[str, str]]:
    """(relative path, path) of every file under `root`, sorted; through symlinked folders
    when `follow` (each real folder once: a link loop ends), never into folders named in
    `skip`."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for directory, dirs, names in os.walk(root, followlinks=follow):
        real = os.path.realpath(directory)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if d not in skip)
        for name in names:
            if not name.endswith((".pyc", ".pyo")):
                path = os.path.join(directory, name)
                out.append((os.path.relpath(path, root).replace(os.sep, "/"), path))
    return sorted(out)


def tree_digest(root: Path, follow: bool = True, skip: tuple[str, ...] = ("__pycache__",)) -> str:
    """Every file under a directory by path and content (a schema directory, a chart, gpuaas
    itself), symlinked folders and files included: what a link points at is what is read."""
    parts: list[str | bytes] = []
    for rel, path in files(root, follow, skip):
        try:
            parts += [rel, _read(path)]
        except OSError:
            parts += [rel, "unreadable"]
    return key(*parts)


def _read(path: str) -> bytes:
    """A regular file's bytes; a FIFO or a device under a digested folder is named, not read."""
    info = os.stat(path)
    return Path(path).read_bytes() if stat.S_ISREG(info.st_mode) else f"{info.st_mode:o}".encode()


def stat_digest(root: Path, skip: tuple[str, ...] = ("__pycache__",)) -> str:
    """Every file under a folder too large to read on each run (an engine's package), by
    size, modification and change time. The change time moves with every write and every
    `touch`, so an edit that keeps the size and forges the modification time is still a new
    key, without reading hundreds of megabytes."""
    parts = []
    for rel, path in files(root, skip=skip):
        try:
            st = os.stat(path)
            parts.append(f"{rel}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}")
        except OSError:
            parts.append(f"{rel}:gone")
    return key(*parts)


@cache
def build_digest(*modules: str) -> str:
    """Which builds of the engines are installed, every file of their packages at any depth
    (stat_digest), read without importing them. kubernetes_validate's schemas, one folder
    per Kubernetes version (17,000 files), are left to the checks that read one of them."""
    import importlib.util
    parts = []
    for name in modules:
        spec = importlib.util.find_spec(name)
        places = list(spec.submodule_search_locations or []) if spec else []
        parts += [f"{name}:{place}:{stat_digest(Path(place), SKIP)}" for place in places]
        parts.append(f"{name}:{bool(spec)}")
    return key(*parts)


SKIP = ("__pycache__", "kubernetes-json-schema")


def write_json(path: Path, value: object) -> None:
    """Write a cache file whole or not at all (a temporary file renamed over it): readers
    never see half of one. A cache that cannot be written is not written."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            # dumps, not dump: json.dump encodes in Python, dumps in C
            fh.write(json.dumps(value, separators=(",", ":")))
        os.replace(tmp, path)
        tmp = None
    except (OSError, TypeError, ValueError):
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
