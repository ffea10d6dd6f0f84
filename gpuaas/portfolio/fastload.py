"""The fast path for plain portfolios: libyaml composes the node tree and the YAML 1.2
resolver gives each plain scalar the tag ruamel would. Anything this reader is not sure
to read exactly as the round-trip reader does (anchors, tags, directives, odd numbers,
duplicate keys, unusual characters, any error) returns None and the round-trip reader
decides, so its values, locations and messages stay the contract.
"""
from __future__ import annotations

import re
from typing import Any

import yaml

from ..manifests import compose
from .locations import Locations, Path_

_T = "tag:yaml.org,2002:"
# YAML 1.2 core schema as ruamel resolves it (ruamel.yaml.resolver, version (1, 2)).
_RESOLVERS_12 = {
    "bool": re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    "float": re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""", re.X),
    "int": re.compile(r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""", re.X),
    "null": re.compile(r"^(?:~|null|Null|NULL|)$"),
    # tags the fast path does not construct: their presence sends the text to ruamel
    "merge": re.compile(r"^(?:<<)$"),
    "timestamp": re.compile(r"^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"),
    "value": re.compile(r"^(?:=)$"),
    "yaml": re.compile(r"^(?:!|&|\*)$"),
}


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):   # type: ignore[misc]
    yaml_implicit_resolvers: dict = {}


for _name, _regexp in _RESOLVERS_12.items():
    for _first in list("-+0123456789.tTfFnN~<=!&*") + [""]:
        _Loader.add_implicit_resolver(_T + _name, _regexp, [_first])

# Only what is certainly read alike: printable text without tabs, CR, BOM or line separators.
_UNUSUAL = re.compile("[^\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]")
# Directives and document markers (`---`, `...`): the readers count documents differently.
_DIRECTIVE = re.compile(r"^(?:%|---|\.\.\.)", re.MULTILINE)
# An explicit tag (`!!str 1`, `!x`): ruamel keeps it (a TaggedScalar), libyaml's node does
# not say it was written. Any "!" where a tag could start goes to ruamel.
_TAG = re.compile(r"(?:^|[\s\[{,])!")
_DECIMAL = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


class _Unsure(Exception):
    pass


def load(text: str, file: str, max_depth: int) -> tuple[Any, Locations] | None:
    """(plain data, locations), or None when the round-trip reader must decide."""
    if _UNUSUAL.search(text) or _DIRECTIVE.search(text) or _TAG.search(text):
        return None
    try:
        node = compose(text, _Loader)
    except (yaml.YAMLError, RecursionError):
        return None
    if not isinstance(node, yaml.MappingNode):
        return None
    locations = Locations(file, {(): (node.start_mark.line + 1, node.start_mark.column + 1)})
    try:
        return _build(node, (), locations, set(), max_depth), locations
    except (_Unsure, RecursionError):
        return None


def _build(node: yaml.Node, path: Path_, locations: Locations, seen: set[int],
           max_depth: int) -> Any:
    if id(node) in seen or len(path) > max_depth:
        raise _Unsure   # an alias, or nesting whose message the round-trip reader words
    seen.add(id(node))
    tag = node.tag
    if isinstance(node, yaml.MappingNode):
        if tag != _T + "map":
            raise _Unsure
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _T + "str" \
                    or key_node.value in out or _UNUSUAL.search(key_node.value):
                raise _Unsure
            key = key_node.value
            sub = path + (key,)
            locations.spots[sub] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _build(value_node, sub, locations, seen, max_depth)
        return out
    if isinstance(node, yaml.SequenceNode):
        if tag != _T + "seq":
            raise _Unsure
        items = []
        for index, item in enumerate(node.value):
            sub = path + (index,)
            locations.spots[sub] = (item.start_mark.line + 1, item.start_mark.column + 1)
            items.append(_build(item, sub, locations, seen, max_depth))
        return items
    value = node.value
    if node.style == '"' and _UNUSUAL.search(value):
        raise _Unsure   # an escape such as "\x07": the round-trip reader says where
    if tag == _T + "str":
        return value
    if tag == _T + "int" and _DECIMAL.match(value) and len(value) < 100:
        return int(value)
    if tag == _T + "float" and _FLOAT.match(value) and len(value) < 100:
        return float(value)
    if tag == _T + "bool" and value in _BOOLS:
        return _BOOLS[value]
    if tag == _T + "null" and _RESOLVERS_12["null"].match(value):
        return None
    raise _Unsure
