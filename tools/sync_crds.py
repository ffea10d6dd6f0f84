#!/usr/bin/env python3
"""Copy upstream CRDs and their provenance into crds/ (maintainers only).

    python tools/sync_crds.py SOURCE_DIR

SOURCE_DIR holds yaml/<group>/<plural>.yaml (each CRD byte-identical to upstream) and a
SOURCES.md whose tables name, per file, the repository, ref, commit and license. The files
land in crds/yaml/ and the provenance in crds/sources.json; `make schemas` then converts them.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def table_rows(text: str, first_header: str) -> list[dict[str, str]]:
    """Rows of every Markdown table whose first header cell is `first_header`."""
    rows, header = [], None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells if cells[0] == first_header else []
        elif header and not set(line) <= set("|-: "):
            rows.append(dict(zip(header, cells)))
    return rows


def unquote(cell: str) -> str:
    return cell.strip().strip("`")


def main(source: Path) -> int:
    text = (source / "SOURCES.md").read_text(encoding="utf-8")
    commits = {(r["Repo"], unquote(r["Ref"])): unquote(r["Commit"]) for r in table_rows(text, "Repo")}
    sources = []
    for row in table_rows(text, "Kind"):
        ref, _, rest = row["Tag/branch @ commit (date)"].partition("@")
        repo, ref = row["Repo"], unquote(ref)
        short = unquote(rest.split("(")[0])
        commit = commits.get((repo, ref), short)
        if not commit.startswith(short):
            raise SystemExit(f"{row['Kind']}: commit {short} does not match {commit}")
        sources.append({"file": row["File"].removeprefix("yaml/"), "kind": row["Kind"],
                        "group": row["Group"], "repo": repo, "ref": ref, "commit": commit,
                        "path": unquote(row["Upstream path"]), "license": row["License"]})
    target = ROOT / "crds"
    shutil.rmtree(target / "yaml", ignore_errors=True)
    shutil.copytree(source / "yaml", target / "yaml")
    for file in (target / "yaml").rglob("*"):
        file.chmod(0o755 if file.is_dir() else 0o644)
    missing = sorted({p.relative_to(target / "yaml").as_posix() for p in (target / "yaml").rglob("*.yaml")}
                     - {s["file"] for s in sources})
    if missing:
        raise SystemExit(f"no provenance for: {', '.join(missing)}")
    (target / "sources.json").write_text(json.dumps(sorted(sources, key=lambda s: s["file"]), indent=1) + "\n")
    print(f"{len(sources)} CRDs from {source}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    sys.exit(main(Path(sys.argv[1])))
