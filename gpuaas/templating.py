"""The Jinja environment shared by every template, with the quoting filters.

Values never reach a rendered file raw: scalars go through ``q`` (JSON quoting, which is
valid YAML and JavaScript), nested values through ``yaml``.
"""
from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

import jinja2
import jinja2.bccache


# Strings written plain: they start with a letter, '/', '_' or '--', hold no space or YAML
# indicator, and do not read back as another type. Anything else is JSON-quoted (valid YAML).
_PLAIN = re.compile(r"^(?:[A-Za-z_/]|--?[A-Za-z])[A-Za-z0-9_./=@+-]*(?::[A-Za-z0-9_./=@+-]+)*\Z")
_SPECIAL = {"y", "yes", "n", "no", "true", "false", "on", "off", "null"}
# Characters a block scalar cannot carry as they are (YAML reads some as line breaks).
_NOT_IN_BLOCK = re.compile("[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029\ufeff]")


_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029", "\ufeff": "\\ufeff"}


class Quoted(str):
    """Output of ``q`` and ``yaml``: already safe where the template puts it."""


# A line break or control character in a value written raw (a comment, a Markdown line)
# would end the comment and start YAML of the user's choosing: it becomes a space.
_ONE_LINE = re.compile("[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")


def _finalize(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, Quoted):
        return _ONE_LINE.sub(" ", value)
    return value


_QUOTED: dict[str, "Quoted"] = {}


def quote(value: Any) -> str:
    """One scalar as a JSON literal: safe in YAML and JS whatever characters it holds.
    The characters YAML (and old JS) read as line breaks are escaped too."""
    if type(value) is str:
        out = _QUOTED.get(value)
        if out is None:
            out = _quote(value)
            if len(_QUOTED) < 100_000:
                _QUOTED[value] = out
        return out
    return _quote(value)


def _quote(value: Any) -> "Quoted":
    text = json.dumps(value, ensure_ascii=False)
    for raw, escaped in _LINE_BREAKS.items():
        text = text.replace(raw, escaped)
    return Quoted(text)


# A large portfolio writes the same few thousand keys and values over and over: each
# string's scalar is worked out once per process.
_SCALARS: dict[str, str] = {}
_BOOLS = {True: Quoted("true"), False: Quoted("false")}


def _string(value: str) -> str:
    return value if _PLAIN.match(value) and value.lower() not in _SPECIAL else quote(value)


def _scalar(value: Any) -> str:
    kind = type(value)
    if kind is str:
        out = _SCALARS.get(value)
        if out is None:
            out = _string(value)
            if len(_SCALARS) < 100_000:
                _SCALARS[value] = out
        return out
    if kind is bool:
        return _BOOLS[value]
    if kind is int:
        return Quoted(int.__repr__(value))     # what json.dumps writes for an int
    if isinstance(value, str):
        return _string(value)
    if value is None or isinstance(value, (bool, int, float)):
        return quote(value)
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


def _block(text: str, pad: str) -> str | None:
    """A multi-line string as a literal block, when it survives the round trip exactly."""
    if not text.endswith("\n") or text.endswith("\n\n") or text.startswith((" ", "\n")) \
            or _NOT_IN_BLOCK.search(text) or "\r" in text or "\t" in text:
        return None
    lines = text[:-1].split("\n")
    if any(line != line.rstrip() for line in lines):
        return None
    return "|\n" + "\n".join(pad + line if line else "" for line in lines)


def _emit(value: Any, pad: str, out: list[str]) -> None:
    """Block YAML for dicts, lists and scalars (sequences indentless under their key)."""
    if isinstance(value, dict):
        inner = pad + "  "
        for key, item in value.items():
            head = pad + _scalar(key if type(key) is str else str(key)) + ":"
            if isinstance(item, dict):
                if item:
                    out.append(head)
                    _emit(item, inner, out)
                else:
                    out.append(head + " {}")
            elif isinstance(item, list):
                if item:
                    out.append(head)
                    _emit(item, pad, out)
                else:
                    out.append(head + " []")
            else:
                out.append(head + " " + _inline(item, inner))
    elif isinstance(value, list):
        inner = pad + "  "
        for item in value:
            if isinstance(item, (dict, list)) and item:
                first = len(out)
                _emit(item, inner, out)     # its first line takes the dash
                out[first] = pad + "- " + out[first][len(inner):]
            else:
                out.append(pad + "- " + _inline(item, inner))
    else:
        out.append(pad + _inline(value, pad))


def _inline(value: Any, pad: str) -> str:
    if type(value) is str and "\n" not in value:
        return _scalar(value)
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    if isinstance(value, str) and "\n" in value:
        return _block(value, pad) or quote(value)
    return _scalar(value)


def to_yaml(value: Any, indent: int = 0) -> str:
    """A nested value as block YAML, indented for its place in the template."""
    out: list[str] = []
    _emit(value, " " * indent, out)
    return Quoted("\n".join(out))


@functools.cache
def environment(helm: bool = False) -> jinja2.Environment:
    """Templates for plain files; ``helm=True`` for Helm chart templates, which use
    ``[[ ]]`` / ``[% %]`` so that Helm's own ``{{ }}`` stays literal."""
    loader = jinja2.FileSystemLoader(str(resources.files("gpuaas") / "templates"))
    options: dict[str, Any] = dict(loader=loader, undefined=jinja2.StrictUndefined,
                                   keep_trailing_newline=True, trim_blocks=True,
                                   lstrip_blocks=True, autoescape=False, finalize=_finalize)
    if helm:
        options.update(variable_start_string="[[", variable_end_string="]]",
                       block_start_string="[%", block_end_string="%]",
                       comment_start_string="[#", comment_end_string="#]")
    cache = _bytecode_cache()
    if cache is not None:
        options["bytecode_cache"] = cache
    env = jinja2.Environment(**options)
    env.filters["q"] = quote
    env.filters["yaml"] = to_yaml
    return env


class _Bytecode(jinja2.FileSystemBytecodeCache):
    """A bucket that cannot be read (truncated, corrupt, not a file) is compiled again."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:   # marshal's EOFError/ValueError/TypeError, OSError: any unreadable bucket
            bucket.reset()


def disable_bytecode_cache() -> None:
    """`--no-cache`: templates compiled afresh, nothing read from or written to the cache."""
    global _BYTECODE
    _BYTECODE = False
    environment.cache_clear()


_BYTECODE = True


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates cached on disk: compiling them is most of a small render.
    Jinja keys the cache by template source only, but the compiled code also depends on
    the environment's options (finalize, delimiters): those live in this file, so its hash
    and Jinja's version name the directory. Where the result caches live (and off where
    they are: GPUAAS_NO_CACHE, --no-cache)."""
    import hashlib
    import os
    from pathlib import Path

    from .resultcache import directory as cache_directory
    base = cache_directory()
    if base is None or not _BYTECODE:
        return None
    tag = hashlib.sha256(Path(__file__).read_bytes() + jinja2.__version__.encode()).hexdigest()[:16]
    directory = base / "templates" / tag
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if not os.access(directory, os.W_OK):
            return None
    except OSError:
        return None
    return _Bytecode(str(directory))


def render_template(template: str, /, helm: bool = False, **context: Any) -> str:
    return environment(helm).get_template(template).render(**context)
