"""Round-trip edits of a portfolio (activate / deactivate, calibrate --keep).

Where the target mapping is in block style the edit is one line (the `state` value replaced,
or a `state:` line inserted), so every other byte the user wrote survives. Otherwise
ruamel.yaml's round trip writes the document (comments and key order survive; a flow
collection spread over several lines is joined). The result is validated before it
atomically replaces the file.
"""
from __future__ import annotations

import io
import os
import re
import stat
import tempfile
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..findings import Finding, did_you_mean
from ..errors import UserError
from .load import load_portfolio, load_text

_SCALAR = re.compile(r"""("[^"]*"|'[^']*'|[A-Za-z]+)""")


def current_state(portfolio, model: str, env: str | None) -> str:
    """A model's state, in `env` when given (its override there, else the portfolio's)."""
    state = next(m.state for m in portfolio.models if m.name == model)
    for e in portfolio.environments:
        if e.name == env and model in e.overrides.models and e.overrides.models[model].state:
            state = e.overrides.models[model].state
    return state


def set_state(path: Path, models: list[str], state: str, env: str | None = None) -> str | None:
    """Set `state` of the named models (or their override in `env`); returns the new text,
    or None when every model already is in that state (nothing is written)."""
    loaded = _with_models(path, models)
    names = [e.name for e in loaded.portfolio.environments]
    if env is not None and env not in names:
        raise UserError([Finding(str(path), None, "ENV_UNKNOWN", f"no environment {env!r}"
                                 f"{did_you_mean(env, names)}; the portfolio has {', '.join(names)}")])
    if all(current_state(loaded.portfolio, name, env) == state for name in models):
        return None  # nothing to write: each already is in that state
    yaml = _round_trip()
    doc = yaml.load(loaded.text)
    lines = loaded.text.splitlines(keepends=True)
    if env is None:
        targets: list[tuple[CommentedMap, tuple[str, ...]]] = [
            (item, ("pool", "gpus")) for item in doc["models"] if item["name"] in models]
    else:
        match = [e for e in doc["environments"] if e["name"] == env]
        if not match:
            names = [e.name for e in loaded.portfolio.environments]
            raise UserError([Finding(str(path), None, "ENV_UNKNOWN", f"no environment {env!r}"
                                     f"{did_you_mean(env, names)}; the "
                                     f"portfolio has {', '.join(e.name for e in loaded.portfolio.environments)}")])
        block = _overrides_block(match[0], models, state, lines)
        if block is not None:
            index, text_lines = block
            return _write(path, "".join(lines[:index] + text_lines + lines[index:]))
        overrides = match[0].setdefault("overrides", CommentedMap())
        per_model = overrides.setdefault("models", CommentedMap())
        targets = [(per_model.setdefault(name, CommentedMap()), ()) for name in models]
    edits = [_line_edit(item, state, lines, after) for item, after in targets]
    found = [edit for edit in edits if edit is not None]
    if len(found) == len(edits):
        for index, kind, line in sorted(found, reverse=True):
            if kind == "replace":
                lines[index] = line
            else:
                lines.insert(index, line)
        text = "".join(lines)
    else:
        for item, after in targets:
            _set(item, state, after)
        text = _dump(yaml, doc)
    return _write(path, text)


def set_measured(path: Path, model: str, entry: dict) -> str:
    """Keep a start-up log's measurement in the model's `measured` list: a new entry, or the
    one for the same GPU, GPU count and vLLM release replaced. Comments and key order
    survive (ruamel's round trip); the result is validated before it replaces the file."""
    loaded = _with_models(path, [model])
    yaml = _round_trip()
    doc = yaml.load(loaded.text)
    item = next(m for m in doc["models"] if m["name"] == model)
    kept = item.setdefault("measured", CommentedSeq())
    new = CommentedMap(entry)
    new.fa.set_flow_style()
    key = (entry["gpu"], entry["gpus"], entry["vllm"])
    same = [i for i, m in enumerate(kept) if (m.get("gpu"), m.get("gpus"), str(m.get("vllm"))) == key]
    if same:
        kept[same[0]] = new
    else:
        kept.append(new)
    return _write(path, _dump(yaml, doc))


def _with_models(path: Path, models: list[str]):
    """The loaded portfolio, when it has every model named (MODEL_UNKNOWN for each it lacks)."""
    loaded = load_portfolio(path)
    known = [m.name for m in loaded.portfolio.models]
    unknown = [m for m in models if m not in known]
    if unknown:
        raise UserError([Finding(str(path), None, "MODEL_UNKNOWN", f"no model named {name!r}"
                                 f"{did_you_mean(name, known)}; the portfolio has {', '.join(known)}")
                         for name in unknown])
    return loaded


def _round_trip() -> YAML:
    """ruamel's round trip as the portfolios are written: comments and key order kept."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _dump(yaml: YAML, doc) -> str:
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    return buffer.getvalue()


def _write(path: Path, text: str) -> str:
    """Replace the portfolio with `text`, never with one that does not load."""
    load_text(text, str(path))
    _replace(path, text)
    return text


def _line_edit(item: CommentedMap, state: str, lines: list[str],
               after: tuple[str, ...]) -> tuple[int, str, str] | None:
    if not getattr(item, "lc", None) or item.fa.flow_style() or item.lc.line is None:
        return None
    if "state" in item:
        line, col = item.lc.value("state")
        old = lines[line]
        match = _SCALAR.match(old, col)
        if not match:
            return None
        rest = old[match.end():]
        # keep a trailing comment in its column when the padding allows
        pad = len(rest) - len(rest.lstrip(" "))
        if rest.lstrip(" ").startswith("#"):
            shift = len(state) - len(match.group())
            rest = " " * max(1, pad - shift) + rest.lstrip(" ")
        return line, "replace", old[:col] + state + rest
    for anchor in after:
        if anchor in item and not isinstance(item[anchor], (CommentedMap, CommentedSeq)):
            line, col = item.lc.key(anchor)
            return line + 1, "insert", " " * col + f"state: {state}\n"
    return None


def _overrides_block(env: CommentedMap, models: list[str], state: str,
                     lines: list[str]) -> tuple[int, list[str]] | None:
    """A new `overrides:` block after the last line of a block-style environment whose
    values are all one-line scalars; None when the shape is anything else."""
    if "overrides" in env or env.fa.flow_style() or env.lc.line is None:
        return None
    if any(isinstance(v, (CommentedMap, CommentedSeq)) for v in env.values()):
        return None
    last = list(env)[-1]
    line = env.lc.value(last)[0]
    pad = " " * env.lc.key("name")[1]
    block = [f"{pad}overrides:\n", f"{pad}  models:\n"]
    for name in models:
        block += [f"{pad}    {name}:\n", f"{pad}      state: {state}\n"]
    return line + 1, block


def _set(mapping: CommentedMap, state: str, after: tuple[str, ...]) -> None:
    if "state" in mapping:
        mapping["state"] = state
        return
    for anchor in after:
        if anchor in mapping:
            mapping.insert(list(mapping).index(anchor) + 1, "state", state)
            return
    mapping["state"] = state


def _replace(path: Path, text: str) -> None:
    """Atomically replace the file `path` names, keeping its mode (mkstemp makes 0600): a
    symlink is followed, so the real portfolio changes and the link stays a link."""
    real = Path(os.path.realpath(path))
    mode = stat.S_IMODE(real.stat().st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", dir=real.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
