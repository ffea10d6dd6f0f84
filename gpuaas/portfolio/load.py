"""Load a portfolio file into the frozen model, keeping where every value was written.

Every problem becomes a Finding `file:line:column: field.path: message` (raised together
as a UserError), from YAML syntax to an unknown key, so the CLI never shows a traceback.
"""
from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ..findings import Finding, UserError
from .schema import Portfolio

MAX_BYTES = 16 * 1024 * 1024
MAX_NODES = 500_000      # aliases may multiply a small file (billion laughs): refuse early
MAX_DEPTH = 64

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

    def finding(self, path: Path_, message: str, code: str, severity: str = "error",
                obj: str | None = None) -> Finding:
        line, column = self.of(path)
        prefix = f"{dotted(path)}: " if path else ""
        return Finding(self.file, line, code, prefix + message, severity, column, obj)


@dataclass(frozen=True)
class Loaded:
    portfolio: Portfolio
    file: str
    locations: Locations
    text: str


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_portfolio(path: str | Path) -> Loaded:
    path = Path(path)
    file = str(path)
    try:
        if path.is_dir():
            raise UserError([Finding(file, None, "INPUT", "is a directory, not a portfolio "
                                     "file: name a .yaml file inside it")])
        if path.stat().st_size > MAX_BYTES:
            raise UserError([Finding(file, None, "INPUT", f"is larger than {MAX_BYTES} bytes; "
                                     "a portfolio is a short YAML file")])
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError([Finding(file, None, "INPUT", "no such file: check the path, or run "
                                 "`gpuaas init` to write a starter portfolio")]) from None
    except OSError as exc:
        raise UserError([Finding(file, None, "INPUT", f"cannot read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError([Finding(file, None, "YAML", f"is not UTF-8 text (byte {exc.start}): "
                                 "save the portfolio as UTF-8")]) from None
    return load_text(text, file)


def load_text(text: str, file: str = "<portfolio>") -> Loaded:
    if "\x00" in text:
        raise UserError([Finding(file, None, "YAML", "contains NUL bytes: this is not a "
                                 "YAML text file")])
    yaml = YAML(typ="rt")
    try:
        doc = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        hint = ""
        if "found character '\\t'" in problem or "\t" in text and "tab" in problem.lower():
            hint = " (indent with spaces, not tabs)"
        if "duplicate key" in problem:
            hint = " (each key may appear once in a mapping: remove or merge the repeat)"
        raise UserError([Finding(file, line, "YAML", f"invalid YAML: {problem}{hint}",
                                 column=col)]) from None
    except (YAMLError, RecursionError, ValueError) as exc:
        raise UserError([Finding(file, None, "YAML", f"invalid YAML: {exc}")]) from None
    if doc is None:
        raise UserError([Finding(file, 1, "EMPTY", "the portfolio is empty: start from "
                                 "`gpuaas init` or the example in the README")])
    locations = Locations(file)
    data = _plain(doc, (), locations, [0])
    if not isinstance(data, dict):
        raise UserError([Finding(file, 1, "YAML", "a portfolio is a mapping with apiVersion, "
                                 "kind, metadata, ... at the top level")])
    try:
        portfolio = Portfolio.model_validate(data)
    except pydantic.ValidationError as exc:
        raise UserError(_findings(exc, locations)) from None
    return Loaded(portfolio, file, locations, text)


def _plain(node: Any, path: Path_, locations: Locations, budget: list[int]) -> Any:
    """ruamel's tree -> plain dicts and lists, recording locations; bounded in size."""
    budget[0] += 1
    if budget[0] > MAX_NODES or len(path) > MAX_DEPTH:
        raise UserError([Finding(locations.file, None, "YAML",
                                 "too large or too deeply nested once aliases are expanded "
                                 f"(more than {MAX_NODES} values or {MAX_DEPTH} levels)")])
    if isinstance(node, CommentedMap):
        out = {}
        for key, value in node.items():
            spot = node.lc.data.get(key)
            if not isinstance(key, str):
                line = spot[0] + 1 if spot else None
                raise UserError([Finding(locations.file, line, "YAML", f"{dotted(path) or 'top level'}:"
                                         f" key {key!r} is not a string: quote it")])
            if spot:
                locations.spots[path + (key,)] = (spot[0] + 1, spot[1] + 1)
            out[key] = _plain(value, path + (key,), locations, budget)
        if not path:
            locations.spots[()] = (1, 1)
        return out
    if isinstance(node, CommentedSeq):
        out_list = []
        for index, value in enumerate(node):
            spot = node.lc.data.get(index)
            if spot:
                locations.spots[path + (index,)] = (spot[0] + 1, spot[1] + 1)
            out_list.append(_plain(value, path + (index,), locations, budget))
        return out_list
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    # timestamps, binary, sets and other tags have no place in a portfolio
    raise UserError([Finding(locations.file, locations.of(path)[0], "TYPE",
                             f"{dotted(path)}: unsupported YAML value of type "
                             f"{type(node).__name__}: write it as a quoted string")])


_MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
}


def _findings(exc: pydantic.ValidationError, locations: Locations) -> list[Finding]:
    seen: set[tuple] = set()
    findings = []
    for error in exc.errors(include_url=False):
        path = _path(error["loc"])
        kind = error["type"]
        message = _MESSAGES.get(kind, error["msg"])
        if kind.startswith("value_error"):
            message = error["msg"].removeprefix("Value error, ")
        if kind == "extra_forbidden":
            allowed = _fields_at(Portfolio, path[:-1])
            close = difflib.get_close_matches(str(path[-1]), allowed, n=1, cutoff=0.5)
            message += f": did you mean `{close[0]}`?" if close else (
                f"; allowed here: {', '.join(allowed)}" if allowed else "")
        elif kind == "missing":
            message += f": add `{path[-1]}`"
        elif kind == "literal_error":
            message = f"{message} (got {error.get('input')!r})"
        key = (path, message)
        if key in seen:
            continue
        seen.add(key)
        findings.append(locations.finding(path, message, "SCHEMA"))
    return sorted(findings, key=lambda f: (f.line or 0, f.column or 0, f.message))


def _path(loc: tuple) -> Path_:
    """pydantic's loc lists union branches ('str', 'list[str]', function names): drop them."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, int) or not any(ch in str(part) for ch in "[]()") and \
                not str(part).startswith(("function-", "lax-", "str", "int", "float", "bool")):
            out.append(part)
    return tuple(out)


def _fields_at(model: type, path: Path_) -> list[str]:
    """Field names allowed at `path` inside the schema, for 'did you mean'."""
    current: Any = model
    for part in path:
        current = _descend(current, part)
        if current is None:
            return []
    models = _models_in(current)
    return sorted({name for m in models for name in m.model_fields})


def _models_in(annotation: Any) -> list[type]:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return [annotation]
    found = []
    for arg in typing.get_args(annotation):
        if typing.get_origin(annotation) in (list, dict, tuple):
            continue
        found += _models_in(arg)
    return found


def _descend(annotation: Any, part: str | int) -> Any:
    for model in _models_in(annotation):
        if isinstance(part, str) and part in model.model_fields:
            return model.model_fields[part].annotation
    candidates = [annotation, *typing.get_args(annotation)]
    for candidate in candidates:
        origin = typing.get_origin(candidate)
        args = typing.get_args(candidate)
        if origin is list and args:
            return args[0]
        if origin is dict and len(args) == 2:
            return args[1]
        if origin in (typing.Union, types.UnionType):
            result = _descend(candidate, part)
            if result is not None:
                return result
    return None
