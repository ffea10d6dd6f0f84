"""Load a portfolio file into the frozen model, keeping where every value was written.

Every problem becomes a Finding `file:line:column: field.path: message` (raised together
as a UserError), from YAML syntax to an unknown key, so the CLI never shows a traceback.
"""
from __future__ import annotations

import difflib
import re
import types
import warnings
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import MaxDepthExceededError
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError, YAMLFutureWarning, YAMLWarning
from ruamel.yaml.reader import ReaderError

from ..findings import Finding, UserError
from . import fastload
from .locations import Locations, Path_, dotted
from .schema import Portfolio, shown

MAX_BYTES = 16 * 1024 * 1024
MAX_NODES = 500_000      # aliases may multiply a small file (billion laughs): refuse early
MAX_DEPTH = 64
# Characters no portfolio value needs and the rendered YAML cannot carry as JSON-quoted text
# (YAML forbids DEL, C1 controls, lone surrogates and U+FFFE/U+FFFF; NEL, U+2028 and U+2029
# are line breaks to YAML 1.1 readers): reached through escapes such as "\x7F" or "\ud800".
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")



class _Constructor(RoundTripConstructor):
    """ruamel's converters raise bare exceptions (`!!int x` ValueError, `!!bool x` KeyError,
    `<<: !!set {a}` AttributeError, an integer of more than 4300 digits) that name no
    place: re-raise them as YAML errors at the node, also from the generators ruamel runs
    after the first pass (mappings, merge keys)."""

    def construct_non_recursive_object(self, node: Any, tag: str | None = None) -> Any:
        pending = len(self.state_generators)
        try:
            data = super().construct_non_recursive_object(node, tag)
        except Exception as exc:   # noqa: BLE001 - see the class docstring
            raise _located(exc, node) from None
        self.state_generators[pending:] = [_guarded(generator, node)
                                           for generator in self.state_generators[pending:]]
        return data


def _guarded(generator: Any, node: Any) -> Any:
    try:
        yield from generator
    except Exception as exc:   # noqa: BLE001
        raise _located(exc, node) from None


def _located(exc: Exception, node: Any) -> Exception:
    if isinstance(exc, (YAMLError, RecursionError)):
        return exc
    if "integer string conversion" in str(exc):
        problem = "a number with thousands of digits: no portfolio value is that large"
    else:
        tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
        what = shown(node.value) if isinstance(node.value, str) else \
            f"the {type(node).__name__.removesuffix('Node').lower()} starting here"
        problem = f"cannot read {what} as {tag} ({type(exc).__name__}: {shown(str(exc))})"
    return ConstructorError(None, None, problem, node.start_mark)


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
    data, locations = fast if fast is not None else _round_trip(text, file)
    if not isinstance(data, dict):
        raise UserError([Finding(file, 1, "YAML", "a portfolio is a mapping with apiVersion, "
                                 "kind, metadata, ... at the top level")])
    try:
        portfolio = Portfolio.model_validate(data)
    except pydantic.ValidationError as exc:
        raise UserError(_findings(exc, locations, data)) from None
    return Loaded(portfolio, file, locations, text)


def _round_trip(text: str, file: str) -> tuple[Any, Locations]:
    """ruamel's reader: every YAML feature, and the located message for every error."""
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    # ruamel's own limit, checked while composing: a located error instead of a
    # RecursionError (10k-deep `[[[...]]]`), and the same limit _plain enforces on paths.
    yaml.max_depth = MAX_DEPTH + 1
    try:
        with warnings.catch_warnings():
            # ruamel warns (on stderr, mid-report) about re-used anchors, which YAML allows
            # (an alias refers to the latest), and about YAML 1.1 float spellings.
            warnings.simplefilter("ignore", YAMLWarning)
            warnings.simplefilter("ignore", YAMLFutureWarning)
            doc = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        problem = _one_line(" ".join(str(p) for p in (exc.context, exc.problem) if p))
        if isinstance(exc, MaxDepthExceededError):   # ruamel's text names its own API
            problem = f"nested more than {MAX_DEPTH} levels deep; a portfolio needs fewer than 10"
        hint = ""
        if "found character '\\t'" in problem:
            problem, hint = "a tab character where YAML expects spaces", ": indent with spaces, not tabs"
        elif "\t" in text and "tab" in problem.lower():
            hint = " (indent with spaces, not tabs)"
        duplicate = re.search(r'found duplicate key (".*?") with value (".*?") \(original value: '
                              r'(".*?")\)', problem)
        if duplicate:   # ruamel: "while constructing a mapping found duplicate key ..."
            key, second, first = duplicate.groups()
            problem = f"duplicate key {key} (values {first} and {second})"
            hint = ": each key may appear once in a mapping, remove or merge the repeat"
        elif "duplicate key" in problem:
            hint = " (each key may appear once in a mapping: remove or merge the repeat)"
        raise UserError([Finding(file, line, "YAML", f"invalid YAML: {problem}{hint}",
                                 column=col)]) from None
    except ReaderError as exc:
        # Control characters: locate them (str(exc) spans lines and names no line).
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        raise UserError([Finding(file, line, "YAML", f"invalid YAML: character U+{char:04X} "
                                 "(a control character) is not allowed in YAML text: remove it",
                                 column=col)]) from None
    except (YAMLError, RecursionError, ValueError) as exc:
        raise UserError([Finding(file, None, "YAML", f"invalid YAML: {exc}")]) from None
    if doc is None:
        raise UserError([Finding(file, 1, "EMPTY", "the portfolio is empty: start from "
                                 "`gpuaas init` or the example in the README")])
    locations = Locations(file, {(): (1, 1)})   # a top-level scalar has no spot of its own
    return _plain(doc, (), locations, [0, 0]), locations


def _plain(node: Any, path: Path_, locations: Locations, budget: list[int]) -> Any:
    """ruamel's tree -> plain dicts and lists, recording locations; bounded in size."""
    budget[0] += 1
    if isinstance(node, str):
        # Characters count too: one long string behind many aliases is a billion laughs
        # that the node count misses (rules and render would copy it for every alias).
        budget[1] += len(node)
    if budget[0] > MAX_NODES or budget[1] > MAX_BYTES or len(path) > MAX_DEPTH:
        line, column = locations.of(path)   # where the expansion went over the limit
        raise UserError([Finding(locations.file, line, "YAML",
                                 "too large or too deeply nested once aliases are expanded "
                                 f"(more than {MAX_NODES} values, {MAX_BYTES // 2**20}M characters "
                                 f"or {MAX_DEPTH} levels)",
                                 column=column)])
    if isinstance(node, CommentedMap):
        out = {}
        spots = node.lc.data or {}      # None for `!!omap`
        for key, value in node.items():
            spot = spots.get(key)
            if not isinstance(key, str):
                line = spot[0] + 1 if spot else None
                raise UserError([Finding(locations.file, line, "YAML", f"{dotted(path) or 'top level'}:"
                                         f" key {shown(key)} is not a string: quote it")])
            if spot:
                locations.spots[path + (key,)] = (spot[0] + 1, spot[1] + 1)
            _check_characters(key, path + (key,), locations)
            out[key] = _plain(value, path + (key,), locations, budget)
        if not path:   # where the mapping starts, after any leading comments
            locations.spots[()] = (node.lc.line + 1, node.lc.col + 1) \
                if node.lc.line is not None else (1, 1)
        return out
    if isinstance(node, CommentedSeq):
        out_list = []
        spots = node.lc.data or {}
        for index, value in enumerate(node):
            spot = spots.get(index)
            if spot:
                locations.spots[path + (index,)] = (spot[0] + 1, spot[1] + 1)
            out_list.append(_plain(value, path + (index,), locations, budget))
        return out_list
    if isinstance(node, str):
        _check_characters(node, path, locations)
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


def _check_characters(text: str, path: Path_, locations: Locations) -> None:
    bad = _UNSAFE.search(text)
    if bad:
        raise UserError([locations.finding(path, f"character U+{ord(bad.group()):04X} (a control "
                                           "character or line separator) has no place in a "
                                           "portfolio: remove it", "YAML")])


def _one_line(problem: str) -> str:
    """ruamel's problem text quotes the values involved (a duplicate key's, in full): keep
    the message one short line."""
    problem = re.sub(r'"([^"]{50})[^"]{10,}"', r'"\1…"', problem)
    problem = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in problem)
    return problem if len(problem) <= 400 else problem[:399] + "…"


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
