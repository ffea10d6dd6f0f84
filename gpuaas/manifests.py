"""Reading manifests fast and safely: libyaml composes the node tree, a small constructor
turns the plain shapes gpuaas writes (mappings, sequences, str/int/bool/null scalars) into
Python values. Anything else (merge keys, odd tags, floats, timestamps) goes through PyYAML's
own SafeConstructor, so the result is the same as yaml.safe_load.

Files in a tree may be hand-edited, so two guards come first: libyaml's composer recurses in
C (tens of thousands of levels crash the process), and aliases can expand a few hundred
bytes into billions of nodes."""
from __future__ import annotations

import re

import yaml

class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):   # type: ignore[misc]
    """libyaml's loader; the tag of a plain scalar depends on its text only, and manifests
    repeat the same few thousand texts: remember them."""
    _plain_tags: dict[str, str] = {}

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode and implicit[0] and not self.yaml_path_resolvers:
            tag = self._plain_tags.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(self._plain_tags) < 100_000:
                    self._plain_tags[value] = tag
            return tag
        return super().resolve(kind, value, implicit)
_T = "tag:yaml.org,2002:"
_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
# Every collection needs an indicator of its own ("[", "{", "-", "?" or ":"), so their count
# bounds the nesting depth: below MAX_DEPTH the composer is safe without looking closer.
MAX_DEPTH = 500
# Expanded size allowed to a document using aliases, per character of its text.
MAX_NODES_PER_CHAR = 10
# An alias: "*" then a name, where a value starts (a shell "&&" or a "*" in a script is not).
_ALIAS = re.compile(r"(?:^|[\s\[{,])\*[^\s,\[\]{}]")


class TooDeep(yaml.MarkedYAMLError):
    def __init__(self, problem: str = f"nested more than {MAX_DEPTH} levels deep: no "
                 "Kubernetes manifest is", mark: yaml.Mark | None = None) -> None:
        super().__init__(problem=problem, problem_mark=mark)


class TooLarge(yaml.MarkedYAMLError):
    def __init__(self, problem: str, mark: yaml.Mark | None = None) -> None:
        super().__init__(problem=problem, problem_mark=mark)


class _Fallback(Exception):
    pass


def load(text: str):
    """Like yaml.safe_load for one document, faster on plain manifests."""
    return _construct(text, compose(text))


def load_all(text: str) -> list:
    """Like yaml.safe_load_all, with the same guards."""
    _check_depth(text)
    nodes = list(yaml.compose_all(text, Loader=_Loader))
    return [_construct(None, node) for node in nodes]


def compose(text: str, loader: type = _Loader) -> yaml.Node | None:
    _check_depth(text)
    return yaml.compose(text, Loader=loader)


def _construct(text: str | None, node: yaml.Node | None):
    if node is None:
        return None
    if text is None or ("*" in text and _ALIAS.search(text)):
        _check_expansion(node, text)
    try:
        return _build(node)
    except _Fallback:
        loader = _Loader("")
        return loader.construct_document(node)
    except RecursionError:
        raise TooDeep() from None


def _check_depth(text: str) -> None:
    if sum(text.count(c) for c in "[{-?:") <= MAX_DEPTH:
        return
    depth = 0   # libyaml's parser keeps its own stack: walking its events is safe
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise TooDeep(mark=event.start_mark)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _check_expansion(node: yaml.Node, text: str | None) -> None:
    """Refuse aliases that expand past a budget, or refer to a node that contains them."""
    budget = MAX_NODES_PER_CHAR * len(text) + 10_000 if text is not None else 10_000_000
    sizes: dict[int, int] = {}
    open_: set[int] = set()

    def size(n: yaml.Node) -> int:
        key = id(n)
        if key in sizes:
            return sizes[key]
        if key in open_:
            raise TooLarge("an alias refers to a node that contains it", n.start_mark)
        open_.add(key)
        if isinstance(n, yaml.MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in n.value)
        elif isinstance(n, yaml.SequenceNode):
            total = 1 + sum(size(item) for item in n.value)
        else:
            total = 1
        open_.discard(key)
        sizes[key] = total
        if total > budget:
            raise TooLarge(f"aliases expand this document to more than {budget} values (a "
                           "YAML bomb?): write the values out", n.start_mark)
        return total
    try:
        size(node)
    except RecursionError:
        raise TooDeep() from None


def _build(node: yaml.Node):
    tag = node.tag
    if isinstance(node, yaml.MappingNode):
        if tag != _T + "map":
            raise _Fallback
        out = {}
        for key_node, value_node in node.value:
            if key_node.tag == _T + "merge":
                raise _Fallback
            key = _build(key_node)
            if isinstance(key, (dict, list)):
                raise _Fallback
            out[key] = _build(value_node)
        return out
    if isinstance(node, yaml.SequenceNode):
        if tag != _T + "seq":
            raise _Fallback
        return [_build(item) for item in node.value]
    value = node.value
    if tag == _T + "str":
        return value
    if tag == _T + "int" and _INT.match(value):
        return int(value)
    if tag == _T + "bool":
        return value.lower() in ("true", "yes", "on", "y")
    if tag == _T + "null":
        return None
    raise _Fallback
