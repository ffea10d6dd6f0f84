"""Semantic checks on a loaded portfolio: one Finding per problem, pointing at the field.

Each rule encodes an outage the source documents describe; the message says what to do.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Callable, Iterable, Iterator

from . import catalog, components, gpufit, secrets, vllmflags
from .findings import Finding, did_you_mean
from .catalog import version_tuple
from .plan import EnvPlan, ModelPlan, model_architecture, resolve_env
from .portfolio.load import Loaded
from .releases import Target, declared, release_for, targets
from .portfolio.schema import COMPONENTS, FIELD_FLAGS, GPUS_MIN, Pool, dns_subdomain, flag_number, shown

# Flags gpuaas sets itself in the ServingRuntime: a model must not set them again.
RUNTIME_FLAGS = {"--port", "--model", "--served-model-name"}
# vLLM flags whose value is a credential: written here it would be in the InferenceService
# and in Git. vLLM reads the same from the environment (VLLM_API_KEY, HF_TOKEN).
SECRET_FLAGS = {"--api-key": "VLLM_API_KEY", "--hf-token": "HF_TOKEN"}
# Flags by the vLLM version that removed them (0.13 rejects --task).
REMOVED_FLAGS = {"--task": (0, 13), "--disable-log-requests": (0, 12)}
# --tool-call-parser values and the first vLLM version that knows each (vLLM 0.10.1 list).
TOOL_PARSERS = {p: (0, 8) for p in (
    "deepseek_v3 glm45 granite-20b-fc granite hermes hunyuan_a13b internlm jamba kimi_k2 "
    "llama4_pythonic llama4_json llama3_json minimax mistral phi4_mini_json pythonic "
    "qwen3_coder step3 xlam").split()} | {"openai": (0, 10, 2)}
CHECKPOINT_QUANT = {"compressed-tensors"}


def _dsc_components_kept(loaded: Loaded) -> list[Finding]:
    """A component that is on sets its DataScienceCluster components Managed: one the
    portfolio sets Removed contradicts it."""
    p, out = loaded.portfolio, []
    for c in components.REGISTRY:
        if not p.switched_on(c.name):
            continue
        for dsc in c.dsc(p):
            if any(name == dsc and state == "Removed" for name, state in p.platform.rhoai.components.items()):
                out.append(loaded.locations.finding(
                    ("platform", "rhoai", "components", dsc),
                    f"{dsc} is Removed but the {c.name} component is on: leave {dsc} out "
                    f"(the {c.name} component sets it Managed)", "DSC_COMPONENT"))
    return out


def _component_findings(loaded: Loaded) -> Iterator[Finding]:
    """Each component's own checks of its portfolio section (components.base.Component.findings)."""
    for c in components.REGISTRY:
        yield from c.findings(loaded)


def _secret_values(loaded: Loaded) -> Iterator[Finding]:
    """Anything in the portfolio's text that looks like a credential: a value, not a name."""
    for line, what in secrets.scan(loaded.text):
        message = f"looks like a {what}: put it in a Secret and name the Secret here (then " \
                  "rotate the value)"
        # Name the field (and column) the value sits in when a key starts on that line.
        on_line = [path for path, (at_line, _) in loaded.locations.spots.items()
                   if at_line == line and path]
        if on_line:
            yield loaded.locations.finding(max(on_line, key=len), message, "SECRET_VALUE")
        else:
            yield Finding(loaded.file, line, "SECRET_VALUE", message)


def _environments(loaded: Loaded, found: list[Finding]) -> Iterator[Finding]:
    """Each environment resolved (pools, quota and models after its overrides), once the
    names resolve: with an unknown pool every one of them would be noise."""
    if any(f.severity == "error" and f.code in ("DUPLICATE_NAME", "POOL_UNKNOWN", "QUOTA_POOL")
           for f in found):
        return
    p = loaded.portfolio
    said: dict[tuple, list[str]] = {}      # one finding, the environments it holds for
    first: dict[tuple, Finding] = {}
    for env in p.environments:
        named = f" (environment {env.name})"
        for f in _env_rules(loaded, resolve_env(p, env.name)):
            base = f.message.replace(named, "\0", 1)
            key = (f.file, f.line, f.column, f.code, f.severity, base)
            first.setdefault(key, f)
            said.setdefault(key, []).append(env.name)
    for key, envs in said.items():
        f, base = first[key], key[-1]
        many = "environment" if len(envs) == 1 else "environments"
        yield replace(f, message=base.replace("\0", f" ({many} {', '.join(envs)})"))


def _every_pool(loaded: Loaded) -> Iterator[tuple[tuple, Pool]]:
    """Each pool with where it is written: the top-level ones and each environment's own."""
    p = loaded.portfolio
    for i, pool in enumerate(p.pools):
        yield ("pools", i), pool
    for e, env in enumerate(p.environments):
        for i, pool in enumerate(env.overrides.pools or []):
            yield ("environments", e, "overrides", "pools", i), pool


def _nodes_sized(loaded: Loaded) -> Iterator[Finding]:
    """A pool described by its nodes but not their CPUs or memory: pods and quotas get a
    conservative share per GPU instead of the node's. A pool whose GPU is not its instance
    type's: the plan would size one GPU at the other's price, and the pod would ask for both
    GPUs' node labels and never schedule."""
    at = loaded.locations
    for where, pool in _every_pool(loaded):
        missing = [f for f in ("cpuPerNode", "memoryGiBPerNode") if getattr(pool, f) is None]
        if pool.instanceType is None and missing:
            yield at.finding(
                where, f"{' and '.join(missing)} not given: pods and quotas assume "
                f"{catalog.DEFAULT_CPU_PER_GPU} CPUs and {catalog.DEFAULT_MEMORY_GIB_PER_GPU} GiB "
                "per GPU; set what each node offers to pods", "POOL_NODES", "warning")
        instance = catalog.INSTANCES.get(pool.instanceType or "")
        if instance is not None and instance.gpu != pool.gpu:
            line, _ = at.of(where + ("instanceType",))
            same = sorted((k for k, i in catalog.INSTANCES.items()
                           if i.gpu == pool.gpu and i.cloud == instance.cloud), key=len)[:3]
            other = f", or an instance type with {pool.gpu} ({', '.join(same)})" if same else ""
            yield at.finding(where + ("gpu",), f"{pool.gpu}, but {pool.instanceType} (line {line}) "
                             f"carries {instance.gpus} x {instance.gpu}: the plan would size {pool.gpu}s at the "
                             f"{pool.instanceType}'s price and the pods would ask for both GPUs' node labels and "
                             f"never schedule. Set gpu: {instance.gpu}{other}", "POOL_GPU")


def _claims_declared(loaded: Loaded) -> list[Finding]:
    """A pvc:// model reads a claim nothing here renders or fills: without it the pod stays
    Pending. Declaring it in storage.existingClaims says it is a prerequisite."""
    declared = set(loaded.portfolio.storage.existingClaims)
    out = []
    for i, model in enumerate(loaded.portfolio.models):
        scheme, _, rest = model.source.partition("://")
        claim = rest.split("/")[0]
        if scheme == "pvc" and claim not in declared:
            out.append(loaded.locations.finding(
                ("models", i, "source"), f"nothing renders or fills the claim {claim!r}: the pod "
                "stays Pending until it exists, filled, in the serving namespace; create it, then "
                f"list it in storage.existingClaims", "PVC_CLAIM", "warning"))
    return out


def _one_owner_per_cluster(loaded: Loaded) -> Iterator[Finding]:
    """Every environment renders the same cluster-scoped objects (the DataScienceCluster,
    ClusterQueue, flavors, priorities, ClusterPolicy, the Argo CD ClusterRole): two on one
    cluster give each object two owning Applications, and pruning one deletes it from the other."""
    first: dict[str, str] = {}
    for i, env in enumerate(loaded.portfolio.environments):
        if env.clusters:    # a fleet's profile: deployed only to clusters that join later
            continue
        if env.cluster in first and first[env.cluster] != env.name:  # a repeated name is DUPLICATE_NAME
            yield loaded.locations.finding(
                ("environments", i, "cluster"), f"environments {first[env.cluster]} and {env.name} "
                f"both deploy to {env.cluster}: their cluster-scoped objects would have two owners "
                "(pruning one environment deletes them from the other); give each environment its "
                "own cluster", "SHARED_CLUSTER")
        first.setdefault(env.cluster, env.name)


def _portfolio_rules(loaded: Loaded) -> Iterator[Finding]:
    p, at = loaded.portfolio, loaded.locations
    lists: list[tuple[tuple, list]] = [(("environments",), p.environments), (("pools",), p.pools),
                                       (("models",), p.models)]
    lists += [(("environments", env_i, "overrides", "pools"), env.overrides.pools)
              for env_i, env in enumerate(p.environments) if env.overrides.pools]
    for where, items in lists:
        counts = Counter(item.name for item in items)
        for i, item in enumerate(items):
            if counts[item.name] > 1:
                yield at.finding(where + (i, "name"), f"duplicate name {item.name!r}: names must be "
                                 "unique, rename one", "DUPLICATE_NAME")
    pools = {pool.name for pool in p.pools}
    for env in p.environments:
        if env.overrides.pools is not None:
            pools |= {pool.name for pool in env.overrides.pools}
    model_names = {m.name for m in p.models}
    for name in p.quota.gpus:
        if name not in pools:
            yield at.finding(("quota", "gpus", name), f"quota for unknown pool {shown(name)}: "
                             f"pools are {', '.join(sorted(pools))}", "QUOTA_POOL")
    for env_i, env in enumerate(p.environments):
        o = env.overrides
        env_pools = {x.name for x in (o.pools if o.pools is not None else p.pools)}
        for name in o.models:
            if name not in model_names:
                yield at.finding(("environments", env_i, "overrides", "models", name),
                                 f"override for unknown model {shown(name)}", "MODEL_UNKNOWN")
        if o.quota and o.quota.gpus:
            for name in o.quota.gpus:
                if name not in env_pools:
                    yield at.finding(("environments", env_i, "overrides", "quota", "gpus", name),
                                     f"quota for unknown pool {shown(name)}", "QUOTA_POOL")
        # A pinned model whose pool this environment lacks would render without a node
        # selector and land on any GPU type: the same error as an unknown pool, per environment.
        for i, m in enumerate(p.models):
            state = o.models[m.name].state if m.name in o.models else m.state
            known = [n for n in m.pools if n in pools]      # unknown ones: reported below
            if known and state != "off" and not any(n in env_pools for n in m.pools):
                yield at.finding(("models", i, "pool"), f"pool {', '.join(map(shown, known))} is "
                                 f"not among environment {env.name}'s pools "
                                 f"({', '.join(sorted(env_pools))}): add it to its overrides.pools "
                                 "or set the model's state to off there", "POOL_UNKNOWN")
    ts = targets(p)     # what each environment runs: resolved once for every model's rules
    for i, m in enumerate(p.models):
        for name in m.pools:
            if name not in pools:
                yield at.finding(("models", i, "pool"), f"unknown pool {shown(name)}"
                                 f"{did_you_mean(name, pools)}: pools are "
                                 f"{', '.join(sorted(pools))}", "POOL_UNKNOWN")
        if m.priority and m.priority not in p.quota.priorities:
            hint = did_you_mean(m.priority, p.quota.priorities)
            yield at.finding(("models", i, "priority"), f"unknown priority {shown(m.priority)}{hint}: "
                             + ("" if hint else "declare it under quota.priorities, ") + "priorities are "
                             f"{', '.join(p.quota.priorities) or 'none'}", "PRIORITY_UNKNOWN")
        if m.gpus < GPUS_MIN:
            yield at.finding(("models", i, "gpus"), "every model needs at least one GPU: CPU "
                             "inference is never allowed", "NO_GPU")
        yield from _storage_rules(loaded, i)
        yield from _vllm_rules(loaded, i, ts)
        yield from _field_rules(loaded, i, ts)
        yield from _precision_rules(loaded, i)
    yield from _secret_names(loaded)
    lt = p.loadtest
    # The minimums of loadtest.k6_script, which raised ValueError at render time for
    # `maxTokens: [0, 10]` (a request for 0 tokens or 0 inputs is no request).
    for key, least in (("maxTokens", 1), ("promptChars", 0), ("embedBatch", 1), ("embedChars", 1)):
        lo, hi = getattr(lt, key)
        if lo > hi or lo < least:
            yield at.finding(("loadtest", key), f"[{lo}, {hi}] must be [min, max] with "
                             f"{least} <= min <= max", "LOADTEST")


def _secret_names(loaded: Loaded) -> Iterator[Finding]:
    """Secret names reach the rendered objects (secretKeyRef, storage key): '' or 'My Token'
    rendered a tree that failed only when applied. A rule, not a schema check, so that a
    token pasted here is reported as SECRET_VALUE (rotate it), not only as a bad name."""
    p, at = loaded.portfolio, loaded.locations
    names = [(("loadtest", "tokenSecret"), p.loadtest.tokenSecret),
             (("storage", "uploads", "hfTokenSecret"), p.storage.uploads.hfTokenSecret),
             (("serving", "hfTokenSecret"), p.serving.hfTokenSecret)]
    if p.storage.s3 is not None:
        names.append((("storage", "s3", "connection"), p.storage.s3.connection))
    for path, name in names:
        if name is None or any(True for _ in secrets.scan(name)):
            continue
        try:
            dns_subdomain(name)
        except ValueError as exc:
            yield at.finding(path, f"{exc} (the name of a Secret, never its value)", "SECRET_NAME")


def _storage_rules(loaded: Loaded, i: int) -> Iterator[Finding]:
    p, at = loaded.portfolio, loaded.locations
    m = p.models[i]
    scheme, limit = m.scheme, p.storage.ociMaxGB
    allowed = {"oci": {"auto", "oci"}, "pvc": {"auto", "pvc"}, "s3": {"auto", "s3"},
               "hf": {"auto", "s3", "hf"}}[scheme]
    if m.storage not in allowed:
        yield at.finding(("models", i, "storage"), f"storage {m.storage!r} does not work with a "
                         f"{scheme}:// source: use one of {', '.join(sorted(allowed))}", "STORAGE")
    if scheme == "oci" and m.weights_gb >= limit:
        yield at.finding(("models", i, "source"), f"OCI ModelCar of {m.weights_gb:.1f} GB is above "
                         f"ociMaxGB {limit:g}: CRI-O fails to unpack it (\"no space left on "
                         "device\"). Serve it from S3 (an hf:// or s3:// source) or use a "
                         "quantised image", "OCI_TOO_LARGE")
    bucket = m.source.partition("://")[2].partition("/")[0]
    if scheme == "s3" and p.storage.s3 is not None and bucket != p.storage.s3.bucket:
        yield at.finding(("models", i, "source"), f"bucket {shown(bucket)} is not storage.s3.bucket "
                         f"{shown(p.storage.s3.bucket)}: the InferenceService reads through the data "
                         f"connection {p.storage.s3.connection!r}, so it would look in "
                         f"{shown(p.storage.s3.bucket)}. Copy the weights there or change the bucket",
                         "STORAGE")
    if (scheme == "s3" or (scheme == "hf" and m.storage == "s3")) and p.storage.s3 is None:
        yield at.finding(("models", i, "storage"), "S3 storage needs storage.s3 (connection "
                         "Secret name and bucket)", "STORAGE")
    pulled = scheme == "hf" and (m.storage == "hf" or (m.storage == "auto" and p.storage.s3 is None))
    if scheme == "hf" and m.state != "off" and catalog.gated(m.source):
        token, field = ((p.serving.hfTokenSecret, "serving.hfTokenSecret") if pulled else
                        (p.storage.uploads.hfTokenSecret, "storage.uploads.hfTokenSecret"))
        if token is None:
            yield at.finding(("models", i, "source"), f"{shown(m.source)} is a gated repository: "
                             f"{'the pod' if pulled else 'the upload Job'} gets 401 without the "
                             "token of an account that accepted its licence. Name the Secret "
                             f"holding it in {field}", "GATED_TOKEN")
    if pulled:
        yield at.finding(("models", i, "source"), "pulled from Hugging Face at every pod start: "
                         "the cluster needs egress, and gated models a token (serving."
                         "hfTokenSecret); configure storage.s3 to upload once instead",
                         "STORAGE_HF", "warning")


def _vllm_rules(loaded: Loaded, i: int, ts: dict[str, Target]) -> Iterator[Finding]:
    p, at = loaded.portfolio, loaded.locations
    m = p.models[i]
    # environments may run different releases: a removed flag fails on the newest vLLM,
    # a flag that needs a version on the oldest
    served = sorted({t.vllm for t in ts.values()}, key=version_tuple)
    oldest, newest = served[0], served[-1]
    flags = m.flags
    names = [name for name, _ in flags]
    where = ("models", i, "vllmArgs")
    for j, (name, value) in enumerate(flags):
        spot = where + (j,)
        if not name.startswith("--"):
            yield at.finding(spot, f"{shown(name)} is not a flag: write --name=value, one per item",
                             "VLLM_ARG")
            continue
        if any(ch.isspace() for ch in name):
            flag, *rest = name.split(None, 1)
            fix = f"{flag}={rest[0]}" + (f"={value}" if value else "") if rest else flag
            hint = f"write {cut(fix)}" if fix.isprintable() else "write --name=value, one per item"
            yield at.finding(spot, f"{shown(name)} is one argument to vLLM, which rejects it: "
                             f"{hint}", "VLLM_ARG")
            continue
        refused = False
        for (message, severity), envs in _flag_problems(name, value, served, ts).items():
            refused |= severity == "error"
            yield at.finding(spot, message + envs, "VLLM_ARG", severity)
        if refused:
            continue        # what vLLM's parser refuses: the finer rules below would repeat it
        if names.count(name) > 1 and names.index(name) == j:
            yield at.finding(spot, f"{cut(name)} is given {names.count(name)} times: keep one", "VLLM_ARG")
        if name in SECRET_FLAGS and value:
            yield at.finding(spot, f"{name} carries a credential, which would be rendered into the "
                             "InferenceService and committed: remove it (and rotate the value); "
                             f"vLLM reads {SECRET_FLAGS[name]} from the environment, and "
                             "serving.hfTokenSecret names the Hugging Face token's Secret",
                             "SECRET_VALUE")
        if name in RUNTIME_FLAGS:
            yield at.finding(spot, f"{name} is set by the ServingRuntime (the model is served as "
                             f"{m.name!r} from /mnt/models): remove it", "VLLM_ARG")
        if name in REMOVED_FLAGS and version_tuple(newest) >= REMOVED_FLAGS[name] \
                and vllmflags.table(newest) is None:       # a bundled table says it exactly
            yield at.finding(spot, f"{name} was removed in vLLM "
                             f"{'.'.join(map(str, REMOVED_FLAGS[name]))} (served here: {newest}): "
                             "use --runner/--convert", "VLLM_ARG")
        if name == "--chat-template" and value is not None and not _template_like(value):
            yield at.finding(spot, f"--chat-template={cut(value)} is a bare name, which vLLM treats as "
                             "a path (\"appears path-like, but doesn't exist\"). Remove it to use "
                             "the template in tokenizer_config.json, or give a file path or an "
                             "inline Jinja template", "VLLM_ARG")
        fmt, inferred = checkpoint_format(m)
        if name == "--quantization" and fmt in CHECKPOINT_QUANT and value != fmt:
            known = f" ({m.source.split('://')[1].split('/')[0]} publishes {fmt} checkpoints: " \
                    "set `format` if this one is not)" if inferred else ""
            yield at.finding(spot, f"--quantization={cut(value)} contradicts the checkpoint's "
                             f"{fmt} format{known} (vLLM: \"quantization method specified in the "
                             "model config does not match\"). Remove it: vLLM detects the "
                             "method from the model config", "VLLM_ARG")
        if name == "--tensor-parallel-size" and value != str(m.gpus):
            line, _ = at.of(("models", i, "gpus"))
            yield at.finding(spot, f"--tensor-parallel-size={cut(value)} but gpus is {m.gpus} "
                             f"(line {line}): they must be equal (drop the flag, gpuaas sets it "
                             "from gpus)", "TP_MISMATCH")
        if name == "--tool-call-parser":
            if "--enable-auto-tool-choice" not in names:
                yield at.finding(spot, "--tool-call-parser needs --enable-auto-tool-choice: "
                                 "add it", "VLLM_ARG")
            if value == "mistral" and m.flag("--tokenizer-mode") != "mistral":
                yield at.finding(spot, "the mistral tool-call parser expects Mistral's tokenizer: "
                                 "add --tokenizer-mode=mistral (and --config-format=mistral "
                                 "--load-format=mistral for a checkpoint in Mistral's format)",
                                 "VLLM_ARG", "warning")
            need = TOOL_PARSERS.get(value or "")
            if need is None:
                yield at.finding(spot, f"unknown tool-call parser {shown(value)}; vLLM knows "
                                 f"{', '.join(sorted(TOOL_PARSERS))}", "VLLM_ARG", "warning")
            elif version_tuple(oldest) < need:
                yield at.finding(spot, f"tool-call parser {value!r} needs vLLM >= "
                                 f"{'.'.join(map(str, need))}; vLLM {oldest} is served here "
                                 "(serving.vllm, or the OpenShift AI release's image)", "VLLM_ARG")
        if name in ("--runner", "--task") and m.task == "embed" and value in ("generate", "auto"):
            yield at.finding(spot, f"an embedding model needs the pooling runner, not {name}="
                             f"{value}", "TASK")
        if name == "--gpu-memory-utilization":
            try:
                ok = 0 < float(value or "") <= 1
            except ValueError:
                ok = False
            if not ok:
                yield at.finding(spot, "--gpu-memory-utilization takes a fraction in (0, 1]",
                                 "VLLM_ARG")


def _precision_rules(loaded: Loaded, i: int) -> Iterator[Finding]:
    """`precision` is the checkpoint's: what its config.json or its name says it stores must
    agree; FP8 of a 16-bit checkpoint is `quantization`, which vLLM applies as it loads."""
    at, m = loaded.locations, loaded.portfolio.models[i]
    declared = catalog.PRECISION_KIND[m.precision]
    unquantised = {"16-bit", "32-bit"}
    known = None
    found = model_architecture(m)
    if found is not None and isinstance(m.architecture, str):
        kind = catalog.checkpoint_kind_from_config(m.architecture)
        known = (kind, f"its config.json ({found[0]}) says {kind}") if kind else None
    known = known or catalog.checkpoint_kind(m.source)
    if known is not None:
        kind, how = known
        if kind != declared and not (kind in unquantised and declared in unquantised):
            fix = ("set precision: bf16 and quantization: fp8 to serve it in FP8 (vLLM quantises "
                   "it as it loads), or use an FP8 checkpoint" if kind in unquantised and m.precision == "fp8"
                   else f"set precision to the checkpoint's ({_precisions_of(kind)})")
            yield at.finding(("models", i, "precision"), f"{m.precision} ({declared}), but "
                             f"{shown(m.source)} is a {kind} checkpoint ({how}): precision is what the "
                             f"checkpoint stores, and sizes the upload, the disk and the GPU fit; {fix}",
                             "CHECKPOINT")
            return
    # (--quantization in vllmArgs against the checkpoint's own method: _vllm_rules)
    if m.quantization == "fp8" and m.precision not in catalog.UNQUANTISED:
        yield at.finding(("models", i, "quantization"), "FP8 on load quantises a 16-bit checkpoint; "
                         f"this one is already {m.precision}: remove it", "CHECKPOINT")


def _precisions_of(kind: str) -> str:
    return " or ".join(p for p, k in catalog.PRECISION_KIND.items() if k == kind)


def _flag_problems(name: str, value: str | None, served: list[str],
                   ts: dict[str, Target]) -> dict[tuple[str, vllmflags.Severity], str]:
    """What vLLM's own parser says of one argument, per vLLM version served here: each
    problem once, with the environments it applies to when not all of them."""
    found: dict[tuple[str, vllmflags.Severity], list[str]] = {}
    for version in served:
        problem = vllmflags.problem(name, value, version)
        if problem and not (name == "--tool-call-parser" and problem[1] == "warning"):  # TOOL_PARSERS
            found.setdefault(problem, []).append(version)
    out = {}
    for problem, versions in found.items():
        envs = [env for env, t in ts.items() if t.vllm in versions]
        out[problem] = (f" (vLLM {', '.join(versions)})" if len(envs) == len(ts) else
                        f" (vLLM {', '.join(versions)}: {', '.join(envs)})")
    return out


def _fit_rules(loaded: Loaded, i: int, mp, suffix: str) -> Iterator[Finding]:
    """GPU_MEMORY when vLLM would refuse to start, with what would start; GPU_CONCURRENCY
    when fewer maxModelLen requests fit the KV cache than the model asks for."""
    at, m, fit = loaded.locations, mp.model, mp.fit
    if fit.fits is False and fit.estimate is None:      # an architecture this vLLM does not serve
        yield at.finding(("models", i, "source"), f"{fit.reason}; serve it in an environment "
                         f"whose release runs that vLLM, or choose another model{suffix}",
                         "VLLM_ARCHITECTURE")
        return
    if fit.fits is False:
        fixes = []
        if fit.largest_max_model_len:
            fixes.append(f"maxModelLen {fit.largest_max_model_len} or less would start")
        if fit.smallest_tp and fit.smallest_tp != m.setting("gpus"):
            fixes.append(f"{fit.smallest_tp} GPUs (tensor parallel) would start at this "
                         "maxModelLen")
        if not fixes:
            fixes.append("no maxModelLen or tensor-parallel size on this pool starts it: use a "
                         "bigger GPU or a quantised checkpoint")
        e = fit.estimate
        yield at.finding(_setting_path(m, i, "maxModelLen" if fit.largest_max_model_len else "gpus"),
                         f"vLLM would not start on {m.setting('gpus')} x {fit.pool} "
                         f"({e.weights_gib:.1f} GiB of weights per GPU): {fit.reason}; "
                         f"{'; '.join(fixes)}{suffix}", "GPU_MEMORY")
    if fit.fits and fit.estimate.max_concurrency < m.minConcurrency and mp.state == "active":
        e = fit.estimate
        yield at.finding(("models", i, "minConcurrency") if "minConcurrency" in m.model_fields_set
                         else _setting_path(m, i, "maxModelLen"),
                         f"the KV cache holds {e.max_concurrency:.2f} requests of {e.max_model_len} "
                         f"tokens ({e.kv_tokens} tokens in {e.kv_pool_gib:.1f} GiB per GPU), "
                         f"fewer than minConcurrency {m.minConcurrency:g}: lower maxModelLen, use "
                         f"--kv-cache-dtype=fp8 or more GPUs{suffix}", "GPU_CONCURRENCY", "warning")


def _setting_path(m, i: int, field: str) -> tuple:
    """Where a setting was written: the field, else its argument in vllmArgs, else the model."""
    if field in m.model_fields_set:
        return ("models", i, field)
    flag = FIELD_FLAGS.get(field)
    for j, (name, _) in enumerate(m.flags):
        if name == flag:
            return ("models", i, "vllmArgs", j)
    return ("models", i, "gpus") if field == "gpus" else ("models", i)


def _field_rules(loaded: Loaded, i: int, ts: dict[str, Target]) -> Iterator[Finding]:
    """A field and its vLLM argument must agree; maxModelLen within the model's context;
    an `architecture` string must name something gpuaas can read."""
    p, at = loaded.portfolio, loaded.locations
    m = p.models[i]
    for field, flag in FIELD_FLAGS.items():
        if field not in m.model_fields_set or field == "gpus":
            continue   # gpus against --tensor-parallel-size: TP_MISMATCH
        for j, (name, value) in enumerate(m.flags):
            if name != flag:
                continue
            own = getattr(m, field)
            theirs = m.model_copy(update={field: None}).setting(field)
            if theirs != own and not (field == "enforceEager" and own is False and theirs is None):
                line, _ = at.of(("models", i, field))
                yield at.finding(("models", i, "vllmArgs", j),
                                 f"{cut(name + ('=' + value if value is not None else ''))} "
                                 f"contradicts {field}: {_yaml(own)} (line {line}): vLLM would run "
                                 f"with the argument; keep one of them", "VLLM_ARG")
    # vLLM's own parser checks the value where its flag table is bundled (_vllm_rules)
    tabled = all(vllmflags.table(t.vllm) for t in ts.values())
    for j, (name, value) in enumerate(m.flags):
        means = next((f for f, fl in FIELD_FLAGS.items() if fl == name), None)
        if means in ("maxModelLen", "maxNumSeqs") and flag_number(value) is None and not tabled:
            yield at.finding(("models", i, "vllmArgs", j), f"{name} takes a number of "
                             f"{'tokens' if means == 'maxModelLen' else 'requests'}, like "
                             f"{name}=16384", "VLLM_ARG")
    found = model_architecture(m)
    if isinstance(m.architecture, str) and found is None:
        yield at.finding(("models", i, "architecture"), f"{shown(m.architecture)} is neither a "
                         "catalog model (org/name) nor a readable config.json or Hugging Face "
                         "cache directory", "ARCHITECTURE")
    length = m.max_model_len
    if found and length and found[1].context and length > found[1].context:
        yield at.finding(_setting_path(m, i, "maxModelLen"), f"maxModelLen {length} is above "
                         f"{found[0]}'s context of {found[1].context} tokens: vLLM refuses it "
                         "(\"User-specified max_model_len is greater than the derived "
                         "max_model_len\")", "MAX_MODEL_LEN")


def _yaml(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def checkpoint_format(m) -> tuple[str | None, bool]:
    """The checkpoint's declared quantisation format, and whether it is inferred."""
    if m.format:
        return m.format, False
    if m.precision not in catalog.UNQUANTISED and m.source.startswith(catalog.COMPRESSED_TENSORS_SOURCES):
        return "compressed-tensors", True
    return None, False


def cut(text: str | None, limit: int = 60) -> str | None:
    """A user's text in a message, cut short (vllmArgs may hold a pasted paragraph)."""
    return text if text is None or len(text) <= limit else text[:limit - 1] + "…"


def _template_like(value: str) -> bool:
    return "/" in value or "{" in value or value.endswith((".jinja", ".j2", ".jinja2"))


def _resource_rules(loaded: Loaded, env: EnvPlan, suffix: str) -> Iterator[Finding]:
    """What a pod requests must fit one node of every pool it may land on, and Kueue needs a
    quota for every resource it requests; weights from S3 or Hugging Face land on the node's
    disk (the OCI-vs-S3 deployment: "ensure 100GB+")."""
    at = loaded.locations
    for i, mp in enumerate(env.models):
        if mp.state == "off" or not mp.pools:
            continue
        where = ("models", i, "resources") if mp.model.resources else ("models", i, "gpus")
        for pool in (env.pool(n) for n in mp.pools):
            for what, asked, offered, unit in (("cpu", mp.cpu, pool.cpu_per_node, " CPUs"),
                                               ("memory", mp.memory_gib, pool.memory_gib_per_node, " GiB"),
                                               ("ephemeral-storage", mp.disk_gib, pool.pool.diskGiBPerNode, " GiB")):
                if asked and offered is not None and asked > offered:
                    yield at.finding(where, f"requests {asked:g}{unit} of {what}, more than a node of "
                                     f"pool {pool.name} offers ({offered:g}{unit}){suffix}: the pod "
                                     "never schedules", "RESOURCES")
            if mp.disk_gib and pool.pool.diskGiBPerNode is None:
                yield at.finding(where, f"requests ephemeral-storage, but pool {pool.name} gives no "
                                 f"diskGiBPerNode{suffix}: Kueue admits nothing its ClusterQueue does "
                                 "not cover; set the pool's disk", "RESOURCES")
            landing = mp.storage.kind in ("s3", "hf")
            if landing and pool.pool.diskGiBPerNode and \
                    mp.model.weights_gb * 1e9 / 2**30 + mp.disk_gib > pool.pool.diskGiBPerNode:
                yield at.finding(where, f"{mp.model.weights_gb:.0f} GB of weights are copied to the "
                                 f"node's disk, which with the pod's scratch is more than pool "
                                 f"{pool.name}'s {pool.pool.diskGiBPerNode} GiB{suffix}", "NODE_DISK",
                                 "warning")


def _multinode_rules(loaded: Loaded, env: EnvPlan, i: int, mp: ModelPlan, suffix: str) -> Iterator[Finding]:
    """A replica over several nodes, and autoscaling: where OpenShift AI can run them."""
    m, at = mp.model, loaded.locations
    if m.nodes > 1:
        found = model_architecture(m)
        why = ("is served by KServe (an InferenceService runs on one node)" if mp.mode != "llm-d" else
               "has no known architecture, so whether it is a mixture of experts is unknown" if found is None else
               "is dense: data parallelism copies it whole to each node, and the pipeline-parallel "
               "preset kserve-config-llm-worker-pipeline-parallel is not installed by OpenShift AI "
               f"{env.target.release.version} (red-hat-data-services/kserve config/llmisvc has the "
               "data-parallel one only; the controller fails to find the other)"
               if not gpufit.expert_share(found[1]) else "")
        if why:
            yield at.finding(("models", i, "nodes"), f"{m.name} spans {m.nodes} nodes but {why}"
                             f"{suffix}", "MULTINODE")
        for pool in (env.pool(n) for n in mp.pools):
            if pool.pool.nodes < m.nodes:
                yield at.finding(("models", i, "nodes"), f"{m.name} spans {m.nodes} nodes, pool "
                                 f"{pool.name} has {pool.pool.nodes}{suffix}: its group never starts",
                                 "POOL_TOO_SMALL")
    if m.scaling and (mp.mode != "llm-d" or env.target.release.llmisvc_api == "v1alpha1"):
        how = ("is served by KServe" if mp.mode != "llm-d" else
               f"runs on OpenShift AI {env.target.release.version}, whose LLMInferenceService "
               "(v1alpha1) has no spec.scaling")
        yield at.finding(("models", i, "scaling"), f"{m.name} sets scaling but {how}{suffix}", "SCALING")


def _env_rules(loaded: Loaded, env: EnvPlan) -> Iterator[Finding]:
    p, at = loaded.portfolio, loaded.locations
    suffix = f" (environment {env.name})" if len(p.environments) > 1 else ""
    yield from _resource_rules(loaded, env, suffix)
    for i, mp in enumerate(env.models):
        m = mp.model
        if mp.state == "off" or m.gpus < GPUS_MIN:
            continue
        if mp.mode == "llm-d" and mp.storage.uri is None:
            where = ("models", i, "mode") if m.mode else ("serving", "mode")
            yield at.finding(where, f"{m.name} is served by llm-d, whose LLMInferenceService reads "
                             f"its model from a URI (hf://, oci://, pvc://), not from the S3 data "
                             f"connection gpuaas uploads to{suffix}: set storage: hf on the model (or "
                             "serve it with mode: kserve)", "LLMD")
        yield from _multinode_rules(loaded, env, i, mp, suffix)
        pools = [env.pool(n) for n in m.pools if any(x.name == n for x in env.pools)]
        no_fp8 = sorted({pool.pool.gpu for pool in (pools or env.pools) if not pool.gpu.fp8})
        if m.served_precision == "fp8" and no_fp8:
            yield at.finding(("models", i, "precision"), f"{', '.join(no_fp8)} has no FP8 tensor "
                             "cores (compute capability below 8.9): vLLM runs FP8 weights there "
                             "weight-only (Marlin), slower than on L4/L40S/H100, and FP8 "
                             f"activations are not supported{suffix}", "PRECISION", "warning")
        for pool in pools:
            if m.gpus > pool.gpus_per_node:
                yield at.finding(("models", i, "gpus"), f"{m.gpus} GPUs do not fit one node of "
                                 f"pool {pool.name} ({pool.gpus_per_node} per {pool.pool.instanceType or 'node'})"
                                 f": tensor parallelism stays within a node{suffix}", "POOL_TOO_SMALL")
        if not m.pools and not mp.pools:
            yield at.finding(("models", i, "gpus"), f"no pool has nodes with {m.gpus} GPUs{suffix}",
                             "POOL_TOO_SMALL")
        yield from _fit_rules(loaded, i, mp, suffix)
    for pool in env.pools:
        capacity = pool.pool.nodes * pool.gpus_per_node
        if pool.quota_gpus > capacity:
            yield at.finding(("quota", "gpus", pool.name), f"quota of {pool.quota_gpus} GPUs in "
                             f"pool {pool.name}, which has {capacity} ({pool.nodes_text}){suffix}: Kueue admits pods no node can "
                             "run, and they stay unschedulable unless an autoscaler adds nodes",
                             "QUOTA_CAPACITY", "warning")
    if env.components["loadtest"]:
        kinds = {mp.model.task for mp in env.active}
        if not kinds:  # one finding, not two that contradict each other
            yield at.finding(("loadtest", "enabled"), f"no model is active{suffix}: the load test "
                             "has nothing to call", "TASK", "warning")
        elif env.chat_share > 0 and "chat" not in kinds:
            yield at.finding(("loadtest", "chatShare"), f"chatShare {env.chat_share:g} but no chat "
                             f"model is active{suffix}: every request goes to embeddings", "TASK",
                             "warning")
        if kinds and env.chat_share < 1 and "embed" not in kinds:
            yield at.finding(("loadtest", "chatShare"), f"{1 - env.chat_share:.0%} of the load is "
                             f"embeddings but no embedding model is active{suffix}: all requests "
                             "go to chat models", "TASK", "warning")


def _application_names(loaded: Loaded) -> Iterator[Finding]:
    """Argo CD Application names: an environment's umbrella `<portfolio>-<env>` must not be
    another environment's child `<portfolio>-<other>-<component>` (`prod-serving` beside
    `prod`), or one Application would overwrite the other."""
    p, at = loaded.portfolio, loaded.locations
    names = [e.name for e in p.environments]
    for i, env in enumerate(names):
        for other in names:
            for component in COMPONENTS:
                if env == f"{other}-{component}":
                    yield at.finding(("environments", i, "name"), f"environment {env!r} is named like "
                                     f"the {component} component of environment {other!r}: both "
                                     f"render the Argo CD Application {p.metadata.name}-{env}; "
                                     "rename one", "DUPLICATE_NAME")


# The checks of a loaded portfolio, one unit each, run in this order; each yields located
# findings with codes of gpuaas/codes.py. The environments' checks follow (_environments).
def _releases(loaded: Loaded) -> Iterator[Finding]:
    """Each environment's OpenShift AI version and channel exist together in the catalog."""
    p, at = loaded.portfolio, loaded.locations
    for i, env in enumerate(p.environments):
        version, channel, own = declared(p, env)
        o = env.overrides.platform.rhoai
        base = ("environments", i, "overrides", "platform", "rhoai") if own or o.channel else ("platform", "rhoai")
        release = release_for(version, channel)
        if channel is not None and channel not in catalog.RHOAI_CHANNELS:
            hint = did_you_mean(channel, catalog.RHOAI_CHANNELS)
            yield at.finding(base + ("channel",), f"{shown(channel)} is not an OpenShift AI 3.x channel "
                             f"of the rhods-operator catalog{hint}: "
                             f"{', '.join(catalog.RHOAI_CHANNELS)}", "RELEASE")
            continue
        chosen = channel or release.channel
        if release.newest(chosen) is None:
            yield at.finding(base + ("channel",) if channel else base + ("version",),
                             f"{chosen} does not carry OpenShift AI {release.version}: use "
                             f"{' or '.join(release.channels)} (or leave `channel` out)", "RELEASE")
            continue
        if version is not None and version.count(".") >= 2:
            known = [e.name.partition(".")[2] for e in catalog.RHOAI_CHANNELS[chosen]
                     if catalog.release_of(e.name.partition(".")[2]) == release.version]
            if version not in known:
                yield at.finding(base + ("version",), f"{version} is not on {chosen} in the catalog "
                                 f"gpuaas knows ({', '.join(known)}): OLM fails to resolve it unless "
                                 "your catalog has it; write the release alone "
                                 f"(\"{release.version}\") for its newest", "RELEASE", "warning")
    ts = targets(p)
    kueue = p.platform.operators.kueue.channel
    if kueue is not None:
        paired = sorted({t.release.kueue_channel for t in ts.values()} - {kueue})
        if paired and kueue in catalog.KUEUE_OPERATORS:
            yield at.finding(("platform", "operators", "kueue", "channel"),
                             f"{kueue} is not what the OpenShift AI release(s) here pair with "
                             f"({', '.join(paired)}, Red Hat's platform chart and tests): leave "
                             "`channel` out to follow each environment's release", "RELEASE", "warning")
    image = p.serving.runtime.image
    shipped = {r.vllm_image: r.version for r in catalog.RELEASES.values()}
    if image in shipped:
        others = sorted({t.release.version for t in ts.values()} - {shipped[image]})
        if others:
            yield at.finding(("serving", "runtime", "image"), f"this is OpenShift AI {shipped[image]}'s "
                             f"vLLM image, but an environment runs {', '.join(others)}: leave "
                             "`image` (and `vllm`) out to serve each release's own", "RELEASE", "warning")
    if kueue is not None and kueue not in catalog.KUEUE_OPERATORS:
        yield at.finding(("platform", "operators", "kueue", "channel"),
                         f"{shown(kueue)} is not a Red Hat build of Kueue channel gpuaas has facts "
                         f"for{did_you_mean(kueue, catalog.KUEUE_OPERATORS)} "
                         f"({', '.join(catalog.KUEUE_OPERATORS)}): the queues are written in "
                         "kueue.x-k8s.io/v1beta1 and checked against no operator's CRDs",
                         "RELEASE", "warning")


RULES: tuple[Callable[[Loaded], Iterable[Finding]], ...] = (
    _portfolio_rules, _releases, _one_owner_per_cluster, _application_names, _claims_declared,
    _nodes_sized, _component_findings, _dsc_components_kept, _secret_values,
)


def check(loaded: Loaded) -> list[Finding]:
    """All findings, deduplicated, in file order."""
    found = [f for rule in RULES for f in rule(loaded)]
    found += _environments(loaded, found)
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=lambda f: (f.line or 0, f.column or 0, f.code, f.message))
