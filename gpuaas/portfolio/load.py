"""Load a portfolio file into the frozen model, keeping where every value was written.

Every problem becomes a Finding `file:line:column: field.path: message` (raised together
as a UserError), from YAML syntax to an unknown key, so the CLI never shows a traceback.
"""
from __future__ import annotations

import difflib
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic

from ..findings import did_you_mean, Finding
from . import fleet
from ..errors import UserError
from . import fastload
from ..inputs import read_input
from .limits import MAX_DEPTH
from .locations import Locations, Path_
from .schema import Portfolio, shown




@dataclass(frozen=True)
class Loaded:
    portfolio: Portfolio
    file: str
    locations: Locations
    text: str


def load_portfolio(path: str | Path) -> Loaded:
    path = Path(path)
    file = str(path)
    try:
        raw = read_input(path)
    except FileNotFoundError:
        raise UserError([Finding(file, None, "INPUT", "no such file: check the path, or run "
                                 "`gpuaas init` to write a starter portfolio")]) from None
    except OSError as exc:
        raise UserError([Finding(file, None, "INPUT", f"cannot read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Say on which line the bad byte is: a byte flip in a long file is hard to find.
        line = raw.count(b"\n", 0, exc.start) + 1
        raise UserError([Finding(file, line, "YAML", f"is not UTF-8 text (byte {exc.start}): "
                                 "save the portfolio as UTF-8")]) from None
    return load_text(text, file)


def load_text(text: str, file: str = "<portfolio>") -> Loaded:
    if "\x00" in text:
        raise UserError([Finding(file, text.count("\n", 0, text.index("\x00")) + 1, "YAML",
                                 "contains NUL bytes: this is not a YAML text file")])
    for directive in re.finditer(r"^\ufeff*%YAML[ \t]+(\S*)", text, re.MULTILINE):
        if directive.group(1) in ("1.1", "1.2"):
            continue
        # ruamel fails (AssertionError, KeyError: not a YAML error) on other versions
        raise UserError([Finding(file, text.count("\n", 0, directive.start()) + 1, "YAML",
                                 f"invalid YAML: %YAML {shown(directive.group(1))} is not a "
                                 "version this reader knows: write %YAML 1.2 or drop the line",
                                 column=1)])
    fast = fastload.load(text, file, MAX_DEPTH)
    if fast is None:
        from .roundtrip import round_trip   # ruamel: imported only when needed
        data, locations = round_trip(text, file)
    else:
        data, locations = fast
    if not isinstance(data, dict):
        raise UserError([Finding(file, 1, "YAML", "a portfolio is a mapping with apiVersion, "
                                 "kind, metadata, ... at the top level")])
    try:
        portfolio = Portfolio.model_validate(data)
    except pydantic.ValidationError as exc:
        raise UserError(_findings(exc, locations, data)) from None
    portfolio, locations = fleet.expand(portfolio, file, locations)
    return Loaded(portfolio, file, locations, text)


_MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
}


def _findings(exc: pydantic.ValidationError, locations: Locations, data: Any) -> list[Finding]:
    seen: set[tuple] = set()
    findings = []
    for error in exc.errors(include_url=False):
        path = _path(error["loc"], data, error["type"] == "missing")
        kind = error["type"]
        message = _MESSAGES.get(kind, error["msg"])
        if kind.startswith("value_error"):
            message = error["msg"].removeprefix("Value error, ")
        if kind == "extra_forbidden" and path:
            allowed = _fields_at(Portfolio, path[:-1])
            close = difflib.get_close_matches(str(path[-1]), allowed, n=1, cutoff=0.5)
            message += f": did you mean `{close[0]}`?" if close else (
                f"; allowed here: {', '.join(allowed)}" if allowed else "")
        elif kind == "missing" and path:
            message += f": add `{path[-1]}`"
        elif kind == "literal_error" or kind.endswith(("_type", "_parsing")) and \
                not isinstance(error.get("input"), (dict, list)):
            # say what YAML read: `name: no` is the boolean False, `gpus: four` a string
            message = f"{message} (got {shown(error.get('input'))})"
            got, expected = error.get("input"), (error.get("ctx") or {}).get("expected", "")
            if kind == "literal_error" and isinstance(got, str):
                options = re.findall(r"'([^']*)'", str(expected))
                if len(options) > 1:        # one option: the message names it already
                    message += did_you_mean(got, options, ignore_case=True)
        key = (path, message)
        if key in seen:
            continue
        seen.add(key)
        findings.append(locations.finding(path, message, "SCHEMA"))
    return sorted(findings, key=lambda f: (f.line or 0, f.column or 0, f.message))


def _path(loc: tuple, data: Any, missing: bool) -> Path_:
    """pydantic's loc lists union branches ('str', 'list[str]', function names): drop them.

    A part is kept when it is a key or index of the document at that point (or the missing
    key itself): guessing from the names dropped user keys such as `[` or `strict`, and an
    unknown key `[` at the top level then crashed the 'did you mean' lookup."""
    out: list[str | int] = []
    current = data
    for i, part in enumerate(loc):
        if isinstance(current, dict) and not isinstance(part, int) and part in current:
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        elif not (missing and i == len(loc) - 1):
            continue
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


def _models_in(annotation: Any) -> list[type[pydantic.BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return [annotation]
    found: list[type[pydantic.BaseModel]] = []
    for arg in typing.get_args(annotation):
        if typing.get_origin(annotation) in (list, dict, tuple):
            continue
        found += _models_in(arg)
    return found


def _descend(annotation: Any, part: str | int) -> Any:
    for model in _models_in(annotation):
        if isinstance(part, str) and part in model.model_fields:
            return model.model_fields[part].annotation
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        for arg in args:        # each branch once (a branch is never the union itself)
            result = _descend(arg, part) if arg is not type(None) and arg is not annotation else None
            if result is not None:
                return result
    return None
