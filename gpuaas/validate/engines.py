"""The real engines: Helm (the binary when on PATH, else Helm v4 in-process) and kustomize
(`kubectl kustomize` when on PATH, else a check of the resource lists in Python)."""
from __future__ import annotations

import copy
import shutil
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from .. import manifests



class EngineError(Exception):
    pass


def helm_engine() -> str | None:
    if shutil.which("helm"):
        return "helm"
    try:
        import helm_python  # noqa: F401 - only asking whether it imports
    except Exception:  # noqa: BLE001 - any import failure means no engine
        return None
    return "helm-python-sdk"


def helm_fingerprint() -> str | None:
    """Which Helm engine helm_template would use and which build of it, without loading
    it (the SDK's import and version check take ~0.1 s): for the cache of its output."""
    import os
    helm = shutil.which("helm")
    if helm:
        st = os.stat(helm)
        return f"helm:{os.path.realpath(helm)}:{st.st_size}:{st.st_mtime_ns}"
    from ..resultcache import build_digest
    import importlib.util
    if importlib.util.find_spec("helm_python") is None:
        return None
    return "helm-python-sdk:" + build_digest("helm_python")


def helm_template(chart: Path, values: dict, release: str, namespace: str) -> str:
    """Render a chart offline; returns the manifests as one YAML stream."""
    engine = helm_engine()
    if engine == "helm":
        proc = subprocess.run(["helm", "template", release, str(chart), "--namespace", namespace,
                               "-f", "-"], input=yaml.safe_dump(values), capture_output=True,
                              text=True, timeout=120)
        if proc.returncode:
            raise EngineError(proc.stderr.strip())
        return proc.stdout
    if engine is None:
        raise EngineError("no Helm engine")
    import helm_python
    try:
        with helm_python.Chart.load(str(chart)) as loaded:
            rendered = loaded.render(values=values, name=release, namespace=namespace)
    except helm_python.HelmError as exc:
        raise EngineError(str(exc)) from None
    # the same `# Source:` line as the helm binary, so findings can name the template
    return "\n---\n".join(f"# Source: {name}\n{text}" for name, text in sorted(rendered.items()))


def kustomize_builds(dirs: list[Path], engine: str = "auto",
                     output: bool = True) -> dict[Path, str | EngineError]:
    """Build every kustomization. A plain list of local resources (what gpuaas writes) is
    checked in Python: for it that is what kustomize does, at a fraction of kubectl's cost
    (~40 ms + 1.2 ms per object). Anything else goes to `kubectl kustomize` when on PATH,
    two at a time (2 cores). engine: auto | kubectl | python. output=False: only whether
    each builds (the Python check then reads no resource, it only looks for them)."""
    kubectl = shutil.which("kubectl") and engine != "python"
    heavy = [d for d in dirs if engine == "kubectl" or not _plain(d)] if kubectl else []
    out: dict[Path, str | EngineError] = {d: _python_kustomize(d, output) for d in dirs if d not in heavy}
    if heavy:
        with ThreadPoolExecutor(max_workers=2) as pool:
            out.update(zip(heavy, pool.map(_kubectl_kustomize, heavy)))
    return {d: out[d] for d in dirs}


_SPECS: dict[str, object] = {}


def _kustomization(directory: Path):
    """kustomization.yaml read as YAML; parsed once per text (a validate asks three times,
    and a large one lists thousands of files)."""
    text = (directory / "kustomization.yaml").read_text()
    if text not in _SPECS:
        if len(_SPECS) > 256:
            _SPECS.clear()
        _SPECS[text] = manifests.load(text)
    return copy.deepcopy(_SPECS[text])


def _plain(directory: Path) -> bool:
    try:
        spec = _kustomization(directory) or {}
    except (OSError, yaml.YAMLError):
        return False
    return (isinstance(spec, dict) and set(spec) <= {"apiVersion", "kind", "resources"}
            and all(isinstance(r, str) and "/" not in r for r in spec.get("resources") or []))


def _kubectl_kustomize(directory: Path) -> str | EngineError:
    proc = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True,
                          timeout=120)
    return EngineError(proc.stderr.strip()) if proc.returncode else proc.stdout


def resources(directory: Path) -> list[str] | EngineError:
    """The resource list of a kustomization as kustomize reads it, or why it cannot be read."""
    try:
        spec = _kustomization(directory)
    except (OSError, yaml.YAMLError) as exc:
        return EngineError(str(exc))
    if spec is None:
        return []
    if not isinstance(spec, dict):
        return EngineError(f"kustomization.yaml must be a mapping, not a {type(spec).__name__}")
    listed = spec.get("resources") or []
    if not isinstance(listed, list) or not all(isinstance(r, str) for r in listed):
        return EngineError("resources must be a list of file names")
    return listed


def _python_kustomize(directory: Path, output: bool = True) -> str | EngineError:
    """What gpuaas's kustomizations use: a plain list of resources in the same directory.
    Other files in the folder are not deployed, as with kustomize itself."""
    listed = resources(directory)
    if isinstance(listed, EngineError):
        return listed
    # os.path.isfile: a name no file can have (over 255 bytes, a NUL) is missing, not a crash
    missing = [r for r in listed if not os.path.isfile(directory / r)]
    if missing:
        return EngineError(f"missing resources: {', '.join(missing)}")
    if not output:
        return ""
    try:
        return "\n---\n".join((directory / r).read_bytes().decode("utf-8") for r in listed)
    except UnicodeDecodeError as exc:
        return EngineError(f"a resource is not UTF-8 (byte {exc.start}), which kustomize refuses")
    except OSError as exc:
        return EngineError(str(exc))
