"""Reading manifests fast: libyaml composes the node tree, a small constructor turns the
plain shapes gpuaas writes (mappings, sequences, str/int/bool/null/float scalars) into
Python values. Anything else (merge keys, anchors' odd tags, timestamps) goes through
PyYAML's own SafeConstructor, so the result is the same as yaml.safe_load."""
from __future__ import annotations

import re

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_T = "tag:yaml.org,2002:"
_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
# libyaml recurses per nesting level: refuse absurd nesting before it can exhaust the stack.
_TOO_DEEP = re.compile(r"[\[{]{256}|^ {1024}", re.MULTILINE)


class TooDeep(yaml.YAMLError):
    pass


class _Fallback(Exception):
    pass


def load(text: str):
    """Like yaml.safe_load for one document, faster on plain manifests."""
    if _TOO_DEEP.search(text):
        raise TooDeep("nested too deeply to be a Kubernetes manifest")
    node = yaml.compose(text, Loader=_Loader)
    if node is None:
        return None
    try:
        return _build(node)
    except _Fallback:
        return yaml.load(text, Loader=_Loader)


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
