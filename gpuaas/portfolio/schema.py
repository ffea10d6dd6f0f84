"""The portfolio format `gpuaas/v1` as frozen pydantic models.

Field names are the public contract (PORTFOLIO.md): camelCase, like the Kubernetes objects
they become. Unknown keys are errors.
"""
from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, JsonValue, ValidationInfo, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from .. import catalog, component_names
from ..findings import did_you_mean
from .sections import Evaluation, Registry, Workbench
from .fields import (  # noqa: F401 - the field types, also for the format's other users
    _CLUSTER,
    _DNS_SUBDOMAIN,
    _GIT_REF,
    _LABEL_KEY,
    _LABEL_VALUE,
    _OPERATOR_VERSION,
    _PARAMS,
    _REPO_PATH,
    _REPO_URL,
    _SOURCE,
    cluster_url,
    dns_label,
    dns_subdomain,
    git_ref,
    git_url,
    hf_repo,
    GPUS_MIN,
    label,
    label_key,
    label_value,
    LABEL_VALUE_MAX,
    NAME_MAX,
    oci_reference,
    operator_version,
    parse_params,
    pattern,
    Precision,
    quantity,
    repo_path,
    s3_bucket,
    shown,
    State,
    Strict,
    SUBDOMAIN_MAX,
)

CORE_COMPONENTS: tuple[str, ...] = component_names.CORE


class Metadata(Strict):
    name: str = Field(json_schema_extra=label(NAME_MAX))
    description: str = ""

    _n = field_validator("name")(lambda v: dns_label(v, NAME_MAX))


class Gitops(Strict):
    repoURL: str = Field(json_schema_extra=pattern(_REPO_URL))
    targetRevision: str = Field("main", json_schema_extra=pattern(_GIT_REF))
    path: str = Field("", json_schema_extra=pattern(_REPO_PATH))
    argocdNamespace: str = Field("openshift-gitops", json_schema_extra=label())
    project: str = Field("default", json_schema_extra=pattern(_DNS_SUBDOMAIN, SUBDOMAIN_MAX))

    # These become a namespace and an AppProject name in the rendered Applications: checked
    # here (like every name below that reaches an object) instead of failing at sync time.
    _ns = field_validator("argocdNamespace")(lambda v: dns_label(v))
    _p = field_validator("project")(lambda v: dns_subdomain(v))
    _url = field_validator("repoURL")(lambda v: git_url(v))
    _rev = field_validator("targetRevision")(lambda v: git_ref(v))
    _path = field_validator("path")(lambda v: repo_path(v))


# DataScienceCluster components the tree does not decide itself (kserve, dashboard and kueue
# follow from serving and Kueue): a portfolio may set their state; the rest it leaves alone.
RhoaiComponent = Literal["aipipelines", "feastoperator", "llamastackoperator", "modelregistry",
                         "ray", "trainingoperator", "trustyai", "workbenches"]


def _text_or_number(schema: dict, extra: dict | None = None) -> None:
    """A version an editor takes unquoted too (`vllm: 0.11`, `version: 3.5`), as the loader does."""
    schema.pop("anyOf", None)
    schema.update(type=["string", "number", "null"], **(extra or {}))


def _release_text(v: object) -> object:
    # `version: 3.5` unquoted is a float: take it as the user meant it
    return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


def rhoai_version(value: str | None) -> str | None:
    """An OpenShift AI release ("3.5": its newest CSV in the channel) or one CSV of it
    ("3.3.6"); the release must be one gpuaas targets."""
    value = operator_version(value)
    if value is None:
        return None
    if not re.fullmatch(r"\d+\.\d+(\.\d+)?", value):
        raise ValueError(f"{shown(value)} is neither a release (3.5) nor a CSV version of one "
                         "(3.5.0): write the numbers only")
    release = catalog.release_of(value)
    if release not in catalog.RELEASES:
        raise ValueError(f"OpenShift AI {release} is not a release gpuaas targets: write one of "
                         f"{', '.join(catalog.RELEASES)} (or a CSV version of one, e.g. "
                         f"{catalog.RELEASES[catalog.NEWEST_EUS].example})")
    return value


class Channel(Strict):
    # Default: the channel of the release `version` names (fast-3.x for 3.0, stable-3.x
    # for the later ones; eus-3.5 may be chosen for 3.5).
    channel: str | None = None
    # Only what is listed here (and what serving needs) goes into the DataScienceCluster;
    # server-side apply leaves every other component as another manager set it.
    components: dict[RhoaiComponent, Literal["Managed", "Removed"]] = {}
    # The release ("3.5") or one CSV of it ("3.3.6"). Pinned: the starting CSV, Manual install
    # plans and an approver for exactly that one. `null` follows the channel (Automatic: later
    # versions arrive unattended).
    version: str | None = Field(catalog.RHOAI_VERSION, json_schema_extra=lambda s: _text_or_number(s))

    _t = field_validator("version", mode="before")(lambda v: _release_text(v))
    _v = field_validator("version")(lambda v: rhoai_version(v))


class OperatorSpec(Strict):
    enabled: bool = True
    channel: str | None = None
    # pin this operator as platform.rhoai.version pins RHOAI
    version: str | None = Field(None, json_schema_extra=pattern(_OPERATOR_VERSION))

    _v = field_validator("version")(lambda v: operator_version(v))


class Operators(Strict):
    certManager: OperatorSpec = OperatorSpec(channel="stable-v1")
    # default: the channel the environment's OpenShift AI release pairs with
    kueue: OperatorSpec = OperatorSpec()
    nfd: OperatorSpec = OperatorSpec(channel="stable")
    nvidiaGpu: OperatorSpec = OperatorSpec(channel="v25.10")

    @field_validator("certManager", "kueue", "nfd", "nvidiaGpu")
    @classmethod
    def _default_channel(cls, v: OperatorSpec, info: ValidationInfo) -> OperatorSpec:
        # `nfd: {enabled: true}` left channel None, rendered as `channel: null`, which OLM
        # rejects: an unset channel is the documented default, as when the key is left out.
        if v.channel is None:
            default = cls.model_fields[str(info.field_name)].default
            return v.model_copy(update={"channel": default.channel})
        return v


def _or_number(schema: dict) -> None:
    """`openshift: 4.20` unquoted is a number, which the validator takes: so may editors."""
    versions = schema.pop("enum")
    schema.pop("type", None)
    schema["anyOf"] = [{"type": "string", "enum": versions},
                       {"type": "number", "enum": [float(v) for v in versions]}]


class Platform(Strict):
    openshift: Literal["4.19", "4.20"] = Field("4.20", json_schema_extra=lambda s: _or_number(s))
    rhoai: Channel = Channel()
    operators: Operators = Operators()

    @field_validator("openshift", mode="before")
    @classmethod
    def _version_text(cls, v: object) -> object:
        # `openshift: 4.20` unquoted is the float 4.2: take it as the user meant it.
        if isinstance(v, float):
            return f"{v:.2f}"
        return v


Resource = Literal["cpu", "memory", "ephemeral-storage"]


class PodResources(Strict):
    """A model pod's requests and limits (GPUs come from `gpus`)."""
    requests: dict[Resource, str | int | float] = {}
    limits: dict[Resource, str | int | float] = {}

    @field_validator("requests", "limits")
    @classmethod
    def _quantities(cls, v: dict) -> dict:
        for value in v.values():
            quantity(value)
        return {k: str(value) for k, value in v.items()}

    def request(self, resource: str, unit: float = 1) -> float | None:
        return quantity(self.requests[resource]) / unit if resource in self.requests else None


class ModelPlacement(Strict):
    """The fleet clusters a model runs on: those whose labels include all of `matchLabels`."""
    matchLabels: dict[Annotated[str, Field(min_length=1, max_length=317)],
                      Annotated[str, Field(max_length=63)]] = Field(min_length=1)


class Scaling(Strict):
    """llm-d on OpenShift AI 3.4 and later: replicas between two bounds, decided by the
    workload-variant autoscaler (WVA) and enforced by an HPA."""
    minReplicas: int = Field(1, ge=0, le=1000)
    maxReplicas: int = Field(ge=1, le=1000)

    @model_validator(mode="after")
    def _bounds(self) -> "Scaling":
        if self.minReplicas > self.maxReplicas:
            raise ValueError(f"minReplicas {self.minReplicas} is above maxReplicas {self.maxReplicas}")
        return self


def known_gpu(v: str) -> str:
    """A GPU the catalog knows, by name (a pool's, a measurement's)."""
    if v.lower() in {n.lower() for n in catalog.NON_NVIDIA}:
        raise ValueError(f"{shown(v)} is not an NVIDIA GPU: gpuaas renders vLLM for CUDA and "
                         "requests nvidia.com/gpu, so only NVIDIA GPUs can be planned and served")
    if v not in catalog.GPUS:
        raise ValueError(f"unknown GPU {shown(v)}{did_you_mean(v, catalog.GPUS, ignore_case=True)}; the catalog "
                         f"knows {', '.join(catalog.GPUS)}")
    return v


class Pool(Strict):
    """GPU nodes, described by a cloud instance type from the catalog, or by what each node
    offers to pods (bare metal, or any type the catalog lacks); the two can be mixed, the
    node fields overriding the catalog."""
    name: str = Field(json_schema_extra=label())
    gpu: str = Field(json_schema_extra={"enum": list[JsonValue](catalog.GPUS)})
    instanceType: str | None = Field(None, json_schema_extra={"enum": list[JsonValue](sorted(catalog.INSTANCES))})
    cloud: Literal["aws", "azure", "gcp"] | None = None   # checks instanceType against that table
    nodes: int = Field(1, ge=0, le=10_000)
    gpusPerNode: int | None = Field(None, ge=1, le=64)
    cpuPerNode: int | None = Field(None, ge=1, le=100_000)
    memoryGiBPerNode: int | None = Field(None, ge=1, le=1_000_000)
    gpuMemoryGB: float | None = Field(None, gt=0, le=10_000)
    diskGiBPerNode: int | None = Field(None, ge=1, le=10_000_000)  # ephemeral storage for pods
    hourlyUSD: float | None = Field(None, ge=0)  # per node; without it, cost says n/a
    # default: the GPU product label (+ the instance type, when the pool names one)
    nodeLabels: dict[str, str] | None = Field(None, json_schema_extra={
        "minProperties": 1, "propertyNames": pattern(_LABEL_KEY),
        "additionalProperties": pattern(_LABEL_VALUE, LABEL_VALUE_MAX)})
    # the GPU taint pods must tolerate
    taintKey: str = Field("nvidia.com/gpu", json_schema_extra=pattern(_LABEL_KEY))

    _n = field_validator("name")(lambda v: dns_label(v))
    # Rendered into the ResourceFlavor: an invalid key or value failed only at sync time, and
    # `{}` rendered `nodeLabels: null`, which the ResourceFlavor schema rejects.
    _t = field_validator("taintKey")(lambda v: label_key(v))

    @field_validator("nodeLabels")
    @classmethod
    def _labels(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        if v is not None and not v:
            raise ValueError("no labels: name at least one, or leave nodeLabels out for the "
                             "default (GPU product and instance type)")
        for key, value in (v or {}).items():
            label_key(key)
            label_value(value)
        return v

    _known_gpu = field_validator("gpu")(lambda v: known_gpu(v))

    @model_validator(mode="after")
    def _nodes_described(self) -> "Pool":
        if self.instanceType is None:
            if self.gpusPerNode is None:
                raise ValueError(f"pool {self.name}: without instanceType, describe its nodes: "
                                 "gpusPerNode (and cpuPerNode, memoryGiBPerNode: what each node "
                                 "offers to pods)")
            return self
        instance = catalog.INSTANCES.get(self.instanceType)
        table = {k for k, i in catalog.INSTANCES.items() if self.cloud in (None, i.cloud)}
        if instance is None or self.instanceType not in table:
            where = f"{self.cloud} " if self.cloud else ""
            raise ValueError(f"unknown {where}instance type {shown(self.instanceType)}"
                             f"{did_you_mean(self.instanceType, table)}; describe the nodes with "
                             "gpusPerNode, cpuPerNode and memoryGiBPerNode instead, or see the "
                             "README for the catalog's types")
        return self


class Quota(Strict):
    clusterQueue: str = Field("gpuaas", json_schema_extra=label())
    localQueue: str = Field("gpuaas", json_schema_extra=label())
    gpus: dict[str, Annotated[int, Field(ge=0)]] = {}
    queueingStrategy: Literal["BestEffortFIFO", "StrictFIFO"] = "BestEffortFIFO"
    preemption: Literal["Never", "LowerPriority"] = "LowerPriority"
    priorities: dict[str, Annotated[int, Field(ge=-2_000_000_000, le=1_000_000_000)]] = Field(
        {}, json_schema_extra={"propertyNames": label()})

    _q = field_validator("clusterQueue", "localQueue")(lambda v: dns_label(v))

    @field_validator("priorities")
    @classmethod
    def _names(cls, v: dict[str, int]) -> dict[str, int]:
        for name in v:
            dns_label(name)
        return v


# The names of Secrets: rules.py checks them (SECRET_NAME, or SECRET_VALUE for a pasted token).
_SECRET = pattern(_DNS_SUBDOMAIN, SUBDOMAIN_MAX)


class S3(Strict):
    connection: str = Field(json_schema_extra=_SECRET)
    bucket: str
    endpoint: str = ""

    _b = field_validator("bucket")(lambda v: s3_bucket(v))


class Uploads(Strict):
    namespace: str = Field("gpuaas-uploads", json_schema_extra=label())
    hfTokenSecret: str | None = Field(None, json_schema_extra=_SECRET)
    image: str = "registry.access.redhat.com/ubi9/python-311:latest"

    _ns = field_validator("namespace")(lambda v: dns_label(v))
    _i = field_validator("image")(lambda v: v if v is None else oci_reference(v))


class Storage(Strict):
    ociMaxGB: float = Field(20, gt=0)
    s3: S3 | None = None
    uploads: Uploads = Uploads()
    # PersistentVolumeClaims that pvc:// models read and that exist already, filled with the
    # weights (nothing here creates or fills a claim): the tree README lists them.
    existingClaims: list[Annotated[str, Field(json_schema_extra=pattern(_DNS_SUBDOMAIN, SUBDOMAIN_MAX))]] = []

    _claims = field_validator("existingClaims")(lambda v: [dns_subdomain(c) for c in v])


class Runtime(Strict):
    name: str = Field("vllm-cuda-runtime", json_schema_extra=pattern(_DNS_SUBDOMAIN, SUBDOMAIN_MAX))
    image: str | None = None      # default: the vLLM image of the environment's OpenShift AI release

    _n = field_validator("name")(lambda v: dns_subdomain(v))   # the ServingRuntime's name
    _i = field_validator("image")(lambda v: v if v is None else oci_reference(v))


ServingMode = Literal["kserve", "llm-d"]


class Serving(Strict):
    namespace: str = Field("gpuaas", json_schema_extra=label())
    createNamespace: bool = True    # false: the namespace exists and is owned elsewhere
    runtime: Runtime = Runtime()
    # the vLLM version inside the image; default: that of the release's image (see _version_text)
    vllm: str | None = Field(None, json_schema_extra=lambda s: _text_or_number(s))
    expose: bool = False
    auth: bool = True
    # how models are served unless one says otherwise: a KServe InferenceService, or an
    # LLMInferenceService (llm-d: vLLM behind the Gateway API with the inference scheduler)
    mode: ServingMode = "kserve"
    # Secret (key HF_TOKEN) for models pulled from hf://
    hfTokenSecret: str | None = Field(None, json_schema_extra=_SECRET)

    _ns = field_validator("namespace")(lambda v: dns_label(v))

    @field_validator("vllm", mode="before")
    @classmethod
    def _version_text(cls, v: object) -> object:
        return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


class StateSpec(Strict):
    """A hybrid model's state layers (Mamba-2, Mamba-1, gated DeltaNet), as config.json states
    them: see catalog.State."""
    kind: Literal["mamba2", "mamba1", "gdn"]
    convKernel: int = Field(4, ge=2, le=64)           # mamba_d_conv / linear_conv_kernel_dim
    inner: int = Field(0, ge=0, le=10_000_000)        # mamba: expand x hidden_size
    heads: int = Field(0, ge=0, le=100_000)           # mamba_n_heads / linear_num_value_heads
    headDim: int = Field(0, ge=0, le=100_000)         # mamba_d_head / linear_value_head_dim
    dState: int = Field(0, ge=0, le=100_000)          # mamba_d_state / linear_key_head_dim
    groups: int = Field(0, ge=0, le=100_000)          # mamba_n_groups / linear_num_key_heads


class ArchitectureSpec(Strict):
    """A model's config.json facts, for a model the catalog does not know."""
    layers: int = Field(ge=1, le=1000)
    kvHeads: int = Field(ge=1, le=1000)
    headDim: int = Field(ge=1, le=100_000)
    context: int | None = Field(None, ge=1, le=100_000_000)   # max_position_embeddings
    # optional, for the activation and weights estimate (config.json names in comments)
    hiddenSize: int | None = Field(None, ge=1, le=1_000_000)          # hidden_size
    attentionHeads: int | None = Field(None, ge=1, le=10_000)         # num_attention_heads
    intermediateSize: int | None = Field(None, ge=0, le=10_000_000)   # intermediate_size
    vocabSize: int | None = Field(None, ge=1, le=100_000_000)         # vocab_size
    tiedEmbeddings: bool = False                                      # tie_word_embeddings
    experts: int = Field(0, ge=0, le=100_000)                         # num_local_experts
    activeExperts: int = Field(0, ge=0, le=100_000)                   # num_experts_per_tok
    expertIntermediateSize: int = Field(0, ge=0, le=10_000_000)       # moe_intermediate_size
    slidingWindow: int = Field(0, ge=0, le=100_000_000)               # sliding_window
    slidingLayers: int = Field(0, ge=0, le=1000)                      # layers using it
    kvLoraRank: int = Field(0, ge=0, le=100_000)                      # kv_lora_rank (MLA)
    qkRopeHeadDim: int = Field(0, ge=0, le=100_000)                   # qk_rope_head_dim (MLA)
    denseLayers: int = Field(0, ge=0, le=1000)                        # first_k_dense_replace
    # hybrids: `layers` counts the attention layers, these the state layers
    stateLayers: int = Field(0, ge=0, le=1000)
    state: StateSpec | None = None

    @model_validator(mode="after")
    def _hybrid(self) -> "ArchitectureSpec":
        if bool(self.stateLayers) != (self.state is not None):
            raise ValueError("stateLayers and state go together: how many state layers, and their shape")
        return self

    @field_validator("slidingLayers")
    @classmethod
    def _sliding(cls, v: int, info: ValidationInfo) -> int:
        layers = info.data.get("layers")
        if layers is not None and v > layers:
            raise ValueError(f"{v} sliding-window layers but only {layers} layers")
        return v


# vLLM arguments that mean the same as a model field: written either way, they must agree.
FIELD_FLAGS = {"maxModelLen": "--max-model-len", "gpuMemoryUtilization": "--gpu-memory-utilization",
               "gpus": "--tensor-parallel-size", "kvCacheDtype": "--kv-cache-dtype",
               "maxNumSeqs": "--max-num-seqs", "enforceEager": "--enforce-eager",
               "quantization": "--quantization"}
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)([kKmMgG]?)$")


def flag_number(value: str | None) -> float | None:
    """A vLLM numeric argument as vLLM reads it (human_readable_int: 16k = 16000,
    16K = 16384); None when it is not a number."""
    match = _SIZE.match((value or "").strip())
    if not match:
        return None
    unit = match.group(2)
    scale = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9, "K": 2**10, "M": 2**20, "G": 2**30}[unit]
    return float(match.group(1)) * scale


class Measured(Strict):
    """What vLLM logged for this model on one GPU type, GPU count and vLLM release, kept by
    `gpuaas calibrate LOG --model NAME --keep`: the plan uses these in place of its estimate
    wherever the three match, and says so."""
    gpu: str = Field(json_schema_extra={"enum": list[JsonValue](catalog.GPUS)})
    gpus: int = Field(ge=1, le=64)                  # tensor parallel, per replica
    vllm: str = Field(pattern=r"^\d+\.\d+$")       # the release's minor: 0.11
    weightsGiB: float = Field(gt=0, le=100_000)     # "Model loading took", per GPU
    # gpu-memory-utilization's share less the weights and the logged KV pool: the profile's
    # activation peak and non-torch memory together, as this vLLM measured them (and, where
    # vLLM takes CUDA graphs first, the difference to the plan's graph estimate: it can be
    # below zero)
    overheadGiB: float = Field(ge=-100_000, le=100_000)
    log: str = Field(pattern=r"^sha256:[0-9a-f]{12}$")   # which log it came from

    _known_gpu = field_validator("gpu")(lambda v: known_gpu(v))


class Model(Strict):
    name: str = Field(json_schema_extra=label(NAME_MAX))
    source: str = Field(json_schema_extra=pattern(_SOURCE))
    params: str | float = Field(json_schema_extra={"anyOf": [
        {"type": "string", **pattern(_PARAMS)}, {"type": "number", "exclusiveMinimum": 0}]})
    precision: Precision
    gpus: int = Field(ge=0, le=64, json_schema_extra={"minimum": GPUS_MIN})
    pool: str | list[str] | None = None
    state: State = "active"
    priority: str | None = None
    storage: Literal["auto", "oci", "s3", "pvc", "hf"] = "auto"
    sizeGB: float | None = Field(None, gt=0, le=100_000)
    format: str | None = None
    # vLLM quantises a 16-bit checkpoint to FP8 as it loads it: `precision` stays the
    # checkpoint's (what is stored, uploaded, copied), this is what the GPUs hold
    quantization: Literal["fp8"] | None = None
    mode: ServingMode | None = None         # default: serving.mode
    task: Literal["chat", "embed"] = "chat"
    replicas: int = Field(1, ge=1, le=1000)
    # llm-d: one replica spans this many nodes (a LeaderWorkerSet group), `gpus` on each
    nodes: int = Field(1, ge=1, le=64)
    # in a fleet: only on the clusters whose labels hold these (off on the others)
    clusters: "ModelPlacement | None" = None
    scaling: Scaling | None = None
    maxModelLen: int | None = Field(None, ge=1, le=10_000_000)
    vllmArgs: list[str] = []
    revision: str | None = None
    # the facts themselves, a catalog repository (org/name) or a local config.json (a file,
    # or a Hugging Face cache directory holding one)
    architecture: ArchitectureSpec | Annotated[str, Field(min_length=1, max_length=4096)] | None = None
    displayName: str | None = None
    gpuMemoryUtilization: float | None = Field(None, gt=0, le=1)
    kvCacheDtype: Literal["auto", "bfloat16", "fp16", "fp8", "fp8_e4m3", "fp8_e5m2"] | None = None
    maxNumSeqs: int | None = Field(None, ge=1, le=1_000_000)
    enforceEager: bool | None = None
    minConcurrency: float = Field(1, gt=0, le=1_000_000)   # GPU_CONCURRENCY warns below it
    measured: list[Measured] = Field([], max_length=64)      # calibrate --keep writes these
    # Kubernetes' shape; what is not given keeps the default (half a GPU's share of the node)
    resources: "PodResources | None" = None

    _n = field_validator("name")(lambda v: dns_label(v, NAME_MAX))

    @field_validator("params")
    @classmethod
    def _params(cls, v: str | float) -> str | float:
        parse_params(v)
        return v.strip() if isinstance(v, str) else v

    @field_validator("source")
    @classmethod
    def _source(cls, v: str) -> str:
        if not _SOURCE.match(v):
            raise ValueError(f"{shown(v)} is not a model source: use hf://org/model, "
                             "oci://registry/image:tag, s3://bucket/path or pvc://claim/path")
        scheme, _, rest = v.partition("://")
        # each reaches an object as its scheme's kind of name: checked by its grammar
        if scheme == "hf":
            hf_repo(rest)
        elif scheme == "oci":
            oci_reference(rest)
        else:
            head, _, path = rest.partition("/")
            s3_bucket(head) if scheme == "s3" else dns_subdomain(head)
            if ".." in path.split("/"):
                raise ValueError(f"{shown(v)}: a path inside the {'bucket' if scheme == 's3' else 'claim'} "
                                 "must not climb out of it ('..')")
        return v

    _rev = field_validator("revision")(lambda v: v if v is None else git_ref(v))

    @property
    def scheme(self) -> str:
        return self.source.partition("://")[0]

    @property
    def parameters(self) -> float:
        return parse_params(self.params)

    @property
    def flags(self) -> list[tuple[str, str | None]]:
        """vllmArgs as (name, value) pairs, in order: `--name=value`, or value None."""
        return [(name, value if eq else None)
                for name, eq, value in (arg.partition("=") for arg in self.vllmArgs)]

    def flag(self, name: str) -> str | None:
        """The value of the first `name=value` in vllmArgs."""
        return next((value for flag, value in self.flags if flag == name), None)

    def setting(self, field: str):
        """A field's value, else its vLLM argument's (see FIELD_FLAGS); None when neither."""
        value = getattr(self, field)
        if value is not None and field != "gpus":
            return value
        flag = FIELD_FLAGS[field]
        if field == "enforceEager":
            given = any(name == flag for name, _ in self.flags)
            return True if given and self.flag(flag) in (None, "", "true", "True") else None
        raw = self.flag(flag)
        if field in ("kvCacheDtype", "quantization"):
            return raw
        number = flag_number(raw)
        if number is None:
            return value
        return number if field == "gpuMemoryUtilization" else int(number)

    @property
    def max_model_len(self) -> int | None:
        return self.setting("maxModelLen")

    @property
    def pools(self) -> list[str]:
        if self.pool is None:
            return []
        return [self.pool] if isinstance(self.pool, str) else list(self.pool)

    @property
    def served_precision(self) -> str:
        """What the GPUs hold: the checkpoint's precision, or FP8 when vLLM quantises a
        16-bit checkpoint as it loads it (`quantization`, or --quantization=fp8)."""
        if self.setting("quantization") == "fp8" and self.precision in catalog.UNQUANTISED:
            return "fp8"
        return self.precision

    @property
    def weights_gb(self) -> float:
        if self.sizeGB is not None:
            return self.sizeGB
        return self.parameters * catalog.PRECISIONS[self.precision] / catalog.GB


class Stage(Strict):
    duration: str = Field(pattern=r"^\d+(ms|s|m|h)$")
    target: int = Field(ge=0, le=100_000)


class Thresholds(Strict):
    errorRate: float = Field(0.05, ge=0, le=1)
    p95Ms: int = Field(30_000, ge=1)


class Loadtest(Strict):
    enabled: bool = False
    namespace: str = Field("gpuaas-loadtest", json_schema_extra=label())
    tokenSecret: str = Field("loadtest-token", json_schema_extra=_SECRET)
    image: str = "docker.io/grafana/k6:1.1.0"
    replicas: int = Field(0, ge=0, le=100)

    _i = field_validator("image")(lambda v: v if v is None else oci_reference(v))
    stages: list[Stage] = [Stage(duration="2m", target=10), Stage(duration="3m", target=35),
                           Stage(duration="2m", target=5), Stage(duration="3m", target=45),
                           Stage(duration="2m", target=0)]
    chatShare: float = Field(0.5, ge=0, le=1)
    thresholds: Thresholds = Thresholds()
    maxTokens: tuple[int, int] = (64, 512)
    promptChars: tuple[int, int] = (200, 4000)
    embedBatch: tuple[int, int] = (1, 16)
    embedChars: tuple[int, int] = (50, 1500)
    sleepMaxSeconds: float = Field(1.5, ge=0, le=3600)

    _ns = field_validator("namespace")(lambda v: dns_label(v))
    # k6 needs at least one stage (the renderer raised ValueError on `stages: []`)
    _st = field_validator("stages")(lambda v: _some_stages(v))


def _some_stages(stages: list[Stage] | None) -> list[Stage] | None:
    if stages is not None and not stages:
        raise ValueError("k6 needs at least one stage: {duration: 2m, target: 10}")
    return stages


# Every component's switch, as environments' overrides name them (the components are
# gpuaas/components/, above this module).
COMPONENTS: tuple[str, ...] = component_names.ALL
Component = Literal[COMPONENTS]  # type: ignore[valid-type]


class ModelOverride(Strict):
    state: State


class OperatorToggle(Strict):
    enabled: bool


class OperatorOverrides(Strict):
    certManager: OperatorToggle | None = None
    kueue: OperatorToggle | None = None
    nfd: OperatorToggle | None = None
    nvidiaGpu: OperatorToggle | None = None


class RhoaiOverride(Strict):
    """The OpenShift AI this environment runs, when it is not the portfolio's (one environment
    upgrades first)."""
    version: str | None = Field(None, json_schema_extra=lambda s: _text_or_number(s))
    channel: str | None = None     # default: the channel of this environment's release

    _t = field_validator("version", mode="before")(lambda v: _release_text(v))
    _v = field_validator("version")(lambda v: rhoai_version(v))


class PlatformOverride(Strict):
    rhoai: RhoaiOverride = RhoaiOverride()
    operators: OperatorOverrides = OperatorOverrides()


class QuotaOverride(Strict):
    gpus: dict[str, Annotated[int, Field(ge=0)]] | None = None
    queueingStrategy: Literal["BestEffortFIFO", "StrictFIFO"] | None = None
    preemption: Literal["Never", "LowerPriority"] | None = None


class LoadtestOverride(Strict):
    replicas: int | None = Field(None, ge=0, le=100)
    stages: list[Stage] | None = None
    chatShare: float | None = Field(None, ge=0, le=1)

    _st = field_validator("stages")(lambda v: _some_stages(v))


class Overrides(Strict):
    # Replaces the top-level list in this environment, so it holds to the same rules.
    pools: list[Pool] | None = Field(None, min_length=1)
    quota: QuotaOverride | None = None
    models: dict[str, ModelOverride] = {}
    platform: PlatformOverride = PlatformOverride()
    components: dict[Component, bool] = {}
    loadtest: LoadtestOverride | None = None


class ClusterSelector(Strict):
    """The fleet's clusters an environment lands on: those whose labels include all of
    `matchLabels` (as Argo CD's cluster generator selects its cluster Secrets)."""
    matchLabels: dict[Annotated[str, Field(min_length=1, max_length=317)],
                      Annotated[str, Field(max_length=63)]] = Field(min_length=1)
    count: int | None = Field(None, ge=1, le=10_000)     # None: every match


class InventoryCluster(Strict):
    """One cluster of the fleet, as Argo CD (its cluster Secret) or ACM knows it."""
    name: str = Field(json_schema_extra=label(30))
    server: str = Field(json_schema_extra=pattern(_CLUSTER))
    labels: dict[Annotated[str, Field(min_length=1, max_length=317)], Annotated[str, Field(max_length=63)]] = {}
    rhoai: RhoaiOverride | None = None
    pools: list[Pool] | None = Field(None, min_length=1)
    quota: QuotaOverride | None = None

    _n = field_validator("name")(lambda v: dns_label(v, 30))
    _c = field_validator("server")(lambda v: cluster_url(v))


class Fleet(Strict):
    """The clusters environments select by label: listed here, or in an inventory file
    several portfolios share (a YAML list, or a mapping with `clusters`), beside the portfolio."""
    clusters: list[InventoryCluster] = []
    inventory: str | None = Field(None, min_length=1, max_length=4096)
    # who picks the clusters: Argo CD's cluster generator, or ACM (a Placement, a GitOpsCluster
    # registering the placed clusters in Argo CD, the clusterDecisionResource generator)
    engine: Literal["argocd", "acm"] = "argocd"
    # filled when the fleet is expanded: {fleet environment: {"matchLabels": ..., "count": ...,
    # "environments": [its clusters' environments]}}
    selected: SkipJsonSchema[dict[str, dict]] = {}

    @field_validator("selected")
    @classmethod
    def _computed(cls, v: dict) -> dict:
        if v:
            raise ValueError("is what gpuaas computes from environments[].clusters: leave it out")
        return v


class Environment(Strict):
    name: str = Field(json_schema_extra=label(40))
    cluster: str = Field("https://kubernetes.default.svc", json_schema_extra=pattern(_CLUSTER))
    # a fleet: one environment per selected cluster (<name>-<cluster>); this one stays the
    # profile of clusters that join with the labels before the inventory lists them
    clusters: ClusterSelector | None = None
    overrides: Overrides = Overrides()

    _n = field_validator("name")(lambda v: dns_label(v, 40))

    _c = field_validator("cluster")(lambda v: cluster_url(v))


class Portfolio(Strict):
    """A portfolio of models served on shared GPUs (format gpuaas/v1)."""

    apiVersion: Literal["gpuaas/v1"]
    kind: Literal["Portfolio"]
    metadata: Metadata
    gitops: Gitops
    platform: Platform = Platform()
    environments: list[Environment] = Field(min_length=1)
    pools: list[Pool] = Field(min_length=1)
    quota: Quota = Quota()
    storage: Storage = Storage()
    serving: Serving = Serving()
    models: list[Model] = []
    loadtest: Loadtest = Loadtest()
    fleet: Fleet = Fleet()
    # the sections of the components beyond the core
    registry: Registry = Registry()
    workbench: Workbench = Workbench()
    evaluation: Evaluation = Evaluation()

    def switched_on(self, component: str) -> bool:
        """A component's switch for the whole portfolio: its section's `enabled`, where it has
        a section (environments may still switch it off)."""
        return getattr(getattr(self, component, None), "enabled", True)
