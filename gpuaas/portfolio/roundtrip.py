"""ruamel's round-trip reader: every YAML feature, and a located message for every error.
Portfolios that the fast reader is not sure of come here."""
from __future__ import annotations

import re
import warnings
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import MaxDepthExceededError
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError, YAMLFutureWarning, YAMLWarning
from ruamel.yaml.reader import ReaderError

from ..findings import Finding
from ..errors import UserError
from .limits import UNSAFE, MAX_BYTES, MAX_DEPTH, MAX_NODES
from .locations import Locations, Path_, dotted
from .schema import shown

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


def round_trip(text: str, file: str) -> tuple[Any, Locations]:
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
        elif line and ("mapping values are not allowed here" in problem
                       or re.search(r"expected <block end>, but found '(\?|<block mapping start>|-)'", problem)):
            # the parser's words for a key indented unlike its neighbours: say it in the user's
            found, above = _key_at(text, line), _key_before(text, line)
            if found and above:
                (key, column), (other, other_line, other_column) = found, above
                col = column
                problem = (f"`{key}` starts in column {column}, `{other}` on line {other_line} in "
                           f"column {other_column}: the keys of one mapping start in the same column")
                hint = f"; indent `{key}` like the keys it belongs with" + (
                    ", or quote a value that holds ': '" if "mapping values" in str(exc.problem) else "")
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
                # a key merged in (`<<:`) has no spot of its own: point at its mapping
                line = spot[0] + 1 if spot else locations.of(path)[0] or 1
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
    bad = UNSAFE.search(text)
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



_KEY = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][\w.-]*)\s*:")


def _key_at(text: str, line: int) -> tuple[str, int] | None:
    """The key a line of YAML starts with and its column (`    source: x` -> source, 5)."""
    lines = text.splitlines()
    found = _KEY.match(lines[line - 1]) if 0 < line <= len(lines) else None
    return (found.group(2), len(found.group(1)) + 1) if found else None


def _key_before(text: str, line: int) -> tuple[str, int, int] | None:
    """The key of the nearest line above that starts with one: (key, line, column)."""
    for n in range(line - 1, 0, -1):
        found = _key_at(text, n)
        if found:
            return found[0], n, found[1]
    return None
