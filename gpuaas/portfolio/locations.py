"""Where each value of a portfolio was written: findings point at file:line:column."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..findings import Finding, Severity
from .schema import shown

Path_ = tuple[str | int, ...]


@dataclass
class Locations:
    """(line, column), 1-based, of every key path of the document."""
    file: str
    spots: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def of(self, path: Path_) -> tuple[int | None, int | None]:
        path = tuple(path)
        while path:
            if path in self.spots:
                return self.spots[path]
            path = path[:-1]
        return self.spots.get((), (None, None))

    def finding(self, path: Path_, message: str, code: str, severity: Severity = "error",
                obj: str | None = None) -> Finding:
        line, column = self.of(path)
        prefix = f"{dotted(path)}: " if path else ""
        return Finding(self.file, line, code, prefix + message, severity, column, obj)


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, str) and (len(part) > 60 or not part.isprintable()):
            # an unknown key may be a pasted paragraph, or hold a line break: one short line
            part = shown(part) if not part.isprintable() else part[:55] + "…"
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
