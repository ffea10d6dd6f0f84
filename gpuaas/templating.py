"""The Jinja environment shared by every template, with the quoting filters.

Values never reach a rendered file raw: scalars go through ``q`` (JSON quoting, which is
valid YAML and JavaScript), nested values through ``yaml``.
"""
from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import jinja2
import yaml


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """Block-style YAML (libyaml's emitter where available: the hot path of a render);
    strings that YAML would read back as another type are quoted."""


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def quote(value: Any) -> str:
    """One scalar as a JSON literal: safe in YAML and JS whatever characters it holds."""
    return json.dumps(value, ensure_ascii=False)


def to_yaml(value: Any, indent: int = 0) -> str:
    """A nested value as block YAML, indented for its place in the template."""
    text = yaml.dump(value, Dumper=_Dumper, default_flow_style=False, sort_keys=False,
                     allow_unicode=True, width=10_000).rstrip("\n")
    if indent:
        pad = " " * indent
        text = "\n".join(pad + line if line else line for line in text.split("\n"))
    return text


@functools.cache
def environment(helm: bool = False) -> jinja2.Environment:
    """Templates for plain files; ``helm=True`` for Helm chart templates, which use
    ``[[ ]]`` / ``[% %]`` so that Helm's own ``{{ }}`` stays literal."""
    loader = jinja2.FileSystemLoader(str(resources.files("gpuaas") / "templates"))
    options: dict[str, Any] = dict(loader=loader, undefined=jinja2.StrictUndefined,
                                   keep_trailing_newline=True, trim_blocks=True,
                                   lstrip_blocks=True, autoescape=False)
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


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates cached on disk: compiling them is most of a small render."""
    import os
    from pathlib import Path
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    directory = Path(base) / "gpuaas" / "templates"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if not os.access(directory, os.W_OK):
            return None
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(directory))


def render_template(template: str, /, helm: bool = False, **context: Any) -> str:
    return environment(helm).get_template(template).render(**context)
