"""Findings: one small record per problem, with a stable code and where it is."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int | None
    code: str
    message: str
    severity: Severity = "error"
    column: int | None = None
    object: str | None = None

    def where(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def as_dict(self) -> dict:
        return asdict(self)

    def row(self) -> list:
        """The fields in order, as the caches keep a finding (Finding.from_row reads it back)."""
        return [self.file, self.line, self.code, self.message, self.severity, self.column, self.object]

    @classmethod
    def from_row(cls, row: Any) -> "Finding":
        """A finding kept by a cache; ValueError when the row is not one (a cache edited or
        corrupted: the caller checks again instead)."""
        ok = (isinstance(row, list) and len(row) == 7 and isinstance(row[0], str)
              and all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in (row[1], row[5]))
              and isinstance(row[2], str) and isinstance(row[3], str) and row[4] in ("error", "warning")
              and (row[6] is None or isinstance(row[6], str)))
        if not ok:
            raise ValueError("not a finding")
        return cls(*row)


def did_you_mean(name: str, known, ignore_case: bool = False) -> str:
    """` (did you mean 'x'?)` for the closest known name, or nothing; `ignore_case`: a name
    that differs only in case (`gpu: l4`) is the first match."""
    import difflib
    known = list(known)
    if ignore_case:
        same = [k for k in known if k.lower() == name.lower()]
        if same:
            return f" (did you mean {same[0]!r}?)"
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]
