"""Pin what pip installs for torch on a machine that has no CPU build of it at hand.

`make lock` freezes the environment it built, and where pip found torch's CPU wheel (a local
wheel cache) the freeze holds no CUDA libraries. PyPI's Linux wheel of the same version is
the CUDA build, which pulls nvidia-* and triton packages with open version ranges: this adds
the versions pip resolves for them from the index, so a plain machine installs exactly those.
Usage: python tools/lock_plain.py constraints.txt
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path


def pins(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        name, sep, version = line.partition("==")
        if sep:
            out[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    return out


def main(lock: Path) -> None:
    text = lock.read_text()
    have = pins(text)
    torch = have.get("torch", "").split("+")[0]
    if not torch:
        return
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        # --isolated: the index only, not this machine's wheel cache (find-links) or config
        subprocess.run([sys.executable, "-m", "pip", "install", "--isolated", "--dry-run", "-q",
                        "--ignore-installed", "--report", str(report), f"torch=={torch}"], check=True)
        resolved = json.loads(report.read_text())["install"]
    lines = text.splitlines()
    for item in resolved:
        name = re.sub(r"[-_.]+", "-", item["metadata"]["name"]).lower()
        if name not in have:
            lines.append(f"{item['metadata']['name']}=={item['metadata']['version']}")
    lock.write_text("\n".join(sorted(set(lines))) + "\n")   # LC_ALL=C sort, as make lock


if __name__ == "__main__":
    main(Path(sys.argv[1]))
