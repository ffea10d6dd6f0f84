#!/usr/bin/env python
"""Extract the flags accepted by `vllm serve` for a given vLLM source tree.

Usage: python extract.py <version> <src_root> <source_label> <out.json>

<src_root> is a directory containing the pure-Python `vllm/` package of that
version (here: unpacked from the PyPI wheel, compiled .so files omitted).
The script imports the *real* vLLM argparse builders (make_arg_parser ->
FrontendArgs.add_cli_args + AsyncEngineArgs.add_cli_args) with missing heavy /
optional third-party modules replaced by permissive stubs, then walks the
resulting argparse parser's actions.
"""
import argparse
import importlib.abc
import importlib.machinery
import json
import os
import sys
import types

version, src_root, source_label, out_path = sys.argv[1:5]
# vLLM only collects per-field help text (get_attr_docs) when "--help" is in
# argv; "serve" must NOT be in argv or `--model` is skipped (it is hidden only
# from `vllm serve --help`).
sys.argv = ["vllm", "--help"]
DEPS = os.environ.get("EXTRACT_DEPS", "")   # pure-Python dependencies vLLM imports, where missing
sys.path.insert(0, src_root)
if DEPS:
    sys.path.append(DEPS)

os.environ.setdefault("VLLM_TARGET_DEVICE", "cpu")
os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")
os.environ.setdefault("VLLM_NO_USAGE_STATS", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

STUBBED = []
MISSED = []
# Third-party modules that may be replaced by stubs if missing. Platform probe
# modules (libtpu, amdsmi, intel_extension_for_pytorch, tpu_* ...) are NOT in
# this list so platform detection falls back to "unspecified".
STUB_ALLOW = set("""aiohttp requests setproctitle runai_model_streamer
sentencepiece gguf tiktoken mistral_common outlines_core xgrammar lark
llguidance lm_format_enforcer compressed_tensors depyf einops numba ray
opentelemetry watchfiles uvicorn prometheus_fastapi_instrumentator pillow PIL
cv2 soundfile librosa scipy pydantic_settings diskcache lmformatenforcer tqdm py_cpuinfo
cpuinfo openai_harmony python_json_logger setuptools_scm mcp anthropic
partial_json_parser msgspec fastapi starlette blake3 cbor2 pybase64 zmq psutil
cloudpickle cachetools prometheus_client openai ijson model_hosting_container_standards
importlib_metadata grpc grpcio flash_attn tilelang""".split())
STUB_ALLOW |= set(filter(None, os.environ.get("EXTRACT_STUB", "").split(",")))


class _StubMeta(type):
    def __getattr__(cls, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _Stub

    def __getitem__(cls, item):
        return _Stub

    def __or__(cls, other):
        return _Stub

    def __ror__(cls, other):
        return _Stub

    def __iter__(cls):
        return iter(())


class _Stub(metaclass=_StubMeta):
    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        from pydantic_core import core_schema
        return core_schema.any_schema()

    def __init__(self, *a, **k):
        pass

    def __call__(self, *a, **k):
        return _Stub()

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _Stub()

    def __iter__(self):
        return iter(())

    def __bool__(self):
        return False

    def __mro_entries__(self, bases):
        return (_Stub,)


class _StubModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        if name == "__path__":
            return []
        return _Stub


class _StubLoader(importlib.abc.Loader):
    def create_module(self, spec):
        m = _StubModule(spec.name)
        m.__path__ = []
        m.__file__ = "<stub>"
        return m

    def exec_module(self, module):
        pass


# Only stub these top-level packages (or their submodules) when they're
# genuinely missing; never stub vllm itself except compiled extensions.
STUB_ALLOW_PREFIXES = os.environ.get("EXTRACT_STUB", "").split(",")


class _StubFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        top = fullname.split(".")[0]
        if top == "vllm":
            if fullname.startswith(("vllm._C", "vllm._moe_C", "vllm._rocm_C",
                                    "vllm.vllm_flash_attn._vllm_fa",
                                    "vllm.cumem_allocator", "vllm._flashmla_C",
                                    "vllm._flashmla_extension_C")):
                return None  # let ImportError happen like a CPU-only build
            return None
        if top in sys.stdlib_module_names:
            return None
        if top not in STUB_ALLOW:
            MISSED.append(fullname)
            return None
        # only stub imports made (directly) by vLLM's own code
        fr = sys._getframe(1)
        caller = None
        while fr is not None:
            fn = fr.f_code.co_filename
            if not fn.startswith("<frozen") and "importlib" not in fn:
                caller = fn
                break
            fr = fr.f_back
        if caller is None or not caller.startswith((src_root, DEPS)):
            return None
        # is it findable by the other finders?
        for f in sys.meta_path:
            if f is self:
                continue
            try:
                spec = f.find_spec(fullname, path, target)
            except Exception:
                spec = None
            if spec is not None:
                return None
        STUBBED.append(fullname)
        return importlib.machinery.ModuleSpec(fullname, _StubLoader(),
                                              is_package=True)


sys.meta_path.append(_StubFinder())

import vllm.platforms as _plat  # noqa: E402
PLATFORM = os.environ.get("EXTRACT_PLATFORM", "cpu")
if PLATFORM == "cpu":
    from vllm.platforms.cpu import CpuPlatform  # noqa: E402
    _plat._current_platform = CpuPlatform()

try:
    from vllm.utils.argparse_utils import FlexibleArgumentParser
except ImportError:
    from vllm.utils import FlexibleArgumentParser

try:
    from vllm.entrypoints.cli.serve import ServeSubcommand
    top = FlexibleArgumentParser(prog="vllm")
    subparsers = top.add_subparsers(dest="subparser")
    parser = ServeSubcommand().subparser_init(subparsers)
    built_via = "ServeSubcommand.subparser_init"
except Exception as e:  # pragma: no cover
    print("ServeSubcommand failed, falling back:", repr(e), sorted(set(STUBBED)), "missed:", sorted(set(MISSED)), file=sys.stderr)
    from vllm.entrypoints.openai.cli_args import make_arg_parser
    parser = make_arg_parser(FlexibleArgumentParser(prog="vllm serve"))
    built_via = "make_arg_parser"


def type_name(t):
    if t is None:
        return None
    if t in (int, float, str, bool):
        return t.__name__
    name = getattr(t, "__qualname__", None) or getattr(t, "__name__", None) \
        or type(t).__name__
    mod = getattr(t, "__module__", "") or ""
    return f"{mod}.{name}" if mod and not mod.startswith("builtins") else name


def classify_type(t):
    """Map argparse `type=` callables to a simple type category."""
    if t is None:
        return None
    if t in (int, float, str):
        return t.__name__
    name = getattr(t, "__name__", "") or ""
    qn = getattr(t, "__qualname__", "") or name
    # vllm.engine.arg_utils.optional_type(x) returns a closure _optional_type
    closure = getattr(t, "__closure__", None)
    inner = None
    if closure:
        for c in closure:
            try:
                v = c.cell_contents
            except ValueError:
                continue
            if callable(v):
                inner = v
                break
    if "human_readable_int_or_auto" in qn:
        return "human_readable_int_or_auto"
    if "human_readable_int" in qn:
        return "human_readable_int"
    if "parse_type" in qn and inner is not None:
        r = classify_type(inner)
        return r
    if "_optional_type" in qn and inner is not None:
        r = classify_type(inner)
        return r
    if "parse_dataclass" in qn:
        return "json"
    if "union_dict_and_str" in qn:
        return "json_or_str"
    if qn.startswith("loads") or "json" in qn.lower() or name == "loads":
        return "json"
    if isinstance(t, type) and hasattr(t, "model_validate_json"):
        return "json"
    if isinstance(t, type) and hasattr(t, "from_cli"):
        return "json"
    if "from_cli" in qn:
        return "json"
    if "validate_json" in qn:
        return "json"
    if "bool" in qn.lower():
        return "bool"
    return "custom:" + qn


def jsonable(x):
    try:
        json.dumps(x)
        return x
    except TypeError:
        if isinstance(x, (list, tuple, set, frozenset)):
            return [jsonable(i) for i in x]
        if isinstance(x, dict):
            return {str(k): jsonable(v) for k, v in x.items()}
        return repr(x)


flags = {}
positionals = {}
group_of = {}
for g in parser._action_groups:
    for a in g._group_actions:
        group_of[id(a)] = g.title

# argparse's action classes by the name the table gives them (subclasses before their bases)
ACTIONS = ((argparse._HelpAction, "help"), (argparse.BooleanOptionalAction, "boolean_optional"),
           (argparse._StoreTrueAction, "store_true"), (argparse._StoreFalseAction, "store_false"),
           (argparse._AppendAction, "append"), (argparse._StoreConstAction, "store_const"),
           (argparse._StoreAction, "store"))

for a in parser._actions:
    action = next((name for cls, name in ACTIONS if isinstance(a, cls)),
                  type(a).__module__ + "." + type(a).__qualname__)
    ttype = classify_type(a.type)
    if ttype is None and action in ("store", "append"):
        ttype = "str"  # argparse default: raw string
    if action in ("store_true", "store_false", "boolean_optional"):
        ttype = "bool"
    choices = None
    if a.choices is not None:
        try:
            choices = [jsonable(c) for c in a.choices]
        except TypeError:
            choices = repr(a.choices)
    help_text = a.help if isinstance(a.help, str) else None
    deprecated = bool(getattr(a, "deprecated", False)) or (
        a in getattr(FlexibleArgumentParser, "_deprecated", ()))
    help_mentions_deprecated = bool(help_text and "deprecat" in help_text.lower())
    metavar = a.metavar if isinstance(a.metavar, str) else (
        list(a.metavar) if a.metavar else None)
    known_values = None
    if isinstance(metavar, str) and "{" in metavar and "}" in metavar:
        inner = metavar[metavar.index("{") + 1:metavar.index("}")]
        known_values = [x.strip() for x in inner.split(",") if x.strip()]
    elif isinstance(metavar, list) and metavar and not a.choices:
        known_values = [jsonable(x) for x in metavar]
    entry = {
        "dest": a.dest,
        "type": ttype,
        "type_callable": type_name(a.type) if a.type is not None else None,
        "choices": choices,
        "nargs": a.nargs if a.nargs not in (0,) else None,
        "action": action,
        "aliases": [],
        "no_form": None,
        "deprecated": deprecated,
        "help_mentions_deprecated": help_mentions_deprecated,
        "metavar": metavar,
        "known_values": known_values,
        "default": jsonable(a.default) if a.default is not argparse.SUPPRESS else "==SUPPRESS==",
        "required": bool(a.required),
        "group": group_of.get(id(a)),
        "help": help_text,
    }
    if not a.option_strings:
        entry["aliases"] = []
        positionals[a.dest] = entry
        continue
    opts = list(a.option_strings)
    if action == "boolean_optional":
        pos = [o for o in opts if not o.startswith("--no-")]
        neg = [o for o in opts if o.startswith("--no-")]
        long_pos = [o for o in pos if o.startswith("--")]
        primary = ("--" + a.dest.replace("_", "-")) if (
            "--" + a.dest.replace("_", "-")) in pos else (long_pos or pos)[0]
        entry["aliases"] = [o for o in pos if o != primary]
        entry["no_form"] = neg
    else:
        long_opts = [o for o in opts if o.startswith("--")]
        cand = "--" + a.dest.replace("_", "-")
        primary = cand if cand in opts else (long_opts or opts)[0]
        entry["aliases"] = [o for o in opts if o != primary]
    if primary in flags:
        print("duplicate primary", primary, file=sys.stderr)
    flags[primary] = entry

# --quantization: at runtime the field's annotation resolves to Any, so argparse
# has no choices; values are validated later against QUANTIZATION_METHODS.
try:
    import vllm.model_executor.layers.quantization as _q
    qm = list(_q.QUANTIZATION_METHODS)
    dq = list(getattr(_q, "DEPRECATED_QUANTIZATION_METHODS", []))
    e = flags.get("--quantization")
    if e is not None and not e["choices"]:
        e["known_values"] = qm
        e["known_values_source"] = ("vllm.model_executor.layers.quantization."
                                    "QUANTIZATION_METHODS (validated after "
                                    "parsing, not by argparse)")
        if dq:
            e["deprecated_values"] = dq
except Exception as ex:  # pragma: no cover
    print("quantization methods lookup failed:", repr(ex), file=sys.stderr)

TYPE_NOTES = {
    "human_readable_int": "int; also accepts suffixes k/m/g/t (x1000^n) and "
    "K/M/G/T (x1024^n), e.g. 32k, 1M, 25.6k",
    "human_readable_int_or_auto": "like human_readable_int, and also -1 or "
    "'auto' for auto-detection",
    "json": "JSON string (parsed with json.loads / pydantic validate_json); "
    "FlexibleArgumentParser also accepts dotted sub-keys, e.g. "
    "--compilation-config.mode=3 or --x.key=value",
    "json_or_str": "either a JSON object string (-> dict) or a plain string "
    "(vllm union_dict_and_str)",
}
for k, e in flags.items():
    t, tc = e["type"], e["type_callable"] or ""
    if t and t.startswith("custom:") and "<lambda>" in tc:
        if e["choices"]:
            e["type"] = "str"
            e["type_note"] = ("str normalised by a lambda (lower-cased, '-' -> "
                              "'_') before matching choices")
        elif k == "--device-ids":
            e["type"] = "csv_list"
            e["type_note"] = ("comma-separated list; digit items -> int, "
                              "others (GPU UUIDs) kept as str")
    elif t == "bool" and e["action"] == "store":
        e["type_note"] = ("takes a value parsed with Python bool(): any "
                          "non-empty string (even 'False') is True")
    elif t in TYPE_NOTES:
        e["type_note"] = TYPE_NOTES[t]
    if k == "--compilation-config":
        e["type_note"] = TYPE_NOTES["json"] + ("; -O<n> / -O <n> shorthand "
                                               "handled by FlexibleArgumentParser")
    e.setdefault("type_note", None)

# Registry-backed reasoning parsers (choices validated after parsing from 0.13)
e = flags.get("--reasoning-parser")
if e is not None and not e["choices"] and not e["known_values"]:
    try:
        from vllm.reasoning import ReasoningParserManager as _RPM
        names = []
        for attr in ("reasoning_parsers", "lazy_parsers"):
            names += list(getattr(_RPM, attr, {}) or {})
        if names:
            e["known_values"] = sorted(set(names))
            e["known_values_source"] = ("ReasoningParserManager registry "
                                        "(validated after parsing; "
                                        "extensible via --reasoning-parser-plugin)")
    except Exception as ex:
        print("reasoning parser lookup failed:", repr(ex), file=sys.stderr)

# Enum-typed EngineArgs fields: argparse takes a str, converted/validated later
import dataclasses, enum, typing  # noqa: E402,E401
try:
    from vllm.engine.arg_utils import AsyncEngineArgs as _AEA
    try:
        _hints = typing.get_type_hints(_AEA)
    except Exception:
        _hints = {f.name: f.type for f in dataclasses.fields(_AEA)}

    def _enums(h, acc):
        if isinstance(h, type) and issubclass(h, enum.Enum):
            acc.append(h)
        for a_ in typing.get_args(h):
            _enums(a_, acc)
        return acc
    by_dest = {e["dest"]: (k, e) for k, e in flags.items()}
    for name, h in _hints.items():
        ens = _enums(h, [])
        if not ens or name not in by_dest:
            continue
        k, e = by_dest[name]
        if e["choices"] or e["known_values"]:
            continue
        en = ens[0]
        e["known_values"] = [m.name for m in en]
        e["enum_values"] = [m.value if isinstance(m.value, (int, str, float))
                            else repr(m.value) for m in en]
        e["known_values_source"] = (f"enum {en.__module__}.{en.__qualname__} "
                                    "member names (argparse takes a free "
                                    "string; converted/validated later)")
except Exception as ex:
    print("enum lookup failed:", repr(ex), file=sys.stderr)

for e in flags.values():
    if e["known_values"] and "known_values_source" not in e:
        e["known_values_source"] = "argparse metavar (free string, not enforced by argparse)"

import inspect  # noqa: E402
try:
    _pa_src = inspect.getsource(FlexibleArgumentParser.parse_args)
except Exception:
    _pa_src = ""
preproc = {
    "underscore_names": "--foo_bar is rewritten to --foo-bar (part before "
    "the first '.')" if "replace(\"_\", \"-\")" in _pa_src
    or "replace('_', '-')" in _pa_src else None,
    "dotted_json_keys": "--<json-flag>.<key>[.<sub>]=<value> (or "
    "--<json-flag>.<key> <value>) are merged into that flag's dict"
    if "create_nested_dict" in _pa_src else None,
    "config_file": "--config <yaml> expands the YAML's keys into CLI args"
    if "_pull_args_from_config" in _pa_src else None,
    "help_search": "--help=<keyword|group|all|page> filters help output"
    if "--help=" in _pa_src else None,
}
if "--optimization-level" in _pa_src:
    preproc["-O"] = ("-O<n>, -O=<n> and -O <n> (n in 0-3) are rewritten to "
                     "--optimization-level <n> before argparse")
elif "-O.level" in _pa_src:
    preproc["-O"] = ("-O<n>, -O=<n> and -O <n> (n in 0-3) are rewritten to "
                     "-O.level=<n>, i.e. --compilation-config '{\"level\": n}'")

out = {
    "version": version,
    "source": source_label,
    "extraction": {
        "method": "runtime: imported vllm's own argparse builders from the "
                  "released wheel's Python sources and walked parser._actions",
        "built_via": built_via,
        "stubbed_modules": sorted(set(m.split(".")[0] for m in STUBBED)),
        "missing_not_stubbed": sorted(set(MISSED)),
        "python": sys.version.split()[0],
        "platform_forced": PLATFORM + " (defaults that depend on the platform "
        "reflect this; flag set/types/choices do not, except where noted)",
        "no_form_representation": "BooleanOptionalAction flags are a single "
        "entry with action='boolean_optional'; their --no-X spellings are "
        "listed in 'no_form'",
    },
    "parser_preprocessing": preproc,
    "positionals": positionals,
    "flag_count": len(flags),
    "flag_count_excluding_help": len([k for k in flags if k != "--help"]),
    "negative_forms": {n: k for k, e in sorted(flags.items())
                       for n in (e.get("no_form") or [])},
    "short_aliases": {al: k for k, e in sorted(flags.items())
                      for al in e["aliases"]},
    "flags": dict(sorted(flags.items())),
}
with open(out_path, "w") as f:
    json.dump(out, f, indent=1, sort_keys=False)
print(f"{version}: {len(flags)} flags, stubbed={out['extraction']['stubbed_modules']}")
