"""The portfolio's JSON Schema, for editors (yaml-language-server) and `gpuaas schema`.

It accepts and rejects what the CLI does, but for the rules listed in the README (Editor
completion) that JSON Schema cannot say: the patterns, enums and lengths come from the
fields in schema.py; here only pydantic's lax reading of numbers and booleans is added."""
from __future__ import annotations

from .schema import Portfolio

SCHEMA_ID = "https://gpuaas.dev/schema/portfolio-v1.json"

# What pydantic (lax mode) takes as text for a number or a boolean: `gpus: "4"`,
# `sizeGB: "13.8"`, `enabled: "yes"`. Written without inline flags for JavaScript editors.
_INT_TEXT = r"^\s*[-+]?\d+(_\d+)*(\.0*)?\s*$"
_NUMBER_TEXT = r"^\s*[-+]?(\d+(_\d+)*(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$"
_BOOL_WORDS = ("true", "false", "yes", "no", "on", "off", "t", "f", "y", "n", "1", "0")
_BOOL_TEXT = "^(" + "|".join("".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in w)
                             for w in _BOOL_WORDS) + ")$"
_AS_TEXT = {"integer": _INT_TEXT, "number": _NUMBER_TEXT, "boolean": _BOOL_TEXT}
_ANNOTATIONS = ("title", "description", "default")


def _lax(node: object) -> object:
    """Each integer, number or boolean also as the text pydantic converts (a quoted number's
    range is not checked: the README lists it)."""
    if isinstance(node, list):
        return [_lax(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _lax(value) for key, value in node.items()}
    kind = node.get("type")
    if not isinstance(kind, str) or kind not in _AS_TEXT:
        return node
    outer = {k: v for k, v in node.items() if k in _ANNOTATIONS}
    inner = {k: v for k, v in node.items() if k not in _ANNOTATIONS}
    extra = [{"type": "integer", "enum": [0, 1]}] if kind == "boolean" else []
    return {**outer, "anyOf": [inner, {"type": "string", "pattern": _AS_TEXT[kind]}, *extra]}


def _describe(schema: dict) -> None:
    """Every field's meaning (descriptions.py), where editors show it on hover."""
    from .descriptions import DESCRIPTIONS
    for model, node in [("Portfolio", schema), *schema.get("$defs", {}).items()]:
        for name, prop in (node.get("properties") or {}).items():
            text = DESCRIPTIONS.get(f"{model}.{name}")
            if text:
                prop["description"] = text


def portfolio_schema() -> dict:
    schema = _lax(Portfolio.model_json_schema(mode="validation"))
    assert isinstance(schema, dict)
    _describe(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "gpuaas portfolio (gpuaas/v1)"
    return schema
