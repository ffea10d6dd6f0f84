"""Hostile portfolios: whatever the bytes, `build` either refuses them with located findings
(UserError) or renders a tree that parses back and passes the strict schemas.

Inputs start from the bundled examples (text mutations, byte flips, semantic edits that
reach the renderer) and from random structures (wrong types, missing and unknown keys,
huge numbers, unicode, anchors and merge keys, ...). Any other exception is a bug.

Profiles: "ci" (the default) is deterministic and sized to run in about 80 s on two
cores; "fuzz" (GPUAAS_FUZZ=1, `make fuzz`) runs 20 times as many random examples and keeps
failures in .hypothesis/ to replay them.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import warnings
from functools import cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from gpuaas import pipeline
from gpuaas.catalog import KUBERNETES_FOR_OPENSHIFT
from gpuaas.findings import Finding
from gpuaas.errors import UserError
from gpuaas.portfolio import schema as portfolio_schema
from gpuaas.validate.schema_check import SchemaValidator

from .conftest import HEAD, PORTFOLIOS, REPO

_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
         HealthCheck.large_base_example]
settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True,
                          database=None, suppress_health_check=_SLOW, print_blob=True)
settings.register_profile("fuzz", max_examples=2000, deadline=None, derandomize=False,
                          suppress_health_check=_SLOW, print_blob=True)
PROFILE = settings.get_profile("fuzz" if os.environ.get("GPUAAS_FUZZ") == "1" else "ci")


def examples(n: int) -> settings:
    """`n` examples under "ci" (100 per unit of the profile's max_examples), 20n under "fuzz".
    The ci counts below add up to 10,000 examples."""
    return settings(PROFILE, max_examples=max(1, n * PROFILE.max_examples // 100))


EXAMPLE_TEXTS = [p.read_text(encoding="utf-8") for p in PORTFOLIOS]
EXAMPLE_DOCS = [yaml.safe_load(t) for t in EXAMPLE_TEXTS]
MINIMAL = yaml.safe_load(HEAD + """\
pools: [{name: l4, gpu: L4, instanceType: g6.4xlarge}]
models: [{name: m1, source: hf://org/model, params: 8B, precision: fp8, gpus: 1}]
""")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _field_names() -> list[str]:
    names: set[str] = set()
    for obj in vars(portfolio_schema).values():
        if isinstance(obj, type) and issubclass(obj, portfolio_schema.Strict):
            names |= set(obj.model_fields)
    return sorted(names)


FIELDS = _field_names()

# --- checking one outcome -------------------------------------------------------------

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
NOT_PLAIN_YAML = re.compile(r"^(charts/[^/]+/templates/|README\.md$)")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@cache
def validator(crd_dir: Path, kube: str, overlays: tuple[str, ...] = ()) -> SchemaValidator:
    """The schemas of what an environment runs: its release's overlays, then the base."""
    from gpuaas.validate.schema_check import BUNDLED
    return SchemaValidator(kube, [*(BUNDLED / o for o in overlays), crd_dir])


def check_findings(findings: list[Finding], file: str, lines: int) -> None:
    for f in findings:
        assert f.file == file, f
        assert isinstance(f.message, str) and f.message.strip(), f
        assert "\n" not in f.message and "\r" not in f.message, f"a message spans lines: {f}"
        assert len(f.message) <= 1000, f"a {len(f.message)}-character message: {f.message[:300]}"
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", f.code), f
        assert f.severity in ("error", "warning"), f
        # Only problems with the file as a whole (missing, a directory, too big) have no line.
        if f.code != "INPUT":
            assert isinstance(f.line, int) and 1 <= f.line <= lines + 1, f
        assert f.column is None or (isinstance(f.column, int) and f.column >= 1), f


def check_tree(built: pipeline.Built, crd_dir: Path) -> None:
    files = built.files
    assert files, "a portfolio without errors renders files"
    kube = KUBERNETES_FOR_OPENSHIFT[built.loaded.portfolio.platform.openshift]
    by_env = {env: validator(crd_dir, kube, tuple(overlays)) for env, overlays in built.overlays.items()}
    for path, text in files.items():
        assert isinstance(text, str) and "\x00" not in text, path
        assert not path.startswith("/") and ".." not in path.split("/"), path
        if NOT_PLAIN_YAML.match(path):
            continue
        try:
            docs = [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]
        except yaml.YAMLError as exc:
            raise AssertionError(f"{path} does not parse back as YAML: {exc}\n{text[:2000]}") from exc
        if not path.startswith("components/"):
            continue
        if path.endswith("/kustomization.yaml"):
            [kustomization] = docs
            folder = path.rsplit("/", 1)[0]
            for resource in kustomization["resources"]:
                assert f"{folder}/{resource}" in files, f"{path} lists missing {resource}"
            continue
        schemas = by_env[path.split("/")[1]]
        for doc in docs:
            where = f"{path}: {doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
            problems = schemas.validate(doc)
            assert problems is not None, f"{where}: no schema for {doc.get('apiVersion')}"
            assert problems == [], f"{where}: " + "; ".join(map(str, problems))
            meta = doc["metadata"]
            assert len(meta["name"]) <= 253 and DNS_SUBDOMAIN.match(meta["name"]), where
            if "namespace" in meta:
                assert DNS_LABEL.match(meta["namespace"]) and len(meta["namespace"]) <= 63, where


def outcome(path: Path, crd_dir: Path) -> str:
    """Build one file and check whatever comes out; returns what happened (for `event`)."""
    data = path.read_bytes()
    lines = data.count(b"\n") + data.count(b"\r") + 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            built = pipeline.build(path)
        except UserError as exc:
            assert exc.findings, "a UserError without findings"
            assert any(f.severity == "error" for f in exc.findings), exc.findings
            check_findings(exc.findings, str(path), lines)
            result = "refused: " + exc.findings[0].code
        else:
            check_findings(built.findings, str(path), lines)
            if built.ok:
                check_tree(built, crd_dir)
                result = "rendered"
            else:
                assert not built.files, "files rendered despite errors"
                result = "rule errors"
    ours = [w for w in caught if "gpuaas" in str(w.filename) or "ruamel" in str(w.filename)]
    assert not ours, [str(w.message)[:200] for w in ours]
    event(result)
    return result


def write(workdir: Path, data: bytes | str) -> Path:
    path = workdir / "portfolio.yaml"
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- strategies -----------------------------------------------------------------------

TRICKY_STRINGS = [
    "", " ", "yes", "no", "on", "off", "y", "n", "null", "~", "NaN", ".inf", "-.inf", "0x1F",
    "0o17", "017", "1_000", "1e3", "1:20", "2001-12-14", "24X", "24B", "-3B", "0B", "8 b",
    "1e400B", "24", "0", "-1", "true", "False", "*alias", "&anchor", "!!binary aGk=", "!tag",
    "- item", "? key", "key: value", "a #comment", "#", "'", '"', "`", "@", "%", "|", ">",
    "{", "}", "[", "]", ",", "---", "...", "\t", "\n", "\r\n", "\x85", "\u2028", "\u2029",
    "\ufeff", "\u202egnp.exe", "\u0301", "ｆｕｌｌ", "日本語", "🚀", "Ⅻ", "ǅ", "İ", "ß",
    "a/b", "..", "../../etc/passwd", "-leading", "trailing-", "UPPER", "with space",
    "a" * 53, "a" * 54, "a" * 63, "a" * 64, "{{ .Values.x }}", "[[ name ]]",
    "[% if %]", "{% raw %}", "${HOME}", "$(rm -rf /)", "'; DROP TABLE", "<script>",
    "\\", "\\n", "%s%n", "hf://", "oci://", "hf://org/model", "oci://quay.io/x/y:1",
    "s3://bucket/key", "pvc://claim/path", "pvc://", "http://user:pass@host/x",
    "hf_" + "a" * 34, "ghp_" + "A" * 36, "AKIA" + "A" * 16, "Bearer " + "x" * 30,
    "--tensor-parallel-size=3", "--chat-template=chatml", "--quantization=awq", "--task=embed",
    "--tool-call-parser=nope", "--gpu-memory-utilization=2", "--port=1", "-x", "--",
    "[red]x[/red]", "[/bold]", "L4", "H100", "g6.4xlarge", "fp8", "active", "paused",
    "<x300>", "<x3000>",
]
# Long values by name, expanded after sampling: in a sampled_from list they would make
# Hypothesis print 100 kB reprs, and at one in three draws they would dominate the run time.
LONG = {"<x300>": "x" * 300, "<x3000>": "x" * 3000, "<x100000>": "x" * 100_000,
        "<9x5000>": "9" * 5000, "<-9x5000>": "-" + "9" * 5000}


def _long(text: str) -> str:
    return LONG.get(text, text)

HOSTILE_SNIPPETS = [  # YAML text that goes where a value was
    "", "~", "null", "true", "no", "off", "0", "-1", "-0", "1e400", "-1e400", ".inf", "-.inf",
    ".nan", "0x1F", "0o17", "1_000", "99999999999999999999999999999", "-99999999999999999999",
    "1.5", "24X", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "12:30:00",
    "!!binary aGVsbG8=", "!!set {a, b}", "!!omap [{a: 1}]", "!!pairs [{a: 1}]",
    "!!python/object:os.system x", "!foo bar", "!!str 1", "!!int x", "!!float x", "!!bool x",
    "!!null", "!!map {}", "!!seq []", "!<tag:yaml.org,2002:str> x", "*undefined", "&a",
    "&a x", "[]", "{}", "[1, 2", "{a: 1", "[[[[[]]]]]", "{a: {b: {c: {}}}}", "'unterminated",
    '"unterminated', '"\\ud800"', '"\\x00"', '"\\u2028"', '"\\e\\a\\v"', "|", "|\n  text",
    ">-\n  folded", "- a", "? a", ": a", "a: b: c", "'#'", "# comment", "@x", "`x", "%x",
    "'it''s'", '"ｆｕｌｌ"', "🚀", "\u202eevil", "a/b", "../..", "-x",
    "UPPER", "with space", "[1, [2, [3]]]", "{<<: {}}", "[*undefined]", "{? [a]: b}",
    "{[a]: b}", "{null: 1}", "{1: 1}", "{true: 1}", "&x [*x]", "<x100000>", "<9x5000>",
    "<-9x5000>",
]


def _json_scalar(value) -> str:
    """One scalar as YAML text (JSON, except the floats JSON has no words for)."""
    if isinstance(value, float) and value != value:
        return ".nan"
    if isinstance(value, float) and abs(value) == float("inf"):
        return ".inf" if value > 0 else "-.inf"
    return json.dumps(value, ensure_ascii=False)


EDGE_INTS = [0, -1, 1, 63, 64, 65, 2**31 - 1, 2**31, 2**53 + 1, 2**63, -2**63, 10**30, -10**30]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.sampled_from(EDGE_INTS),
    st.sampled_from([4000, -4000]).map(lambda digits: 10**abs(digits) * (1 if digits > 0 else -1)),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.sampled_from(TRICKY_STRINGS).map(_long),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.", min_size=1, max_size=70),
)
snippets = st.one_of(st.sampled_from(HOSTILE_SNIPPETS).map(_long), scalars.map(_json_scalar))


def _typo(name: str) -> st.SearchStrategy[str]:
    ops = [name[:-1], name + "s", name.lower(), name.upper(), name.capitalize(),
           name[1:] + name[:1], name.replace("e", "3"), "_" + name, name + " ", " " + name]
    return st.sampled_from([o for o in ops if o])


keys = st.one_of(st.sampled_from(FIELDS), st.sampled_from(FIELDS).flatmap(_typo),
                 st.text(max_size=12), st.sampled_from(["<<", "?", "-", "", " ", "a.b", "x" * 300]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4),
    st.dictionaries(st.one_of(st.integers(-3, 3), st.none(), st.booleans()), inner, max_size=2)),
    max_leaves=12)


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, path + (i,))


def _get(doc, path):
    for part in path:
        doc = doc[part]
    return doc


@st.composite
def damaged_documents(draw):
    """A valid minimal portfolio or an example, with random structural damage."""
    doc = json.loads(json.dumps(draw(st.sampled_from([MINIMAL] * 16 + EXAMPLE_DOCS))))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(list(_paths(doc))))
        if not path:
            continue
        parent, last = _get(doc, path[:-1]), path[-1]
        action = draw(st.sampled_from(["replace", "replace", "delete", "unknown", "wrap", "rename"]))
        if action == "replace":
            parent[last] = draw(values)
        elif action == "delete":
            del parent[last]
        elif action == "wrap":
            parent[last] = draw(st.sampled_from([[parent[last]], {"value": parent[last]}]))
        elif isinstance(parent, dict) and action == "unknown":
            parent[draw(keys)] = draw(values)
        elif isinstance(parent, dict) and isinstance(last, str):
            parent[draw(_typo(last))] = parent.pop(last)
    return doc


@st.composite
def random_texts(draw) -> bytes:
    """Random structures and damaged portfolios, serialised in one of several styles."""
    doc = draw(st.one_of(values, damaged_documents(), damaged_documents()))
    style = draw(st.sampled_from(["block", "flow", "json", "block-unicode"]))
    try:
        if style == "json":
            text = json.dumps(doc, ensure_ascii=False, indent=draw(st.sampled_from([None, 2])))
        else:
            text = yaml.dump(doc, Dumper=_Dumper, default_flow_style=style == "flow",
                             allow_unicode=style == "block-unicode", sort_keys=False)
    except (ValueError, TypeError, yaml.YAMLError):   # NaN keys in JSON, >4300-digit ints, ...
        assume(False)
    prefix = draw(st.sampled_from(["", "", "", "\ufeff", "%YAML 1.2\n---\n", "---\n",
                                   "# comment\n", "\t", " "]))
    suffix = draw(st.sampled_from(["", "", "\n...\n", "\n---\n", "\n---\nb: 1\n", "\x00"]))
    text = prefix + text + suffix
    if draw(st.booleans()):
        text = draw(st.sampled_from([text.replace("\n", "\r\n"), text.replace("  ", "\t"),
                                     text.replace("\n", "\r"), text]))
    return text.encode("utf-8", "surrogatepass")


# Text mutations of the examples: each takes (draw, text) and returns the new text.
_KEY_LINE = re.compile(r"^(\s*(?:- )?)([A-Za-z_<][\w<]*):(?: +(.*))?$")
_FLOW_VALUE = re.compile(r"(?<=[{,] )(\w+): ([^,{}\[\]]+)")


def _lines(text):
    return text.split("\n")


def _key_lines(lines):
    return [i for i, line in enumerate(lines) if _KEY_LINE.match(line)]


def _pick_key_line(draw, lines):
    """(index, indent, key, value) of a random `key: value` line, or None."""
    spots = _key_lines(lines)
    if not spots:
        return None
    i = draw(st.sampled_from(spots))
    return (i, *_KEY_LINE.match(lines[i]).groups())


def m_set_value(draw, text):
    lines = _lines(text)
    picked = _pick_key_line(draw, lines)
    if picked is None:
        return text
    i, indent, key, _ = picked
    lines[i] = f"{indent}{key}: {draw(snippets)}"
    return "\n".join(lines)


def m_set_flow_value(draw, text):
    matches = list(_FLOW_VALUE.finditer(text))
    if not matches:
        return m_set_value(draw, text)
    m = draw(st.sampled_from(matches))
    value = draw(st.one_of(st.sampled_from(HOSTILE_SNIPPETS[:60]), scalars.map(_json_scalar)))
    return text[:m.start(2)] + value + text[m.end(2):]


def m_drop_line(draw, text):
    lines = _lines(text)
    del lines[draw(st.integers(0, len(lines) - 1))]
    return "\n".join(lines)


def m_dup_line(draw, text):
    lines = _lines(text)
    i = draw(st.integers(0, len(lines) - 1))
    copy = lines[i] if draw(st.booleans()) else m_set_value(draw, lines[i])
    lines.insert(i + 1, copy)
    return "\n".join(lines)


def m_swap_lines(draw, text):
    lines = _lines(text)
    i = draw(st.integers(0, max(0, len(lines) - 2)))
    lines[i:i + 2] = lines[i:i + 2][::-1]
    return "\n".join(lines)


def m_unknown_key(draw, text):
    lines = _lines(text)
    picked = _pick_key_line(draw, lines)
    if picked is None:
        return text
    i, indent, key, _ = picked
    indent = " " * len(indent)
    new = draw(st.one_of(_typo(key), keys))
    lines.insert(i + 1, f"{indent}{new}: {draw(st.sampled_from(HOSTILE_SNIPPETS[:40]))}")
    return "\n".join(lines)


def m_rename_key(draw, text):
    lines = _lines(text)
    picked = _pick_key_line(draw, lines)
    if picked is None:
        return text
    i, indent, key, value = picked
    lines[i] = f"{indent}{draw(_typo(key))}:" + (f" {value}" if value else "")
    return "\n".join(lines)


def m_indent(draw, text):
    lines = _lines(text)
    i = draw(st.integers(0, len(lines) - 1))
    how = draw(st.sampled_from(["tab", "tab-inside", "more", "less", "mixed"]))
    line = lines[i]
    body = line.lstrip(" ")
    pad = len(line) - len(body)
    lines[i] = {"tab": "\t" * max(1, pad // 2) + body, "tab-inside": line.replace(": ", ":\t", 1),
                "more": " " + line, "less": line[1:] if pad else line,
                "mixed": " \t" * (pad // 2) + body}[how]
    return "\n".join(lines)


def m_insert(draw, text):
    at = draw(st.integers(0, len(text)))
    piece = draw(st.one_of(
        st.sampled_from(["\ufeff", "\x00", "\x85", "\u2028", "\r", "\t", ": ", "- ", "#", "&a ",
                         "*a", "!!binary ", "{", "[", "]", "}", '"', "'", "\\", "|", ">", "%",
                         "@", "`", "\x07", "\x1b[31m", "\ud7ff", "\ue000", "\U0010ffff"]),
        st.text(max_size=8)))
    return text[:at] + piece + text[at:]


def m_delete_range(draw, text):
    at = draw(st.integers(0, len(text)))
    return text[:at] + text[at + draw(st.integers(1, 40)):]


def m_truncate(draw, text):
    return text[:draw(st.integers(0, len(text)))]


def m_anchor_alias(draw, text):
    """An anchor on one value and an alias (or a merge key) on another."""
    lines = _lines(text)
    spots = [i for i in _key_lines(lines) if _KEY_LINE.match(lines[i]).group(3)]
    if len(spots) < 2:
        return text
    i, j = draw(st.sampled_from(spots)), draw(st.sampled_from(spots))
    indent, key, value = _KEY_LINE.match(lines[i]).groups()
    lines[i] = f"{indent}{key}: &a1 {value}"
    indent, key, _ = _KEY_LINE.match(lines[j]).groups()
    if draw(st.booleans()):
        lines[j] = f"{indent}{key}: *a1"
    else:
        lines.insert(j + 1, " " * len(indent) + draw(st.sampled_from(
            ["<<: *a1", "<<: [*a1, *a1]", "<<: {x: 1}", "<<: *nope", "<<: 1"])))
    return "\n".join(lines)


def m_laughs(draw, text):
    """A small billion-laughs pyramid, anchored at the top and aliased by a value (the
    full-size bombs, 0.5 s each, are in test_billion_laughs_is_refused...)."""
    depth, fan = draw(st.integers(1, 4)), draw(st.integers(2, 6))
    bomb = [f"x-lol0: &l0 [{', '.join(['lol'] * fan)}]"]
    bomb += [f"x-lol{d}: &l{d} [{', '.join([f'*l{d - 1}'] * fan)}]" for d in range(1, depth + 1)]
    text = "\n".join(bomb) + "\n" + text
    lines = _lines(text)
    spots = _key_lines(lines)[depth + 1:]
    if spots:
        i = draw(st.sampled_from(spots))
        indent, key, _ = _KEY_LINE.match(lines[i]).groups()
        lines[i] = f"{indent}{key}: *l{depth}"
    return "\n".join(lines)


def m_deep(draw, text):
    lines = _lines(text)
    picked = _pick_key_line(draw, lines)
    if picked is None:
        return text
    i, indent, key, _ = picked
    n = draw(st.sampled_from([2, 10, 60, 63, 64, 65, 66, 200]))
    opening, closing = draw(st.sampled_from([("[", "]"), ("{a: ", "}"), ("[a, ", "]")]))
    lines[i] = f"{indent}{key}: {opening * n}{closing * n}"
    return "\n".join(lines)


def m_long_name(draw, text):
    spots = list(re.finditer(r"(?m)(name: )(\S+)$", text))
    if not spots:
        return text
    m = draw(st.sampled_from(spots))
    name = draw(st.one_of(st.sampled_from(["a" * 53, "a" * 54, "a" * 63, "a" * 64, "a" * 10_000,
                                           "a/b", "..", "-a", "a-", "A", "a_b", "a.b", "0",
                                           "ñ", "a\u0301", "'a'", '"a b"']),
                          st.text(max_size=70).map(_json_scalar)))
    return text[:m.start(2)] + name + text[m.end(2):]


def m_documents(draw, text):
    return draw(st.sampled_from([text + "\n---\n" + text, "---\n" + text + "\n...\n",
                                 text + "\n...\n", "%YAML 1.1\n---\n" + text,
                                 "%YAML 1.3\n---\n" + text, "%TAG ! tag:x,2000:\n---\n" + text]))


def m_replace_all(draw, text):
    return draw(st.sampled_from(["", " ", "\n", "# only a comment\n", "---\n", "~\n", "[]\n",
                                 "- a\n", "\ufeff", "\ufeff\ufeff" + text, "x" * 10_000,
                                 text.replace("\n", "\r\n"), text.replace("\n", "\r"),
                                 text.replace("  ", "\t"), text.upper(), text.lower()]))


TEXT_OPS = [m_set_value, m_set_value, m_set_value, m_set_flow_value, m_drop_line, m_dup_line,
            m_swap_lines, m_unknown_key, m_rename_key, m_indent, m_insert, m_delete_range,
            m_truncate, m_anchor_alias, m_anchor_alias, m_laughs, m_deep, m_long_name,
            m_documents, m_replace_all]


@st.composite
def mutated_examples(draw) -> bytes:
    text = draw(st.sampled_from(EXAMPLE_TEXTS))
    for op in draw(st.lists(st.sampled_from(TEXT_OPS), min_size=1, max_size=3)):
        text = op(draw, text)
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:
        data = draw(st.sampled_from([b"\xef\xbb\xbf" + data, data + b"\xff", data[:-1] + b"\xc3",
                                     b"\xff\xfe" + text.encode("utf-16-le", "surrogatepass"),
                                     text.encode("latin-1", "replace")]))
    return data


@st.composite
def flipped_examples(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(EXAMPLE_TEXTS)).encode())
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data) - 1))
        how = draw(st.sampled_from(["flip", "flip", "byte", "insert", "delete"]))
        if how == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif how == "byte":
            data[at] = draw(st.integers(0, 255))
        elif how == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
        else:
            del data[at]
    return bytes(data)


# Semantic edits that keep a portfolio mostly valid, so that the renderer is reached.
label = st.from_regex(r"\A[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?\Z")
# Control characters are refused by the loader (test_random_structures has them): here the
# text should reach the renderer.
free_text = st.one_of(st.text(st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40),
                      st.sampled_from(TRICKY_STRINGS).map(_long))


def _models(doc):
    return doc.setdefault("models", [])


def s_metadata(draw, doc):
    doc["metadata"]["name"] = draw(st.one_of(label, st.sampled_from(["a", "0", "a" * 53, "a-" * 26 + "a"])))
    doc["metadata"]["description"] = draw(free_text)


def s_gitops(draw, doc):
    key = draw(st.sampled_from(["repoURL", "targetRevision", "path", "project", "argocdNamespace"]))
    doc["gitops"][key] = draw(free_text)


def s_platform(draw, doc):
    platform = doc.setdefault("platform", {})
    platform["openshift"] = draw(st.sampled_from(["4.19", "4.20", 4.2, 4.19]))
    platform["rhoai"] = {"channel": draw(free_text)}
    ops = platform.setdefault("operators", {})
    for name in ("certManager", "kueue", "nfd", "nvidiaGpu"):
        if draw(st.booleans()):
            ops[name] = {"enabled": draw(st.booleans()),
                         "channel": draw(st.one_of(st.none(), free_text))}


POOL_FIELDS = {
    "nodes": st.integers(0, 10_000), "gpusPerNode": st.integers(1, 64),
    "gpuMemoryGB": st.floats(0.001, 10_000), "hourlyUSD": st.floats(0, 1e9),
    "nodeLabels": st.dictionaries(free_text, free_text, max_size=3), "taintKey": free_text,
    "gpu": st.sampled_from(["L4", "L40S", "H100", "A100"]),
    "instanceType": st.sampled_from(["g6.4xlarge", "g6.12xlarge", "g6e.12xlarge", "p5.48xlarge"]),
}


def s_pool(draw, doc):
    pool = draw(st.sampled_from(doc["pools"]))
    key = draw(st.sampled_from(sorted(POOL_FIELDS)))
    pool[key] = draw(POOL_FIELDS[key])


def s_quota(draw, doc):
    quota = doc.setdefault("quota", {})
    pools = [p["name"] for p in doc["pools"]]
    quota["gpus"] = draw(st.dictionaries(st.sampled_from(pools), st.integers(0, 10**9), max_size=3))
    quota["priorities"] = draw(st.dictionaries(label, st.integers(-2 * 10**9, 10**9), max_size=3))
    quota[draw(st.sampled_from(["clusterQueue", "localQueue"]))] = draw(label)
    quota["queueingStrategy"] = draw(st.sampled_from(["BestEffortFIFO", "StrictFIFO"]))
    quota["preemption"] = draw(st.sampled_from(["Never", "LowerPriority"]))
    for m in _models(doc):
        if m.get("priority") and m["priority"] not in quota["priorities"]:
            del m["priority"]


def s_storage(draw, doc):
    storage = doc.setdefault("storage", {})
    storage["ociMaxGB"] = draw(st.floats(0.001, 1e6))
    if draw(st.booleans()):
        storage["s3"] = {"connection": draw(free_text), "bucket": draw(free_text),
                         "endpoint": draw(free_text)}
    storage["uploads"] = {"namespace": draw(st.one_of(label, free_text)),
                          "hfTokenSecret": draw(st.one_of(st.none(), free_text)),
                          "image": draw(free_text)}


def s_serving(draw, doc):
    serving = doc.setdefault("serving", {})
    serving["namespace"] = draw(label)
    serving["runtime"] = {"name": draw(st.one_of(label, free_text)), "image": draw(free_text)}
    serving["vllm"] = draw(st.sampled_from(["0.11", "0.13", "0.9", "1", 0.11, "x", "0.10.2"]))
    serving["expose"], serving["auth"] = draw(st.booleans()), draw(st.booleans())


def s_model(draw, doc):
    models = _models(doc)
    if not models:
        return
    m = draw(st.sampled_from(models))
    key = draw(st.sampled_from(["state", "gpus", "replicas", "maxModelLen", "vllmArgs",
                                "revision", "displayName", "task", "storage", "sizeGB",
                                "source", "format", "params", "precision", "architecture",
                                "name"]))
    m[key] = draw({
        "state": st.sampled_from(["active", "standby", "off"]), "gpus": st.integers(1, 8),
        "replicas": st.integers(1, 20), "maxModelLen": st.integers(1, 10_000_000),
        "vllmArgs": st.lists(st.one_of(free_text.map(lambda s: "--" + s), free_text), max_size=4),
        "revision": free_text, "displayName": free_text,
        "task": st.sampled_from(["chat", "embed"]),
        "storage": st.sampled_from(["auto", "oci", "s3", "pvc", "hf"]),
        "sizeGB": st.floats(0.001, 100_000), "format": st.one_of(st.none(), free_text),
        "source": st.one_of(st.sampled_from(["hf://", "oci://", "s3://", "pvc://"]), st.just("hf://")).flatmap(
            lambda scheme: free_text.map(lambda rest: scheme + (rest or "x"))),
        "params": st.one_of(st.sampled_from(["24B", "350M", "8b", "1T", "0.5B", 7e9, 1, 1e15]),
                            st.floats(1, 1e13)),
        "precision": st.sampled_from(["fp32", "bf16", "fp16", "fp8", "int8", "w8a8", "w4a16",
                                      "int4", "mxfp4"]),
        "architecture": st.fixed_dictionaries({"layers": st.integers(1, 1000),
                                               "kvHeads": st.integers(1, 1000),
                                               "headDim": st.integers(1, 100_000)}),
        "name": st.one_of(label, st.just("a" * 53)),
    }[key])


def s_loadtest(draw, doc):
    lt = doc.setdefault("loadtest", {})
    lt["enabled"] = draw(st.booleans())
    key = draw(st.sampled_from(["namespace", "tokenSecret", "image", "replicas", "stages",
                                "chatShare", "thresholds", "maxTokens", "sleepMaxSeconds"]))
    lt[key] = draw({
        "namespace": label, "tokenSecret": st.one_of(label, free_text), "image": free_text,
        "replicas": st.integers(0, 100),
        "stages": st.lists(st.fixed_dictionaries({
            "duration": st.from_regex(r"\A\d{1,4}(ms|s|m|h)\Z"), "target": st.integers(0, 100_000)}),
            max_size=4),
        "chatShare": st.floats(0, 1), "sleepMaxSeconds": st.floats(0, 3600),
        "thresholds": st.fixed_dictionaries({"errorRate": st.floats(0, 1),
                                             "p95Ms": st.integers(1, 10**9)}),
        "maxTokens": st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)).map(sorted),
    }[key])


def s_environment(draw, doc):
    models = [m["name"] for m in _models(doc)]
    env = {"name": draw(st.one_of(label, st.just("a" * 40))),
           "cluster": draw(st.one_of(st.just("https://kubernetes.default.svc"), free_text))}
    overrides = {}
    if models and draw(st.booleans()):
        overrides["models"] = draw(st.dictionaries(st.sampled_from(models), st.fixed_dictionaries(
            {"state": st.sampled_from(["active", "standby", "off"])}), max_size=3))
    if draw(st.booleans()):
        overrides["components"] = draw(st.dictionaries(
            st.sampled_from(list(portfolio_schema.COMPONENTS)), st.booleans(), max_size=6))
    if draw(st.booleans()):
        overrides["platform"] = {"operators": {"nfd": {"enabled": draw(st.booleans())}}}
    if draw(st.booleans()):
        overrides["loadtest"] = {"replicas": draw(st.integers(0, 100)),
                                 "chatShare": draw(st.floats(0, 1))}
    if draw(st.booleans()):
        overrides["quota"] = {"preemption": draw(st.sampled_from(["Never", "LowerPriority"]))}
    env["overrides"] = overrides
    doc["environments"].append(env)


SEMANTIC_OPS = [s_metadata, s_gitops, s_platform, s_pool, s_quota, s_storage, s_serving,
                s_model, s_model, s_model, s_loadtest, s_environment]


@st.composite
def edited_examples(draw) -> bytes:
    doc = json.loads(json.dumps(draw(st.sampled_from(EXAMPLE_DOCS))))
    for op in draw(st.lists(st.sampled_from(SEMANTIC_OPS), min_size=1, max_size=4)):
        op(draw, doc)
    text = yaml.dump(doc, Dumper=_Dumper, allow_unicode=draw(st.booleans()), sort_keys=False)
    return text.encode("utf-8", "surrogatepass")


# --- the properties -------------------------------------------------------------------

@pytest.mark.slow
@examples(5400)
@given(data=random_texts())
def test_random_structures(data: bytes, workdir: Path, crd_schemas: Path):
    outcome(write(workdir, data), crd_schemas)


@pytest.mark.slow
@examples(1500)
@given(data=mutated_examples())
def test_mutated_examples(data: bytes, workdir: Path, crd_schemas: Path):
    outcome(write(workdir, data), crd_schemas)


@pytest.mark.slow
@examples(2700)
@given(data=flipped_examples())
def test_byte_flips(data: bytes, workdir: Path, crd_schemas: Path):
    outcome(write(workdir, data), crd_schemas)


@pytest.mark.slow
@examples(300)
@given(data=edited_examples())
def test_semantic_edits_render_valid_trees(data: bytes, workdir: Path, crd_schemas: Path):
    outcome(write(workdir, data), crd_schemas)


@pytest.mark.parametrize("value", ["!!str 1", "0o10", "010", "1_000", "1e3", ".inf", "yes", "on",
                                   "~", "2024-01-01", "'1'", "1.5", "-3", "&a x", "!x y",
                                   "x\n...\n\n...", "x\n---\nb: c", "x\n..."])
def test_fast_reader_agrees_on_each_scalar_form(value: str):
    """Forms where YAML 1.1 and 1.2 readers, or libyaml and ruamel, could disagree (an
    explicit tag and a repeated document end once did)."""
    text = f"apiVersion: gpuaas/v1\nkind: Portfolio\nother: [1, 2]\nvalue: {value}\n"
    fast_agrees(text.encode())


@pytest.mark.slow
@examples(1000)
@given(data=st.one_of(mutated_examples(), flipped_examples(), edited_examples(), random_texts()))
def test_fast_reader_reads_what_the_round_trip_reader_reads(data: bytes):
    """Plain portfolios skip ruamel (libyaml is ~15x faster); whatever the fast reader
    accepts, ruamel must read to the same values at the same lines and columns."""
    from gpuaas.portfolio import fastload, limits
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return
    fast = fastload.load(text, "p.yaml", limits.MAX_DEPTH)
    event("fast" if fast is not None else "round trip")
    if fast is not None:
        fast_agrees(data)


def fast_agrees(data: bytes) -> None:
    """Whatever the fast reader accepts, ruamel reads to the same values and locations."""
    from gpuaas.portfolio import fastload, limits
    from gpuaas.portfolio.roundtrip import round_trip
    text = data.decode("utf-8-sig")
    fast = fastload.load(text, "p.yaml", limits.MAX_DEPTH)
    if fast is None:
        return
    data_rt, locations_rt = round_trip(text, "p.yaml")
    assert fast[0] == data_rt
    assert fast[1].spots == locations_rt.spots


STDERR_LINE = re.compile(r"^(?P<file>.+?)(:\d+(:\d+)?)?: (error|warning) .+ \[[A-Z][A-Z0-9_]*\]$")


@pytest.fixture(scope="module")
def plain_cli():
    """The app with its stderr console colourless whatever the terminal (as in CI logs)."""
    from rich.console import Console
    from typer.testing import CliRunner

    from gpuaas import cli
    saved = cli.err
    cli.err = Console(stderr=True, highlight=False, soft_wrap=True, width=160, color_system=None)
    yield cli.app, CliRunner()
    cli.err = saved


@examples(100)
@given(data=st.one_of(mutated_examples(), edited_examples(), random_texts()))
def test_cli_render_never_crashes(data: bytes, workdir: Path, plain_cli):
    app, runner = plain_cli
    source = write(workdir, data)
    out = workdir / "out"
    if out.exists():
        import shutil
        shutil.rmtree(out)
    result = runner.invoke(app, ["render", str(source), "--out", str(out)])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        "".join(__import__("traceback").format_exception(result.exception))
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    if result.exit_code == 2:
        assert not out.exists() or not any(out.rglob("*")), "files written despite errors"
        lines = result.stderr.splitlines()
        assert lines, "exit 2 without a word"
        for line in lines:
            assert STDERR_LINE.match(line) or line.startswith("nothing written"), line
    else:
        assert any(out.rglob("*.yaml"))
    event(f"exit {result.exit_code}")


@pytest.mark.parametrize("name", ["[/bold]", "[red]x"])
def test_cli_prints_user_text_verbatim(name: str, workdir: Path, plain_cli):
    """Messages quote the user's text: rich must not read it as markup ('[/bold]' raised
    MarkupError, exit 3; '[red]x' lost its tag)."""
    app, runner = plain_cli
    source = write(workdir, HEAD.replace("{name: demo}", f'{{name: "{name}"}}') +
                   "pools: [{name: l4, gpu: L4, instanceType: g6.4xlarge}]\n")
    result = runner.invoke(app, ["render", str(source), "--out", str(workdir / "o")])
    assert result.exit_code == 2 and f"'{name}' is not a DNS-1123 label" in result.stderr


# --- fixed hostile inputs -------------------------------------------------------------

def _deep(n: int) -> str:
    return HEAD + "pools: " + "[" * n + "]" * n + "\n"


@pytest.mark.parametrize("text", [
    _deep(10_000),
    "[" * 10_000 + "]" * 10_000,
    HEAD + "pools: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n",
    "- " * 10_000 + "x\n",
    "a:\n" + "".join(" " * i + "- \n" for i in range(1, 3000)),
], ids=["flow-seq-in-portfolio", "flow-seq", "flow-map", "compact-seq", "block-seq"])
def test_deep_nesting_is_refused_quickly(text: str, workdir: Path, crd_schemas: Path):
    path = write(workdir, text)
    with pytest.raises(UserError) as info:
        pipeline.build(path)
    [finding] = info.value.findings
    assert finding.line and "nested more than 64 levels" in finding.message


BOMBS = {
    "lists": "\n".join(['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'] +
                       [f"a{i}: &a{i} [{','.join([f'*a{i-1}'] * 9)}]" for i in range(1, 10)]),
    "mappings-and-merge-keys": "\n".join(
        ["m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9}"] +
        [f"m{i}: &m{i} {{<<: *m{i-1}, {', '.join(f'k{j}: *m{i-1}' for j in range(9))}}}"
         for i in range(1, 10)]),
    # one long string behind many aliases: few values, gigabytes once rules and render copy it
    "long-string": HEAD.replace("{name: demo}", '{name: demo, description: &s "--x=' +
                                "A" * 1_000_000 + '"}') +
                   "pools: [{name: l4, gpu: L4, instanceType: g6.4xlarge}]\n"
                   "models: [{name: m1, source: hf://org/m, params: 8B, precision: fp8, gpus: 1,"
                   " vllmArgs: [" + ", ".join(["*s"] * 1000) + "]}]\n",
    "in-a-field": HEAD + "pools: [{name: l4, gpu: L4, instanceType: g6.4xlarge}]\n"
                  "x-lol: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" +
                  "\n".join(f"x-lol{i}: &l{i} [{', '.join([f'*l{i-1}'] * 10)}]"
                            for i in range(1, 8)).replace("x-lol1:", "x-lol1:") +
                  "\nmodels: [{name: m1, source: hf://org/m, params: 8B, precision: fp8, "
                  "gpus: 1, vllmArgs: *l7}]\n",
}
_BOMB_RUNNER = textwrap.dedent("""
    import json, resource, sys, time
    from gpuaas import pipeline
    from gpuaas.errors import UserError
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        pipeline.build(sys.argv[1])
        outcome = "built"
    except UserError as exc:
        outcome = exc.findings[0].message
    seconds = time.perf_counter() - start
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(json.dumps({"outcome": outcome, "seconds": seconds, "grown_mb": grown}))
""")


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_billion_laughs_is_refused_fast_in_bounded_memory(name: str, workdir: Path):
    import resource
    path = workdir / f"bomb-{name}.yaml"
    path.write_text(BOMBS[name])

    def limit():   # a backstop: a runaway expansion fails the child, not the machine
        resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))
    proc = subprocess.run([sys.executable, "-c", _BOMB_RUNNER, str(path)], capture_output=True,
                          text=True, timeout=60, preexec_fn=limit, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert "too large" in result["outcome"], result
    assert result["grown_mb"] < 200, result


@pytest.mark.parametrize("kind", ["fifo", "device", "sparse"])
@pytest.mark.parametrize("command", ["plan", "render", "validate"])
def test_a_portfolio_that_is_not_a_short_regular_file_is_refused_at_once(tmp_path, kind, command):
    """A FIFO would block every reader, a link to /dev/zero never end, a sparse 1 TB file
    exhaust memory (the render cache read it before the size check): each is a finding, exit 2."""
    import os
    import subprocess
    import sys
    (tmp_path / "portfolios").mkdir()
    path = tmp_path / "portfolios" / "p.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    else:
        with open(path, "wb") as handle:
            handle.truncate(2 ** 40)
    gpuaas = str(Path(sys.executable).parent / "gpuaas")
    run = subprocess.run([gpuaas, command], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "portfolios/p.yaml" in run.stderr + run.stdout
    assert ("not a regular file" if kind != "sparse" else "larger than") in run.stderr + run.stdout
