"""The CEL rules of CRD schemas (`x-kubernetes-validations`), evaluated as the API server does.

JSON Schema cannot say "operator must be Exists when key is empty"; the API server says it in
CEL, after defaulting, with `self` bound to the value of the schema node that carries the
rule, for every instance of that node in the object. Rules that compare with the stored
object (`oldSelf`, transition rules) need the cluster and are skipped; a rule the evaluator
cannot compile or run is reported by name, never passed silently.
"""
from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["Rule", "Outcome", "rules_of", "evaluate", "describe"]


@dataclass(frozen=True)
class Rule:
    path: tuple           # instance path pattern: field names, "*" for list items and map values
    rule: str
    message: str
    message_expression: str | None = None
    field_path: str | None = None

    @property
    def transition(self) -> bool:
        return "oldSelf" in self.rule

    def where(self) -> str:
        return ".".join(str(p) for p in self.path) or "<root>"


@dataclass(frozen=True)
class Outcome:
    rule: Rule
    path: tuple           # the instance that failed (list indices resolved)
    message: str
    violated: bool        # False: the rule could not be evaluated (message says why)


_RULES: dict[int, tuple[dict, list[Rule]]] = {}


def rules_of(schema: dict) -> list[Rule]:
    """Every rule of a (converted) CRD schema, with the instance path it applies to. Walked
    once per schema and run (an ApplicationSet schema is large and has none)."""
    cached = _RULES.get(id(schema))
    if cached is None or cached[0] is not schema:
        out: list[Rule] = []
        _collect(schema, (), out)
        cached = _RULES[id(schema)] = (schema, out)
    return cached[1]


def _collect(node: Any, path: tuple, out: list[Rule]) -> None:
    if not isinstance(node, dict):
        return
    for item in node.get("x-kubernetes-validations") or []:
        out.append(Rule(path, item["rule"], item.get("message") or f"failed rule: {item['rule']}",
                        item.get("messageExpression"), item.get("fieldPath")))
    for name, sub in (node.get("properties") or {}).items():
        _collect(sub, (*path, name), out)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            _collect(node[key], (*path, "*"), out)


@lru_cache(maxsize=None)
def _cel():
    """The evaluator's compiled extension (`cel.cel`), loaded without the package's
    __init__, which imports its interactive command line (prompt_toolkit, pygments, typer):
    0.15 s of every validate. Registered under its own name, so a later `import cel` uses
    this module instead of initialising the extension twice."""
    import importlib.machinery
    import importlib.util
    import sys
    if "cel.cel" in sys.modules:
        return sys.modules["cel.cel"]
    package = importlib.util.find_spec("cel")
    if package is None or not package.submodule_search_locations:
        raise ImportError("common-expression-language is not installed", name="cel")
    for directory in package.submodule_search_locations:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = Path(directory) / f"cel{suffix}"
            if path.is_file():
                loader = importlib.machinery.ExtensionFileLoader("cel.cel", str(path))
                spec = importlib.util.spec_from_file_location("cel.cel", path, loader=loader)
                module = importlib.util.module_from_spec(spec)
                sys.modules["cel.cel"] = module
                loader.exec_module(module)
                return module
    import cel      # another layout: the package as published
    return cel


@lru_cache(maxsize=None)
def _compiled(expression: str):
    """A compiled program, or the exception compiling raised (cached either way: once per run)."""
    cel = _cel()
    try:
        return cel.compile(expression)
    except Exception as exc:  # noqa: BLE001 - the library raises several types for bad input
        return exc


def _lower_ascii(text: str) -> str:
    # Kubernetes' strings extension: only ASCII letters change case
    return "".join(c.lower() if c.isascii() else c for c in text)


def _run(expression: str, value: Any) -> Any:
    cel = _cel()
    program = _compiled(expression)
    if isinstance(program, Exception):
        raise program
    context = cel.Context()
    context.add_function("lowerAscii", _lower_ascii)
    context.add_variable("self", value)
    return program.execute(context)


def with_defaults(value: Any, schema: dict) -> Any:
    """`value` as the API server validates it: object defaults filled in where absent."""
    if isinstance(value, dict):
        out = dict(value)
        for name, sub in (schema.get("properties") or {}).items():
            if name not in out and "default" in sub:
                out[name] = copy.deepcopy(sub["default"])
            if name in out:
                out[name] = with_defaults(out[name], sub)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for name in out.keys() - (schema.get("properties") or {}).keys():
                out[name] = with_defaults(out[name], extra)
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [with_defaults(v, schema["items"]) for v in value]
    return value


def _instances(value: Any, pattern: tuple, at: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    if not pattern:
        yield at, value
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        items = enumerate(value) if isinstance(value, list) else (value.items() if isinstance(value, dict) else ())
        for key, sub in items:
            yield from _instances(sub, rest, (*at, key))
    elif isinstance(value, dict) and head in value and value[head] is not None:
        yield from _instances(value[head], rest, (*at, head))


def evaluate(obj: dict, schema: dict) -> list[Outcome]:
    """Violations and rules that could not run, for one object. Transition rules are skipped."""
    rules = [rule for rule in rules_of(schema) if not rule.transition]
    if not rules:
        return []
    value = with_defaults(obj, schema)
    out = []
    for rule in rules:
        for path, node in _instances(value, rule.path):
            try:
                result = _run(rule.rule, node)
            except Exception as exc:  # noqa: BLE001 - a rule that errors is reported, not passed
                out.append(Outcome(rule, path, f"rule at {rule.where()} could not be evaluated "
                                   f"({type(exc).__name__}: {exc}): {rule.rule}", False))
                continue
            if result is not True:
                out.append(Outcome(rule, _field(path, rule.field_path), _message(rule, node), True))
    return out


def _message(rule: Rule, node: Any) -> str:
    if rule.message_expression:
        try:
            text = _run(rule.message_expression, node)
            if isinstance(text, str) and text:
                return text
        except Exception:  # noqa: BLE001 - fall back to the static message, as the API server does
            pass
    return rule.message


def _field(path: tuple, field_path: str | None) -> tuple:
    """The rule's fieldPath (`.spec.foo` or `.foo['bar']`), relative to its node."""
    if not field_path:
        return path
    parts = []
    for piece in field_path.replace("['", ".").replace("']", "").split("."):
        if piece:
            parts.append(piece)
    return (*path, *parts)


def describe(schema: dict) -> dict:
    """For `schemas list`: how many rules, how many evaluated, and why the others are not."""
    rules = rules_of(schema)
    skipped = []
    for rule in rules:
        if rule.transition:
            skipped.append({"rule": rule.rule, "at": rule.where(),
                            "why": "transition rule (oldSelf): compares with the stored object"})
        elif isinstance(_compiled(rule.rule), Exception):
            skipped.append({"rule": rule.rule, "at": rule.where(),
                            "why": f"does not compile: {_compiled(rule.rule)}"})
    return {"rules": len(rules), "evaluated": len(rules) - len(skipped), "skipped": skipped}
