"""What `vllm serve` accepts, per vLLM version: the flag tables in gpuaas/vllm_flags/, taken
from vLLM's own argument parser of each release (tools/vllm_flags.py refreshes them), and the
check of one `--name[=value]` against them. vLLM exits on an argument its parser refuses
("unrecognized arguments", "invalid choice", "expected one argument"): in a crash loop."""
from __future__ import annotations

import json
import re
from functools import cache
from typing import Literal
from importlib import resources

from .findings import did_you_mean

# vllm/utils/argparse_utils.py (human_readable_int): 25k, 1.5M, 2G; a plain integer too
_HUMAN_INT = re.compile(r"^(-?\d+|\d+(\.\d+)?[kKmMgGtT])$")


@cache
def versions() -> dict[str, str]:
    """major.minor -> the table's file name."""
    folder = resources.files("gpuaas") / "vllm_flags"
    return {p.name.removesuffix(".json"): p.name for p in folder.iterdir() if p.name.endswith(".json")}


@cache
def table(version: str) -> dict | None:
    """The flag table of a vLLM version (by major.minor), None when none is bundled."""
    minor = ".".join(version.split(".")[:2])
    name = versions().get(minor)
    if name is None:
        return None
    return json.loads((resources.files("gpuaas") / "vllm_flags" / name).read_text())


@cache
def _names(version: str) -> dict[str, str]:
    """Every spelling (long name, --no- form, alias) of a bundled version's flags -> the
    flag's long name."""
    out: dict[str, str] = {}
    for name, f in (table(version) or {"flags": {}})["flags"].items():
        out[name] = name
        for other in (*f.get("aliases", ()), *f.get("no_form", ())):
            out[other] = name
    return out


def _value_problem(f: dict, value: str) -> str | None:
    kind = f["type"]
    choices = f.get("choices")
    if choices and value.lower() not in {str(c).lower() for c in choices}:
        hint = did_you_mean(value, list(map(str, choices)))
        # the hint alone where there is one: the lists differ between versions, the cause not
        return f"does not take {value!r}" + (hint or f": it takes one of {', '.join(map(str, choices))}")
    try:
        if kind == "int":
            int(value)
        elif kind == "float":
            float(value)
        elif kind == "json":
            json.loads(value)
    except ValueError:
        what = {"int": "an integer", "float": "a number", "json": "a JSON object"}[kind]
        return f"takes {what}, not {value!r}"
    if kind.startswith("human_readable_int") and not (
            _HUMAN_INT.match(value) or (kind.endswith("or_auto") and value == "auto")):
        return f"takes an integer (or 25k, 1.5M), not {value!r}"
    return None


Severity = Literal["error", "warning"]


def problem(name: str, value: str | None, version: str) -> tuple[str, Severity] | None:
    """(what is wrong, its severity) with `name[=value]` for vLLM `version`; None when its
    parser takes it, or no table is bundled for that version."""
    found = table(version)
    if found is None:
        return None
    flags = found["flags"]
    head, dot, _ = name.partition(".")
    head = "--" + head[2:].replace("_", "-")        # vLLM rewrites --foo_bar to --foo-bar
    spellings = _names(version)
    long = spellings.get(head)
    if long is None:
        older = [v for v in sorted(versions(), key=_key) if _key(v) < _key(version) and head in _names(v)]
        if older:
            gone = min((v for v in versions() if _key(v) > _key(older[-1]) and head not in _names(v)), key=_key)
            return (f"{head} is gone by vLLM {gone} ({older[-1]} had it): remove it", "error")
        return (f"{head} is not a vLLM option{did_you_mean(head, spellings)}: `vllm serve` exits "
                "with \"unrecognized arguments\"", "error")
    f = flags[long]
    if dot:
        if f["type"] not in ("json", "json_or_str"):
            return f"{head} takes no sub-keys ({name.partition('=')[0]}): write {head}=<value>", "error"
        return None
    negated = head in f.get("no_form", ())
    if f["action"] in ("store_true", "store_false", "boolean_optional") or negated:
        if value is not None:
            return (f"{head} is a switch and takes no value (vLLM: \"ignored explicit argument\"): "
                    f"write {head}" + (f" or {f['no_form'][0]}" if f.get("no_form") and not negated else ""),
                    "error")
        return None
    if value is None:
        if f.get("nargs") in ("?", "*"):
            return None
        return f"{head} needs a value (vLLM: \"expected one argument\"): write {head}=<value>", "error"
    wrong = _value_problem(f, value)
    if wrong:
        return f"{head} {wrong}", "error"
    known = f.get("known_values")
    if known and value not in known:
        hint = did_you_mean(value, known) or \
            f" (it knows {', '.join(known[:12])}{', ...' if len(known) > 12 else ''})"
        return (f"{head}={value} is not one vLLM knows{hint}: it refuses it at start-up unless a "
                "plugin adds it", "warning")
    return None


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version))
