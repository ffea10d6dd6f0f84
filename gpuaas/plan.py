"""Per-environment resolution: overrides applied, storage decided, GPU fit, predicted Kueue
admission and cost. Pure: returns data, prints nothing.

Admission follows Kueue's semantics for the ClusterQueue gpuaas renders: every pod of an
active model is one workload (pod integration); workloads are taken by priority (high
first), then portfolio order (Kueue: priority, then creation time); each tries the
ClusterQueue's flavors in their order (the order of `pools`, whatever order a model lists
its pools in), skipping pools its node selector excludes, and is admitted on the first
flavor whose remaining quota covers its GPUs, cpu and memory. BestEffortFIFO sets a
workload that does not fit aside and goes on with the next; StrictFIFO keeps it at the head
of the queue, so every workload behind it waits too (Kueue requeues it "immediately"). With
`preemption: LowerPriority` a higher-priority workload may evict lower ones, so taking
workloads by priority gives the steady state; with `Never`, a running lower-priority model
keeps its quota until it stops (gpuaas cannot see the cluster, so it predicts a fresh start).
Without Kueue in an environment nothing gates the pods: only node fit counts.
"""
from __future__ import annotations

import hashlib
import json

from dataclasses import dataclass, field, replace

from . import catalog, gpufit
from .catalog import version_tuple
from .releases import Target, target
from .portfolio.schema import COMPONENTS, Model, Pool, Portfolio, flag_number

STATES = {"active": "Active", "standby": "Standby", "off": "Off"}


@dataclass(frozen=True)
class PoolPlan:
    """A pool resolved once, from its instance type's catalog entry and the portfolio's node
    fields: Kueue flavors and quotas, GPU fit, hardware profiles and cost all read this."""
    name: str
    pool: Pool
    gpu: catalog.GPU
    gpus_per_node: int
    cpu_per_node: int
    memory_gib_per_node: int
    gpu_gib: float              # total per GPU as the driver reports it (GiB)
    hourly_usd: float | None    # per node; None: no price known (cost n/a)
    quota_gpus: int
    node_labels: dict[str, str]

    @property
    def nodes_text(self) -> str:
        """`1 x g6.12xlarge`, or `2 nodes` when the pool names no instance type."""
        return f"{self.pool.nodes} x {self.pool.instanceType}" if self.pool.instanceType else \
            f"{self.pool.nodes} nodes ({self.cpu_per_node} CPUs, {self.memory_gib_per_node} GiB)"

    @property
    def capacity(self) -> int:
        return self.pool.nodes * self.gpus_per_node

    @property
    def cpu_per_gpu(self) -> int:
        """vCPU a GPU's share of the node offers; pods request half, the quota all of it
        (room for KServe's sidecars and init containers, which Kueue also counts)."""
        return max(1, self.cpu_per_node // self.gpus_per_node)

    @property
    def memory_gib_per_gpu(self) -> int:
        return max(1, self.memory_gib_per_node // self.gpus_per_node)

    @property
    def disk_gib_per_gpu(self) -> int:
        """A GPU's share of the node's ephemeral storage (0 when the pool does not say)."""
        return (self.pool.diskGiBPerNode or 0) // self.gpus_per_node


@dataclass(frozen=True)
class Storage:
    kind: str                   # oci | s3 | hf | pvc
    reason: str
    uri: str | None = None      # storageUri when not S3-with-connection
    s3_path: str | None = None  # bucket-relative prefix with the data connection, no slash
    upload: bool = False        # an upload Job fetches it from Hugging Face

    @property
    def served_path(self) -> str | None:
        """What KServe lists: the prefix with its slash, so `devstral-2/` never matches
        `devstral-2-bf16/...` (the storage-initializer copies every object under a prefix)."""
        return None if self.s3_path is None else f"{self.s3_path}/"

    @property
    def marker(self) -> str | None:
        """The object an upload writes once complete, beside the prefix (never under it)."""
        return f"{self.s3_path}.complete" if self.upload else None


@dataclass(frozen=True)
class Fit:
    """vLLM's start-up verdict on the smallest eligible pool (gpufit), or why there is none."""
    fits: bool | None           # None: no pool, or the architecture is unknown
    reason: str = ""            # vLLM's refusal, or what is unknown
    estimate: gpufit.Estimate | None = None
    weights_gb: float = 0.0     # all of the model's weights, decimal GB (storage sizes)
    architecture: str = ""      # where the facts came from: catalog repository, file or portfolio
    largest_max_model_len: int | None = None    # when it does not fit: what would
    smallest_tp: int | None = None
    pool: str = ""              # the pool the verdict is for
    ranks: int = 1              # vLLM engines per replica (data parallel over `nodes`), each this estimate
    measured: str = ""          # the log (sha256:...) whose measurement replaced the estimate

    @property
    def weights_gib(self) -> float | None:
        return self.estimate.weights_gib if self.estimate else None

    @property
    def kv_pool_gib(self) -> float | None:
        return self.estimate.kv_pool_gib if self.estimate else None

    @property
    def kv_tokens(self) -> int | None:
        return self.estimate.kv_tokens if self.estimate else None

    @property
    def max_concurrency(self) -> float | None:
        """Requests of max_model_len one replica holds: every data-parallel engine's."""
        return self.estimate.max_concurrency * self.ranks if self.estimate else None


@dataclass
class ModelPlan:
    model: Model
    state: str                  # active | standby | off (after overrides)
    pools: list[str]            # eligible pools, in the ClusterQueue's flavor order
    storage: Storage
    fit: Fit
    vllm: str                   # the vLLM version its environment serves
    mode: str = "kserve"        # kserve (InferenceService) | llm-d (LLMInferenceService)
    admission: str = ""         # Admitted | Pending | Standby | Off
    reason: str = ""
    flavor: str | None = None
    flavors: list[str] = field(default_factory=list)    # one per admitted replica
    admitted_replicas: int = 0
    cpu: float = 1              # per pod, what the InferenceService requests (cores)
    memory_gib: float = 1
    disk_gib: float = 0         # ephemeral-storage the pod requests (0: none)
    monthly_usd: float = 0.0

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def replicas(self) -> int:
        """The replicas Kueue must admit: with `scaling`, its maximum."""
        if self.state != "active":
            return 0
        return self.model.scaling.maxReplicas if self.model.scaling else self.model.replicas

    @property
    def gpus_text(self) -> str:
        """The GPUs column: per pod ("4"), x replicas ("4x2"), over nodes ("4x2 nodes", a
        replica spanning two; with scaling its range is in the reason)."""
        m = self.model
        if m.nodes > 1:
            return f"{m.gpus}x{m.nodes} nodes" + (f" x{m.replicas}" if m.replicas > 1 and not m.scaling else "")
        return f"{m.gpus}x{m.replicas}" if m.replicas > 1 and not m.scaling else str(m.gpus)

    @property
    def group_gpus(self) -> int:
        """GPUs of one replica: `gpus` on each of its `nodes` (a LeaderWorkerSet group)."""
        return self.model.gpus * self.model.nodes


@dataclass
class EnvPlan:
    name: str
    cluster: str
    components: dict[str, bool]
    operators: dict[str, bool]
    pools: list[PoolPlan]
    quota_gpus: dict[str, int]
    queueing: str
    preemption: str
    models: list[ModelPlan]
    loadtest_replicas: int
    loadtest_stages: list
    chat_share: float
    target: Target                  # the OpenShift AI it runs and what follows from it
    used: dict[str, int] = field(default_factory=dict)
    pending: dict[str, int] = field(default_factory=dict)

    @property
    def rendered_models(self) -> list[ModelPlan]:
        return [m for m in self.models if m.state != "off"]

    @property
    def active(self) -> list[ModelPlan]:
        return [m for m in self.models if m.state == "active"]

    def pool(self, name: str) -> PoolPlan:
        return next(p for p in self.pools if p.name == name)


@dataclass
class Plan:
    portfolio: Portfolio
    environments: list[EnvPlan]


def pool_plan(pool: Pool, quota: dict[str, int]) -> PoolPlan:
    instance = catalog.INSTANCES.get(pool.instanceType or "")
    gpu = catalog.GPUS[pool.gpu]

    def fact(given, catalog_value):
        return given if given is not None else catalog_value
    per_node = fact(pool.gpusPerNode, instance and instance.gpus)
    total = pool.gpuMemoryGB * catalog.GB / catalog.GIB if pool.gpuMemoryGB is not None else gpu.usable_gib
    labels = {"nvidia.com/gpu.product": gpu.product}
    if pool.instanceType:  # a cloud node carries its type; bare metal has no such label
        labels["node.kubernetes.io/instance-type"] = pool.instanceType
    return PoolPlan(pool.name, pool, gpu, per_node,
                    fact(pool.cpuPerNode, instance.vcpu if instance else catalog.DEFAULT_CPU_PER_GPU * per_node),
                    fact(pool.memoryGiBPerNode, instance.memory_gib if instance else
                         catalog.DEFAULT_MEMORY_GIB_PER_GPU * per_node), total,
                    fact(pool.hourlyUSD, instance and instance.hourly_usd),
                    quota.get(pool.name, pool.nodes * per_node),
                    pool.nodeLabels if pool.nodeLabels is not None else labels)


def decide_storage(model: Model, portfolio: Portfolio) -> Storage:
    """The storage rule: OCI below ociMaxGB, Hugging Face sources to S3 through an upload
    Job when S3 is configured, else pulled at start; explicit choices are kept."""
    limit = portfolio.storage.ociMaxGB
    size = model.weights_gb
    scheme, _, rest = model.source.partition("://")
    s3 = portfolio.storage.s3
    choice = model.storage
    if scheme == "oci":
        verdict = "below" if size < limit else "ABOVE"
        return Storage("oci", f"{size:.1f} GB OCI ModelCar, {verdict} ociMaxGB {limit:g}",
                       uri=model.source)
    if scheme == "pvc":
        return Storage("pvc", "weights on a PersistentVolumeClaim", uri=model.source)
    if scheme == "s3":
        bucket, _, key = rest.partition("/")
        return Storage("s3", f"already in S3 bucket {bucket}", s3_path=key.strip("/") or bucket)
    # hf://
    if choice == "hf" or (choice == "auto" and s3 is None):
        why = "pulled from Hugging Face at pod start (needs egress" + (
            "; gated models need the token Secret)" if choice == "hf" else "; no storage.s3)")
        return Storage("hf", why, uri=model.source)
    bucket = s3.bucket if s3 else "?"
    prefix = f"{model.name}/{upload_digest(model)}"
    return Storage("s3", f"{size:.1f} GB uploaded to s3://{bucket}/{prefix}/ by a Job",
                   s3_path=prefix, upload=True)


def upload_digest(model: Model) -> str:
    """Names what an upload holds (source, revision, which weight files), so a changed model
    uploads to a new prefix while running pods keep reading the complete old one."""
    what = [model.source, model.revision, model.flag("--load-format")]
    return hashlib.sha256(json.dumps(what).encode()).hexdigest()[:8]


def gpu_fit(model: Model, pools: list[PoolPlan], vllm: str | None = None) -> Fit:
    """vLLM's start-up memory accounting (gpufit) on the smallest eligible pool's GPU, as the
    environment's vLLM release does it."""
    weights_gb = model.weights_gb
    found = model_architecture(model)
    if found is None:
        return Fit(None, "architecture unknown: name a catalog model, or give `architecture` "
                   "(its facts, a catalog repository or a config.json)", weights_gb=weights_gb)
    label, arch = found
    if arch.vllm_until and catalog.vllm_release(vllm) > version_tuple(arch.vllm_until):
        return Fit(False, f"vLLM {vllm} does not serve this architecture: it was supported until "
                   f"vLLM {arch.vllm_until} (vllm/model_executor/models/registry.py)",
                   weights_gb=weights_gb, architecture=label)
    if not (model.max_model_len or arch.context):
        return Fit(None, "no context length: set maxModelLen or architecture.context",
                   weights_gb=weights_gb, architecture=label)
    if not pools or model.gpus == 0:
        return Fit(None, "no eligible pool", weights_gb=weights_gb, architecture=label)
    pool = min(pools, key=lambda p: p.gpu_gib)
    serving = serving_for(model, pool, vllm)
    ranks = model.nodes     # across nodes: data parallel engines, expert parallel over all GPUs
    weights = model_weights_gib(model, arch, serving.tp, ranks)
    kept = measured_for(model, pool, serving.tp, vllm)
    if kept is not None:    # what a start-up log of this model on this GPU measured
        weights, serving = kept.weightsGiB, replace(serving, overhead_gib=kept.overheadGiB)
    estimate = gpufit.estimate(arch, weights, serving)
    measured = kept.log if kept is not None else ""
    if estimate.fits:
        return Fit(True, "", estimate, weights_gb, label, pool=pool.name, ranks=ranks, measured=measured)
    longest = gpufit.largest_max_model_len(arch, weights, serving)
    tps = [tp for tp in (1, 2, 4, 8, 16) if tp <= pool.gpus_per_node
           and (not arch.heads or arch.heads % tp == 0)
           and gpufit.estimate(arch, model_weights_gib(model, arch, tp, ranks),
                               replace(serving, tp=tp)).fits]
    return Fit(False, estimate.reason, estimate, weights_gb, label,
               longest or None, tps[0] if tps else None, pool.name, ranks, measured)


def measured_for(model: Model, pool: PoolPlan, tp: int, vllm: str | None):
    """The model's kept measurement for this pool's GPU, this tensor-parallel size and this
    vLLM release, if there is one."""
    minor, gpu = catalog.vllm_minor(vllm), pool.pool.gpu
    return next((m for m in model.measured if m.gpu == gpu and m.gpus == tp and m.vllm == minor), None)


def serving_for(model: Model, pool: PoolPlan, vllm: str | None = None) -> gpufit.Serving:
    """The vLLM settings of a model (fields, or the same arguments in vllmArgs) on a pool,
    under the environment's vLLM release."""
    dtype = model.setting("kvCacheDtype") or "auto"
    flag = model.flag("--max-num-batched-tokens")
    batched = flag_number(flag) if flag is not None else None
    tp = max(1, model.setting("gpus") or 1)
    return gpufit.Serving(
        gpu_gib=pool.gpu_gib, batch_defaults=pool.gpu.batch_defaults,
        engine=catalog.engine(vllm), sms=pool.gpu.sms,
        non_torch_gib=gpufit.non_torch_gib(pool.gpu, tp),
        tp=tp,
        utilization=model.setting("gpuMemoryUtilization") or catalog.GPU_MEMORY_UTILIZATION,
        max_model_len=model.max_model_len, max_num_batched_tokens=int(batched) if batched else None,
        max_num_seqs=model.setting("maxNumSeqs"), kv_bytes=1 if dtype.startswith("fp8") else 2,
        enforce_eager=bool(model.setting("enforceEager")), generate=model.task != "embed")


def model_weights_gib(model: Model, arch: catalog.Architecture, tp: int, ranks: int = 1) -> float:
    """Weights per GPU: the stated checkpoint size, what vLLM loads for a catalog model in its
    own precision, else parameters x precision; split by `tp`, and a mixture of experts over
    the `ranks` x `tp` GPUs of a replica spanning nodes."""
    served = model.served_precision
    on_load = served != model.precision         # quantised by vLLM as it loads: not sizeGB
    stated = model.sizeGB * catalog.GB / catalog.GIB if model.sizeGB is not None and not on_load else None
    per_gpu = served_weights_gib(arch, model.parameters, served, tp, stated)
    return gpufit.expert_parallel_weights(arch, per_gpu, tp, ranks * tp) if ranks > 1 else per_gpu


def served_weights_gib(arch: catalog.Architecture, params: float, served: str, tp: int,
                       stated_gib: float | None = None) -> float:
    """Weights per GPU of a checkpoint held in `served` precision: the stated size, else what
    vLLM loads for MXFP4 where the catalog knows it, else parameters x precision."""
    native = stated_gib if stated_gib is not None else (
        arch.loaded_gib if arch.loaded_gib and served == "mxfp4" else None)
    return gpufit.weights_gib(arch, params, catalog.PRECISIONS[served], tp,
                              served not in catalog.UNQUANTISED, native)


def model_architecture(model: Model) -> tuple[str, catalog.Architecture] | None:
    """(where from, facts): the portfolio's `architecture`, else the catalog by source."""
    spec = model.architecture
    if spec is None:
        return catalog.architecture_for(model.source)
    if isinstance(spec, str):
        return catalog.architecture_for(spec) or catalog.architecture_from_config(spec)
    return "architecture", catalog.Architecture(
        spec.layers, spec.kvHeads, spec.headDim, spec.context or 0, spec.hiddenSize or 0,
        spec.attentionHeads or 0, spec.intermediateSize or 0, spec.vocabSize or 0,
        spec.tiedEmbeddings, spec.experts, spec.activeExperts, spec.expertIntermediateSize,
        spec.slidingWindow, spec.slidingLayers,
        mla_dim=spec.kvLoraRank + spec.qkRopeHeadDim if spec.kvLoraRank else 0,
        dense_layers=spec.denseLayers, state_layers=spec.stateLayers,
        state=catalog.State(spec.state.kind, spec.state.convKernel, spec.state.inner, spec.state.heads,
                            spec.state.headDim, spec.state.dState, spec.state.groups) if spec.state else None)


def eligible_pools(model: Model, pools: list[PoolPlan]) -> list[PoolPlan]:
    """Named pools, in the ClusterQueue's order; or any pool whose nodes hold `gpus`."""
    if model.pools:
        wanted = set(model.pools)
        return [p for p in pools if p.name in wanted]
    return [p for p in pools if p.gpus_per_node >= max(1, model.gpus)]


def pod_size(model: Model, pools: list[PoolPlan]) -> tuple[float, float, float]:
    """cpu, memory (GiB) and ephemeral storage (GiB) one pod requests: the model's own
    `resources.requests`, else half of its GPUs' share of the smallest eligible node, so that
    it fits every pool it may land on. The one sizing both the InferenceService and the
    admission prediction use (Kueue counts the pod's requests)."""
    cpu = max(1, min(p.cpu_per_gpu for p in pools) * model.gpus // 2)
    mem = max(1, min(p.memory_gib_per_gpu for p in pools) * model.gpus // 2)
    given = model.resources
    if given is None:
        return cpu, mem, 0
    return (given.request("cpu") or cpu, given.request("memory", 2**30) or mem,
            given.request("ephemeral-storage", 2**30) or 0)


def resolve(portfolio: Portfolio) -> Plan:
    return Plan(portfolio, [resolve_env(portfolio, env.name) for env in portfolio.environments])


def resolve_env(portfolio: Portfolio, env_name: str, states: dict[str, str] | None = None) -> EnvPlan:
    """One environment; `states` (model name -> state) over the portfolio and the
    environment's overrides: the plan of a switch before anyone makes it."""
    env = next(e for e in portfolio.environments if e.name == env_name)
    o = env.overrides
    quota = dict(portfolio.quota.gpus)
    queueing, preemption = portfolio.quota.queueingStrategy, portfolio.quota.preemption
    if o.quota:
        quota = dict(o.quota.gpus) if o.quota.gpus is not None else quota
        queueing = o.quota.queueingStrategy or queueing
        preemption = o.quota.preemption or preemption
    pools = [pool_plan(p, quota) for p in (o.pools if o.pools is not None else portfolio.pools)]
    ops = portfolio.platform.operators
    operators = {name: getattr(ops, name).enabled for name in type(ops).model_fields}
    for name in operators:
        toggle = getattr(o.platform.operators, name)
        if toggle is not None:
            operators[name] = toggle.enabled
    t = target(portfolio, env)
    models = []
    for model in portfolio.models:
        state: str = o.models[model.name].state if model.name in o.models else model.state
        state = (states or {}).get(model.name, state)
        pools_for = eligible_pools(model, pools)
        mp = ModelPlan(model, state, [p.name for p in pools_for],
                       decide_storage(model, portfolio), gpu_fit(model, pools_for, t.vllm), t.vllm,
                       mode=model.mode or portfolio.serving.mode)
        if pools_for or pools:
            mp.cpu, mp.memory_gib, mp.disk_gib = pod_size(model, pools_for or pools)
        models.append(mp)
    components = {c: o.components.get(c, True) for c in COMPONENTS}
    rendered = [m for m in models if m.state != "off"]
    if not any(m.storage.upload for m in rendered):
        components["uploads"] = False
    for name in COMPONENTS:     # a section's `enabled: false` (the load test, the optional ones)
        if not portfolio.switched_on(name):
            components[name] = False
    lt = o.loadtest
    plan = EnvPlan(
        env.name, env.cluster, components, operators, pools, quota, queueing, preemption, models,
        loadtest_replicas=(lt.replicas if lt and lt.replicas is not None else portfolio.loadtest.replicas),
        loadtest_stages=(lt.stages if lt and lt.stages is not None else portfolio.loadtest.stages),
        chat_share=(lt.chatShare if lt and lt.chatShare is not None else portfolio.loadtest.chatShare),
        target=t,
    )
    admit(plan, portfolio)
    return plan


def admit(plan: EnvPlan, portfolio: Portfolio) -> None:
    """Predict Kueue's admission for every active model's pods (see module docstring)."""
    priorities = portfolio.quota.priorities
    kueue = plan.components["kueue"]
    remaining: dict[str, dict[str, float]] = {p.name: {"gpu": p.quota_gpus, "cpu": p.quota_gpus * p.cpu_per_gpu,
                          "mem": p.quota_gpus * p.memory_gib_per_gpu,
                          "disk": p.quota_gpus * p.disk_gib_per_gpu} for p in plan.pools}
    # free GPUs per node: Kueue admits against quota, the scheduler then needs one node
    nodes = {p.name: [p.gpus_per_node] * p.pool.nodes for p in plan.pools}
    plan.used = {p.name: 0 for p in plan.pools}
    plan.pending = {p.name: 0 for p in plan.pools}
    # Without Kueue the priority labels are not rendered: pods start in portfolio order.
    order = sorted(enumerate(plan.models), key=lambda im: (
        -priorities.get(im[1].model.priority or "", 0) if kueue else 0, im[0]))
    blocker = None          # StrictFIFO: the head that waits, and everything behind it
    for _, mp in order:
        if not plan.components["serving"]:
            mp.admission, mp.reason = "Off", "serving is off in this environment"
            continue
        if mp.state != "active":
            mp.admission = STATES[mp.state]
            mp.reason = "replicas 0: holds no GPUs" if mp.state == "standby" else "not rendered"
            continue
        gpus, pods = mp.model.gpus, mp.model.nodes     # per pod; pods per replica (one group)
        group = gpus * pods
        if not mp.pools:
            mp.admission, mp.reason = "Pending", "no pool can hold it: see the GPU findings"
            if kueue and plan.queueing == "StrictFIFO":
                blocker = blocker or mp.name
            continue
        if not kueue:
            place_without_kueue(plan, mp, nodes)
            continue
        if blocker is not None:
            mp.admission = "Pending"
            mp.reason = (f"blocked behind {blocker}: StrictFIFO admits no workload while the "
                         "head of the queue waits")
            plan.pending[mp.pools[0]] += group * mp.replicas
            continue
        unschedulable = None
        for _ in range(mp.replicas):
            flavor = None
            for name in mp.pools:       # a group's pods all take one flavor, or none is admitted
                need = {"gpu": group, "cpu": mp.cpu * pods, "mem": mp.memory_gib * pods,
                        "disk": mp.disk_gib * pods}
                if all(remaining[name][r] >= need[r] for r in need):
                    for r in need:
                        remaining[name][r] -= need[r]
                    flavor = name
                    break
            if flavor:
                plan.used[flavor] += group
                spots = place(nodes[flavor], gpus, pods)
                if spots is None:
                    unschedulable = flavor
                    continue
                for i in spots:
                    nodes[flavor][i] -= gpus
                mp.flavors.append(flavor)
                mp.admitted_replicas += 1
                mp.monthly_usd += monthly_usd(plan.pool(flavor), group)
            else:
                plan.pending[mp.pools[0]] += group
                if plan.queueing == "StrictFIFO":
                    blocker = mp.name
        mp.flavor = mp.flavors[0] if mp.flavors else None
        if mp.admitted_replicas == mp.replicas:
            mp.admission = "Admitted"
            mp.reason = on_flavors(mp)
        elif unschedulable:
            mp.admission = "Pending"
            mp.reason = (f"admitted, but no {unschedulable} node has {gpus} free GPUs"
                         f"{f' for each of {pods} pods' if pods > 1 else ''}: the quota is above "
                         "the pool's GPUs")
        else:
            mp.admission = "Pending"
            mp.reason = pending_reason(plan, mp)
        if mp.model.scaling:
            mp.reason += scaling_note(mp)


def place(free: list[int], gpus: int, pods: int) -> list[int] | None:
    """Nodes for the `pods` pods of one group, `gpus` each (first fit; a node may take
    several), or None when they do not all fit: the scheduler starts a group whole or not."""
    left, spots = list(free), []
    for _ in range(pods):
        i = next((i for i, f in enumerate(left) if f >= gpus), None)
        if i is None:
            return None
        left[i] -= gpus
        spots.append(i)
    return spots


def scaling_note(mp: ModelPlan) -> str:
    low, high = mp.model.scaling.minReplicas, mp.model.scaling.maxReplicas   # type: ignore[union-attr]
    if mp.admitted_replicas >= high:
        return f"; scales {low}-{high}, admitted at its maximum"
    held = "admitted" if mp.admitted_replicas >= low else f"{mp.admitted_replicas} admitted"
    return f"; scales {low}-{high}: at its minimum of {low}, {held}"


def place_without_kueue(plan: EnvPlan, mp: ModelPlan, nodes: dict[str, list[int]]) -> None:
    """No Kueue in this environment: no quota and no queue, each pod runs where a node of an
    eligible pool has its GPUs free (first fit), or stays Pending in the scheduler."""
    gpus, pods = mp.model.gpus, mp.model.nodes
    for _ in range(mp.replicas):
        spot = next(((name, spots) for name in mp.pools
                     if (spots := place(nodes[name], gpus, pods)) is not None), None)
        if spot is None:
            plan.pending[mp.pools[0]] += gpus * pods
            continue
        name, spots = spot
        for i in spots:
            nodes[name][i] -= gpus
        plan.used[name] += gpus * pods
        mp.flavors.append(name)
        mp.admitted_replicas += 1
        mp.monthly_usd += monthly_usd(plan.pool(name), gpus * pods)
    mp.flavor = mp.flavors[0] if mp.flavors else None
    if mp.admitted_replicas == mp.replicas:
        mp.admission = "Admitted"
        mp.reason = on_flavors(mp, "pool") + " (no Kueue here: node fit only)"
    else:
        done = f"{mp.admitted_replicas}/{mp.replicas} replicas run; " if mp.admitted_replicas else ""
        mp.admission = "Pending"
        where = f"{pods} nodes" if pods > 1 else "node"
        mp.reason = (f"{done}no {where} of {', '.join(mp.pools)} has {gpus} free GPUs "
                     "(no Kueue here: node fit only)")
    if mp.model.scaling:
        mp.reason += scaling_note(mp)


def on_flavors(mp: ModelPlan, what: str = "flavor") -> str:
    """'on flavor a', or for replicas spread over flavors 'on flavors a (1), b (1)'."""
    counts = {name: mp.flavors.count(name) for name in dict.fromkeys(mp.flavors)}
    if len(counts) == 1:
        return f"on {what} {mp.flavors[0]}"
    return f"on {what}s " + ", ".join(f"{name} ({n})" for name, n in counts.items())


def pending_reason(plan: EnvPlan, mp: ModelPlan) -> str:
    gpus = mp.group_gpus
    biggest = max(plan.pool(n).quota_gpus for n in mp.pools)
    if gpus > biggest:
        return (f"never admitted: needs {gpus} GPUs, the largest quota among "
                f"{', '.join(mp.pools)} is {biggest}")
    free = ", ".join(f"{n} {plan.pool(n).quota_gpus - plan.used[n]}/{plan.pool(n).quota_gpus} free"
                     for n in mp.pools)
    done = f"{mp.admitted_replicas}/{mp.replicas} replicas admitted; " if mp.admitted_replicas else ""
    return f"{done}quota: needs {gpus} GPUs ({free})"


def unpriced(env: EnvPlan, model: ModelPlan | None = None) -> bool:
    """A model (or any model of the environment) runs on a pool with no known price."""
    models = [model] if model is not None else env.models
    return any(env.pool(f).hourly_usd is None for m in models for f in m.flavors)


def monthly_usd(pool: PoolPlan, gpus: int) -> float:
    """0 for a pool without a price: the report says n/a, it never invents one."""
    if pool.hourly_usd is None:
        return 0.0
    return gpus * pool.hourly_usd / pool.gpus_per_node * catalog.HOURS_PER_MONTH


