"""What each portfolio field means, as editors show it on hover (`gpuaas schema`): one entry
per field, keyed <Model>.<field> as the JSON Schema's $defs name them (Portfolio for the top)."""
from __future__ import annotations

DESCRIPTIONS: dict[str, str] = {
    "Portfolio.apiVersion": "The format of this file: always `gpuaas/v1`.",
    "Portfolio.kind": "The kind of document: always `Portfolio`.",
    "Portfolio.metadata": "The portfolio's name (which names the rendered tree and prefixes the Argo CD objects) and an optional description.",
    "Portfolio.gitops": (
        "Where Argo CD finds the rendered tree: the Git repository, the revision it syncs, the tree's path in it, Argo CD's namespace and "
        "AppProject."),
    "Portfolio.platform": (
        "What each cluster runs beneath the models: the OpenShift version, the OpenShift AI release and channel, and the operators' Subscriptions "
        "(cert-manager, Kueue, NFD, NVIDIA GPU)."),
    "Portfolio.environments": (
        "The clusters this portfolio is rendered for, at least one: one ApplicationSet element each, with optional per-environment overrides."),
    "Portfolio.pools": (
        "The GPU node pools, at least one: each becomes a Kueue ResourceFlavor and a HardwareProfile. Their order is the order in which Kueue "
        "tries them for every model: list the preferred pool first."),
    "Portfolio.quota": "Kueue's queues, the nominal GPU quota per pool, the queueing and preemption behaviour, and the priority classes models name.",
    "Portfolio.storage": (
        "Where model weights come from: the OCI ModelCar size limit, the S3 bucket and its connection Secret, the upload Jobs, and existing "
        "PersistentVolumeClaims."),
    "Portfolio.serving": (
        "How models are served: the serving namespace, the vLLM ServingRuntime and version, the external route, token auth, and the default "
        "serving mode (`kserve` or `llm-d`)."),
    "Portfolio.models": "The models to serve on the pools, each with its source, size, precision, GPUs per replica and state. Default: none.",
    "Portfolio.loadtest": (
        "A k6 load test against the active models, rendered at 0 replicas and started per environment by a commit. Off unless `enabled: true`."),
    "Portfolio.registry": "The OpenShift AI Model Registry, with a Job that registers every rendered model. Off unless `enabled: true`.",
    "Portfolio.workbench": (
        "The gpu-switchboard Jupyter workbench, whose notebook plays the GPU scenarios (conflict, handover, efficiency) against the cluster. Off "
        "unless `enabled: true`."),
    "Portfolio.evaluation": (
        "Per active chat model, an lm-eval LMEvalJob and a GuideLLM benchmark, publishing to the registry when it is on. Off unless `enabled: "
        "true`."),

    "ArchitectureSpec.kvLoraRank": (
        "Multi-head latent attention (DeepSeek-V2/V3/R1): the latent's width (config.json `kv_lora_rank`); with it the KV cache keeps "
        "`kvLoraRank + qkRopeHeadDim` values per token and layer instead of 2 x KV heads x head dim. Default: `0` (no MLA)."),
    "ArchitectureSpec.qkRopeHeadDim": "MLA's rope key width (config.json `qk_rope_head_dim`), kept beside the latent. Default: `0`.",
    "ArchitectureSpec.denseLayers": (
        "Leading layers with a dense MLP instead of experts (config.json `first_k_dense_replace`); sizes what expert parallelism "
        "splits. Default: `0`."),
    "ArchitectureSpec.layers": "Number of transformer layers (config.json `num_hidden_layers`).",
    "ArchitectureSpec.kvHeads": "Number of key/value attention heads (config.json `num_key_value_heads`); sizes the KV cache.",
    "ArchitectureSpec.headDim": "Dimension of one attention head (config.json `head_dim`, or hidden size / attention heads); sizes the KV cache.",
    "ArchitectureSpec.context": (
        "The model's maximum context in tokens (config.json `max_position_embeddings`): the request length vLLM assumes when `maxModelLen` is not "
        "set."),
    "ArchitectureSpec.hiddenSize": "Optional: config.json `hidden_size`, for the activation and weights estimate.",
    "ArchitectureSpec.attentionHeads": "Optional: config.json `num_attention_heads`, for the activation and weights estimate.",
    "ArchitectureSpec.intermediateSize": "Optional: config.json `intermediate_size` (the MLP width), for the activation and weights estimate.",
    "ArchitectureSpec.vocabSize": "Optional: config.json `vocab_size`, for the activation and weights estimate.",
    "ArchitectureSpec.tiedEmbeddings": "Whether input and output embeddings share weights (config.json `tie_word_embeddings`). Default: `false`.",
    "ArchitectureSpec.experts": (
        "Mixture-of-experts models: number of experts per layer (config.json `num_local_experts`). Default: `0` (a dense model)."),
    "ArchitectureSpec.activeExperts": "Mixture-of-experts models: experts used per token (config.json `num_experts_per_tok`). Default: `0`.",
    "ArchitectureSpec.expertIntermediateSize": (
        "Mixture-of-experts models: the MLP width of one expert (config.json `moe_intermediate_size`). Default: `0`."),
    "ArchitectureSpec.stateLayers": (
        "Hybrid models: how many layers keep a fixed state per request (Mamba, gated DeltaNet); `layers` then counts the attention "
        "layers. With `state`. Default: `0`."),
    "ArchitectureSpec.state": "Hybrid models: the state layers' shape (`kind`, `convKernel`, `inner`, `heads`, `headDim`, `dState`, `groups`).",
    "StateSpec.kind": "`mamba2` (Granite 4.0 H, Nemotron-H, Falcon-H1), `mamba1` (Jamba) or `gdn` (Qwen3-Next's gated DeltaNet).",
    "StateSpec.convKernel": "The convolution's width: config.json `mamba_d_conv`, `conv_kernel` or `linear_conv_kernel_dim`. Default: `4`.",
    "StateSpec.inner": "Mamba: the inner width, `mamba_expand` x `hidden_size` (Nemotron-H: heads x head dim). Default: `0`.",
    "StateSpec.heads": "Mamba-2: `mamba_n_heads`; gated DeltaNet: `linear_num_value_heads`. Default: `0`.",
    "StateSpec.headDim": "Mamba-2: `mamba_d_head`; gated DeltaNet: `linear_value_head_dim`. Default: `0`.",
    "StateSpec.dState": "Mamba: `mamba_d_state` (`ssm_state_size`); gated DeltaNet: `linear_key_head_dim`. Default: `0`.",
    "StateSpec.groups": "Mamba-2: `mamba_n_groups` (`n_groups`); gated DeltaNet: `linear_num_key_heads`. Default: `0`.",
    "ArchitectureSpec.slidingWindow": "Sliding-window attention: the window in tokens (config.json `sliding_window`). Default: `0` (none).",
    "ArchitectureSpec.slidingLayers": (
        "How many of the layers use the sliding window (at most `layers`); the KV cache is counted as vLLM allocates it. Default: `0`."),

    "Channel.channel": (
        "The OLM channel of the OpenShift AI operator. Default: the release's own: `fast-3.x` for 3.0, `stable-3.3`, `stable-3.4`, `stable-3.5` "
        "(`eus-3.5` may be chosen for 3.5)."),
    "Channel.components": (
        "DataScienceCluster component states, `Managed` or `Removed`, for aipipelines, feastoperator, llamastackoperator, modelregistry, ray, "
        "trainingoperator, trustyai, workbenches. Components not listed are left as another manager set them."),
    "Channel.version": (
        "The OpenShift AI release (`3.0`, `3.3`, `3.4`, `3.5`: its newest CSV on the channel) or one CSV of it (`3.3.4`), as `3.5` or \"3.5\". A "
        "pin gets Manual install plans and an approver; `null` follows the channel unpinned. Default: `3.0.0`."),

    "Database.inCluster": (
        "`true`: the operator provisions a small PostgreSQL beside the registry, for demos (its data goes when it goes). Default: `false`, an "
        "external database named by the fields below."),
    "Database.type": "The external database's engine: `mysql` or `postgres`. Default: `mysql`.",
    "Database.host": "Host name of the external database, e.g. a Service's DNS name. Required unless `inCluster: true`.",
    "Database.port": "Port of the external database. Default: unset, the operator's default for the database type.",
    "Database.database": "Name of the database the registry uses. Default: `model_registry`.",
    "Database.username": "The database user the registry connects as. Required unless `inCluster: true`.",
    "Database.passwordSecret": (
        "Name of the Secret, in the registry's namespace, that holds the database password (never the password itself). Required unless "
        "`inCluster: true`."),
    "Database.passwordKey": "The key in `passwordSecret` that holds the password. Default: `database-password`.",

    "Environment.name": "The environment's name, a DNS label of at most 40 characters: one ApplicationSet element and one part of the rendered tree.",
    "Environment.cluster": (
        "The API server URL Argo CD knows the cluster by, e.g. `https://api.example.com:6443`. Default: `https://kubernetes.default.svc` (the "
        "cluster Argo CD runs on)."),
    "Environment.overrides": (
        "What differs in this environment: its pools, quota, model states, OpenShift AI release and operators, switched-off components and load "
        "test. Every key is optional."),

    "Evaluation.enabled": (
        "`true` renders the evaluation: DataScienceCluster `trustyai: Managed`, and per active chat model an LMEvalJob and a GuideLLM benchmark "
        "Job. Default: `false`."),
    "Evaluation.namespace": "Namespace the evaluation Jobs run in (not Kueue-managed). Default: `gpuaas-evaluation`.",
    "Evaluation.tasks": "lm-eval task names run against each active chat model, at least one. Default: `[hellaswag, arc_easy]`.",
    "Evaluation.limit": "Samples per task (the LMEvalJob's `limit`). Default: unset, all samples.",
    "Evaluation.rates": "GuideLLM benchmark rates in requests per second, each run at a constant rate for `maxSeconds`. Default: `[1, 4, 8]`.",
    "Evaluation.maxSeconds": "How long the benchmark runs at each rate, in seconds. Default: `60`.",
    "Evaluation.promptTokens": "Length of the benchmark's synthetic prompts, in tokens. Default: `512`.",
    "Evaluation.outputTokens": "Tokens the benchmark asks for per response. Default: `128`.",
    "Evaluation.image": "The GuideLLM image that runs the benchmark. Default: `ghcr.io/vllm-project/guidellm:v0.8.1`.",
    "Evaluation.publishImage": (
        "A python3 image that publishes results to the model registry. Default: `registry.access.redhat.com/ubi9/python-311:latest`."),

    "Gitops.repoURL": (
        "The Git repository Argo CD reads the rendered tree from: `https://host/org/repo.git`, `ssh://git@host/org/repo.git` or "
        "`git@host:org/repo.git`. Required."),
    "Gitops.targetRevision": "The branch, tag or commit Argo CD syncs. Default: `main`.",
    "Gitops.path": "Where the rendered tree sits inside the repository, e.g. `rendered/starter` (no `..`). Default: `rendered/<metadata.name>`.",
    "Gitops.argocdNamespace": "The namespace Argo CD runs in, where the ApplicationSet and Applications go. Default: `openshift-gitops`.",
    "Gitops.project": "The Argo CD AppProject of the rendered Applications. Default: `default`.",

    "Loadtest.enabled": "`true` renders the load test: a namespace, a ConfigMap with the k6 script and a Deployment at `replicas`. Default: `false`.",
    "Loadtest.namespace": "Namespace the k6 Deployment runs in (not Kueue-managed). Default: `gpuaas-loadtest`.",
    "Loadtest.tokenSecret": (
        "Name of the Secret holding the bearer token k6 sends (never its value). With `serving.auth: true` it is rendered as a service-account "
        "token Secret the cluster fills. Default: `loadtest-token`."),
    "Loadtest.image": "The k6 image. Default: `docker.io/grafana/k6:1.1.0`.",
    "Loadtest.replicas": (
        "Replicas of the k6 Deployment: `0` renders it idle. Start a run with a commit, usually per environment in `overrides.loadtest.replicas: "
        "1`. Default: `0`."),
    "Loadtest.stages": "k6 ramping stages, each `{duration, target}` virtual users, at least one. Default: 2m/10, 3m/35, 2m/5, 3m/45, 2m/0.",
    "Loadtest.chatShare": (
        "Share of requests (0 to 1) sent to the active chat models' `/v1/chat/completions`; the rest go to the embedding models' `/v1/embeddings`. "
        "Default: `0.5`."),
    "Loadtest.thresholds": "When the run fails: above this error rate or this 95th-percentile latency. Default: `{errorRate: 0.05, p95Ms: 30000}`.",
    "Loadtest.maxTokens": "`[min, max]` of the `max_tokens` a chat request asks for, drawn at random. Default: `[64, 512]`.",
    "Loadtest.promptChars": "`[min, max]` length of a chat prompt, in characters. Default: `[200, 4000]`.",
    "Loadtest.embedBatch": "`[min, max]` inputs per embeddings request. Default: `[1, 16]`.",
    "Loadtest.embedChars": "`[min, max]` length of one embedding input, in characters. Default: `[50, 1500]`.",
    "Loadtest.sleepMaxSeconds": "Each virtual user pauses a random 0 to this many seconds between requests. Default: `1.5`.",

    "LoadtestOverride.replicas": (
        "The k6 Deployment's replicas in this environment: `1` starts the load test (by a commit), `0` stops it. Default: `loadtest.replicas`."),
    "LoadtestOverride.stages": "The k6 stages in this environment, replacing `loadtest.stages`; at least one.",
    "LoadtestOverride.chatShare": "Share of requests (0 to 1) sent to chat models in this environment. Default: `loadtest.chatShare`.",

    "Metadata.name": (
        "The portfolio's name, a DNS label of at most 53 characters: it names `rendered/<name>/` and prefixes the Argo CD objects. Required."),
    "Metadata.description": "A short description, shown at the top of the rendered tree's README. Default: empty.",

    "Model.name": (
        "The model's name, a DNS label of at most 53 characters (KServe appends `-predictor`): it names the InferenceService and everything "
        "rendered for the model. Required, unique."),
    "Model.source": "Where the weights are: `hf://org/model`, `oci://registry/image:tag`, `s3://bucket/path` or `pvc://claim/path`. Required.",
    "Model.params": (
        "Parameter count, as `24B`, `350M`, `8.2B` or a plain number. With `precision` it sizes the weights (unless `sizeGB` is set). Required."),
    "Model.precision": (
        "The checkpoint's precision, what it stores: `fp32 bf16 fp16 fp8 int8 w8a8 w4a16 int4 mxfp4`. It sizes the upload, the node disk and the "
        "GPU fit, and must agree with the checkpoint's config or name. Required."),
    "Model.gpus": (
        "GPUs per replica, which is vLLM's tensor-parallel size (`--tensor-parallel-size`); at least 1, all on one node of the pool. Required."),
    "Model.pool": (
        "The pool, or a list of pools, the model may run on. Not an order of preference: Kueue tries pools in the order of `pools`. Default: any "
        "pool whose nodes hold `gpus`."),
    "Model.state": (
        "`active`: runs `replicas` pods holding their GPUs; `standby`: rendered at 0 replicas, holds no GPUs; `off`: not rendered. Default: "
        "`active`."),
    "Model.priority": (
        "The name of a priority declared in `quota.priorities`: higher values are admitted first and, with `preemption: LowerPriority`, may evict "
        "lower ones. Default: none (counts as 0)."),
    "Model.storage": (
        "How the weights reach the pod: `auto` (`oci://` as a ModelCar; `hf://` uploaded once to S3 when `storage.s3` is set, else pulled at pod "
        "start), or `oci`, `s3`, `pvc`, `hf`, which must suit the source. Default: `auto`."),
    "Model.sizeGB": (
        "Size of the checkpoint's weights in GB, when it differs from the estimate. Default: `params` x bytes per parameter of `precision`."),
    "Model.format": (
        "The quantisation format the checkpoint declares, e.g. `compressed-tensors`; vLLM detects it, the checks use it. Default: inferred from "
        "`precision` and `source`, where possible."),
    "Model.quantization": (
        "`fp8`: vLLM quantises a 16-bit checkpoint to FP8 as it loads it (`--quantization=fp8`). The GPU fit sizes FP8 weights; the upload and the "
        "disk stay the checkpoint's 16-bit bytes. Default: none."),
    "Model.mode": (
        "How this model is served: `kserve` (an InferenceService) or `llm-d` (an LLMInferenceService behind the llm-d inference scheduler; reads "
        "its model by URI, so an `hf://` source sets `storage: hf`). Default: `serving.mode`."),
    "Model.task": "`chat` (completions and chat completions) or `embed` (an embedding model). Default: `chat`.",
    "Portfolio.fleet": (
        "The clusters environments can select by label (`environments[].clusters`): inline in `clusters`, or in a shared `inventory` file. "
        "Default: none."),
    "Fleet.clusters": "The clusters of the fleet: name, API server, labels and what differs on each (release, pools, quota). Default: `[]`.",
    "Fleet.inventory": (
        "A YAML file of clusters beside the portfolio (a list, or a mapping with `clusters`), which several portfolios can share; "
        "`gpuaas` reads it as it reads the portfolio. Default: none."),
    "Fleet.engine": (
        "Who selects the clusters: `argocd` (Argo CD's cluster generator over its cluster Secrets' labels) or `acm` (Red Hat Advanced "
        "Cluster Management: a Placement over the ManagedClusters' labels, a GitOpsCluster registering them in Argo CD, and the "
        "clusterDecisionResource generator). Default: `argocd`."),
    "InventoryCluster.name": "The cluster's name in Argo CD (its cluster Secret's `name`), a DNS label of at most 30 characters.",
    "InventoryCluster.server": "The cluster's API server URL, as Argo CD's cluster Secret holds it.",
    "InventoryCluster.labels": "The cluster Secret's labels, which environments select by, e.g. `{region: eu-west, tier: edge}`. Default: `{}`.",
    "InventoryCluster.rhoai": "The OpenShift AI release and channel this cluster runs, when it is not the portfolio's. Default: the portfolio's.",
    "InventoryCluster.pools": "This cluster's GPU pools, replacing the portfolio's `pools` there. Default: the portfolio's.",
    "InventoryCluster.quota": "This cluster's quota overrides (GPUs per pool, queueing, preemption). Default: the portfolio's.",
    "Environment.clusters": (
        "Make this environment a fleet: `{matchLabels, count}` selects the inventory's clusters by label (every match, or the first `count` by "
        "name); each becomes an environment `<name>-<cluster>`, and Argo CD's cluster generator picks up a cluster that joins with the labels. "
        "Default: none (one cluster, `cluster`)."),
    "ClusterSelector.matchLabels": "Labels a cluster must all have to be selected, e.g. `{tier: edge}`.",
    "ClusterSelector.count": "How many of the matching clusters the environment needs (the first by name); Default: every match.",
    "Model.replicas": "Pods of the model while it is active, each with `gpus` GPUs. Default: `1`.",
    "Model.nodes": (
        "llm-d only: the nodes one replica spans, `gpus` on each (a LeaderWorkerSet group Kueue admits whole). A mixture-of-experts model "
        "then runs data and expert parallel across the nodes, tensor parallel within each, so its experts are split over every GPU. Default: `1`."),
    "Model.clusters": (
        "In a fleet: `{matchLabels}`, the clusters this model runs on (it is off on the other clusters of every fleet environment). "
        "Default: every cluster of the environments that serve it."),
    "ModelPlacement.matchLabels": "Labels a fleet cluster must all have for the model to run there, e.g. `{region: eu-west}`.",
    "Model.scaling": (
        "llm-d on OpenShift AI 3.4 and later: `{minReplicas, maxReplicas}` instead of `replicas`, scaled by the workload-variant autoscaler "
        "through an HPA. The plan admits at `maxReplicas` and says what runs at `minReplicas`. Default: none (fixed `replicas`)."),
    "Scaling.minReplicas": "Replicas the autoscaler keeps at least. Default: `1`.",
    "Scaling.maxReplicas": "Replicas the autoscaler may reach; Kueue's quota must hold them all for the model to be planned Admitted.",
    "Model.maxModelLen": (
        "Longest request in tokens, prompt plus output (vLLM `--max-model-len`); it drives the KV-cache fit. Default: the model's whole context."),
    "Model.vllmArgs": (
        "Further vLLM arguments, e.g. `--enable-prefix-caching` or `--max-num-batched-tokens=8192`, checked against the argument parser of the "
        "vLLM each environment serves. Default: `[]`."),
    "Model.revision": "The Hugging Face revision (branch, tag or commit) an upload Job fetches. Default: unset, the repository's current revision.",
    "Model.architecture": (
        "For a model the catalog does not know: its config.json facts (`{layers, kvHeads, headDim, context}` and more), a catalog repository "
        "(`org/name`, for weights in S3 or a PVC), or the path of a local config.json or Hugging Face cache directory."),
    "Model.displayName": "A human-readable name, shown in the OpenShift AI dashboard and the model registry. Default: the model's `name`.",
    "Model.gpuMemoryUtilization": (
        "Fraction of each GPU's memory vLLM may use, above 0 and at most 1 (vLLM `--gpu-memory-utilization`). Default: `0.9`."),
    "Model.kvCacheDtype": (
        "Data type of the KV cache (vLLM `--kv-cache-dtype`): `auto` (the model's), `bfloat16`, `fp16`, `fp8`, `fp8_e4m3`, `fp8_e5m2`; FP8 holds "
        "twice the tokens. Default: `auto`."),
    "Model.maxNumSeqs": "Most sequences one replica serves at once (vLLM `--max-num-seqs`). Default: vLLM's.",
    "Model.enforceEager": "`true` runs vLLM without CUDA graphs (`--enforce-eager`): less GPU memory, slower decoding. Default: `false`.",
    "Model.minConcurrency": "Fewest whole `maxModelLen` requests the KV cache should hold at once; below it GPU_CONCURRENCY warns. Default: `1`.",
    "Model.measured": ("What start-up logs measured for this model (`gpuaas calibrate LOG --model NAME --keep` "
                       "writes it): the plan uses an entry where GPU, GPU count and vLLM release match."),
    "Measured.gpu": "The catalog GPU the log was taken on (a pool's `gpu`).",
    "Measured.gpus": "GPUs per replica (tensor parallel) of the logged run.",
    "Measured.vllm": "The vLLM release (major.minor) that logged it: an environment running another release keeps the estimate.",
    "Measured.weightsGiB": "\"Model loading took\" per GPU, in GiB, as vLLM logged it.",
    "Measured.overheadGiB": ("What gpu-memory-utilization allows less the weights, the logged KV pool and vLLM's "
                             "CUDA graph estimate where it takes one: the profile's activation and non-torch "
                             "memory, in GiB."),
    "Measured.log": "The start-up log the numbers came from: sha256: and the first 12 hex digits of its text.",
    "Model.resources": (
        "The pod's own cpu, memory and ephemeral-storage requests and limits (GPUs come from `gpus`). What is not given keeps the default: "
        "requests half the GPUs' share of the smallest eligible node, a memory limit of 1.5 x the request."),

    "ModelOverride.state": "The model's state in this environment: `active`, `standby` or `off`, replacing its `state`.",

    "OperatorOverrides.certManager": (
        "`{enabled: false}` drops the cert-manager Subscription in this environment (`true` keeps it). Default: the portfolio's."),
    "OperatorOverrides.kueue": (
        "`{enabled: false}` drops the Kueue operator Subscription in this environment (`true` keeps it). Default: the portfolio's."),
    "OperatorOverrides.nfd": (
        "`{enabled: false}` drops the Node Feature Discovery Subscription and its NodeFeatureDiscovery in this environment. Default: the "
        "portfolio's."),
    "OperatorOverrides.nvidiaGpu": (
        "`{enabled: false}` drops the NVIDIA GPU Operator Subscription and its ClusterPolicy in this environment. Default: the portfolio's."),

    "OperatorSpec.enabled": (
        "`false` drops this operator's Subscription (and for NFD and the GPU operator their NodeFeatureDiscovery or ClusterPolicy), e.g. when the "
        "cluster installs it already. Default: `true`."),
    "OperatorSpec.channel": (
        "The operator's OLM channel. Defaults: `stable-v1` (cert-manager), the release's pairing (Kueue), `stable` (NFD), `v25.10` (NVIDIA GPU). "
        "List a cluster's channels with `oc get packagemanifest`."),
    "OperatorSpec.version": (
        "Pins the operator to one CSV version, e.g. `1.17.0` (as in the CSV name): a starting CSV and Manual install plans an approver accepts up "
        "to it. Default: `null`, follow the channel."),

    "OperatorToggle.enabled": "`false` drops this operator's Subscription in this environment; `true` keeps it.",

    "Operators.certManager": "The cert-manager Operator for Red Hat OpenShift. Default: enabled, channel `stable-v1`.",
    "Operators.kueue": (
        "The Red Hat build of Kueue operator. Default: enabled, on the channel the environment's OpenShift AI release pairs with: `stable-v1.1` "
        "(3.0), `stable-v1.2` (3.3, 3.4), `stable-v1.4` (3.5)."),
    "Operators.nfd": (
        "The Node Feature Discovery operator and its NodeFeatureDiscovery, which labels the GPU nodes. Default: enabled, channel `stable`."),
    "Operators.nvidiaGpu": (
        "The NVIDIA GPU Operator and its ClusterPolicy (drivers, device plugin, DCGM exporter). Default: enabled, channel `v25.10`."),

    "Overrides.pools": "Replaces the portfolio's pool list in this environment; at least one pool, under the same rules.",
    "Overrides.quota": "This environment's GPU quota per pool (replacing `quota.gpus`), queueing strategy and preemption.",
    "Overrides.models": "Model states in this environment, by model name, e.g. `{devstral-2: {state: active}}`.",
    "Overrides.platform": "This environment's OpenShift AI release and channel, when not the portfolio's, and its operators' switches.",
    "Overrides.components": (
        "`{name: false}` switches a component off in this environment: `operators`, `rhoai`, `kueue`, `serving`, `uploads`, `loadtest`, "
        "`registry`, `workbench`, `evaluation`. Default: all on, as the portfolio's sections allow."),
    "Overrides.loadtest": "The load test's replicas, stages and chat share in this environment, e.g. `{replicas: 1}` to start it.",

    "Platform.openshift": (
        "The clusters' OpenShift version, `4.19` or `4.20` (quoted or not): it selects the Kubernetes schemas (1.32 or 1.33) the tree is checked "
        "against. Default: `4.20`."),
    "Platform.rhoai": (
        "The OpenShift AI release (`version`), its OLM channel, and the DataScienceCluster components the portfolio sets; an environment may "
        "override the release."),
    "Platform.operators": (
        "The OLM Subscriptions rendered besides OpenShift AI: cert-manager, Kueue, Node Feature Discovery and the NVIDIA GPU Operator; each can be "
        "switched off or pinned."),

    "PlatformOverride.rhoai": "This environment's OpenShift AI version and channel, when not the portfolio's (e.g. one environment upgrades first).",
    "PlatformOverride.operators": "Switches operators on or off in this environment, e.g. `{nvidiaGpu: {enabled: false}}`.",

    "PodResources.requests": (
        "The pod's requests: `cpu`, `memory`, `ephemeral-storage`, as Kubernetes quantities (`16`, `500m`, `80Gi`). Default: half the model's "
        "GPUs' share of the smallest eligible node."),
    "PodResources.limits": (
        "The pod's limits: `cpu`, `memory`, `ephemeral-storage`, as Kubernetes quantities. Default: a memory limit of 1.5 x the memory request."),

    "Pool.name": "The pool's name, a DNS label: it names its ResourceFlavor and HardwareProfile, and models and quotas refer to it. Required.",
    "Pool.gpu": (
        "The pool's NVIDIA GPU, from the catalog: `L4 A10G A10 A30 L40 L40S A100-40GB A100-80GB H100 H100-PCIe H100-NVL H200 H200-NVL B200`. "
        "Required."),
    "Pool.instanceType": (
        "A cloud instance type from the catalog (e.g. `g6e.12xlarge`), which gives each node's GPUs, vCPUs, memory and price. Leave it out for "
        "bare metal and describe the nodes with `gpusPerNode`."),
    "Pool.cloud": "`aws`, `azure` or `gcp`: checks `instanceType` against that cloud's table. Optional.",
    "Pool.nodes": "Number of nodes in the pool. Default: `1`.",
    "Pool.gpusPerNode": "GPUs per node. Required without `instanceType`; with one, overrides the catalog's.",
    "Pool.cpuPerNode": "vCPUs each node offers to pods (allocatable). Default: the instance type's, or 8 per GPU without one.",
    "Pool.memoryGiBPerNode": "Memory each node offers to pods, in GiB. Default: the instance type's, or 64 GiB per GPU without one.",
    "Pool.gpuMemoryGB": "Memory of one GPU in GB, for the GPU fit. Default: the catalog's for `gpu`.",
    "Pool.diskGiBPerNode": (
        "Ephemeral storage each node offers to pods (its root volume), in GiB: needed when a model requests `ephemeral-storage`; NODE_DISK warns "
        "when weights pulled to the node do not fit. Default: none."),
    "Pool.hourlyUSD": (
        "Price of one node in USD per hour. Default: the catalog's on-demand list price for `instanceType`; without a price the cost is `n/a`."),
    "Pool.nodeLabels": (
        "Labels that select the pool's nodes, at least one. Default: `nvidia.com/gpu.product` of the GPU, plus `node.kubernetes.io/instance-type` "
        "when the pool names an instance type."),
    "Pool.taintKey": "The taint key of the GPU nodes, which model pods tolerate. Default: `nvidia.com/gpu`.",

    "Quota.clusterQueue": "Name of the Kueue ClusterQueue (also OpenShift AI's default queue). Default: `gpuaas`.",
    "Quota.localQueue": "Name of the Kueue LocalQueue in the serving namespace. Default: `gpuaas`.",
    "Quota.gpus": (
        "Nominal GPU quota per pool, `{pool: GPUs}`; cpu and memory quotas follow each GPU's share of its node. Default: each pool's capacity, "
        "`nodes` x `gpusPerNode`."),
    "Quota.queueingStrategy": (
        "`BestEffortFIFO`: a workload that does not fit is set aside and the next tried; `StrictFIFO`: it blocks the queue behind it. Default: "
        "`BestEffortFIFO`."),
    "Quota.preemption": (
        "`LowerPriority`: a higher-priority workload may evict lower-priority ones; `Never`: running workloads keep their quota. Default: "
        "`LowerPriority`."),
    "Quota.priorities": (
        "Priority classes, `{name: value}`, one WorkloadPriorityClass each; models name them in `priority`, and higher values go first. Default: "
        "`{}`."),

    "QuotaOverride.gpus": "This environment's GPU quota per pool, `{pool: GPUs}`, replacing `quota.gpus` as a whole.",
    "QuotaOverride.queueingStrategy": "This environment's queueing strategy, `BestEffortFIFO` or `StrictFIFO`. Default: `quota.queueingStrategy`.",
    "QuotaOverride.preemption": "This environment's preemption, `LowerPriority` or `Never`. Default: `quota.preemption`.",

    "Registry.enabled": (
        "`true` renders the model registry: DataScienceCluster `modelregistry: Managed`, a ModelRegistry and a Job that registers every rendered "
        "model. Default: `false`."),
    "Registry.name": "Name of the ModelRegistry. Default: `gpuaas-registry`.",
    "Registry.namespace": "Namespace of the ModelRegistry, the DataScienceCluster's `registriesNamespace`. Default: `rhoai-model-registries`.",
    "Registry.database": (
        "The registry's database: an external MySQL or PostgreSQL by reference (host, user, password Secret), or `inCluster: true` for a demo "
        "database."),
    "Registry.image": "A python3 image that runs the registration Job's script. Default: `registry.access.redhat.com/ubi9/python-311:latest`.",

    "RhoaiOverride.version": (
        "This environment's OpenShift AI release (`3.5`) or CSV (`3.3.4`), as `3.5` or \"3.5\"; `null` follows the channel unpinned. Default: "
        "`platform.rhoai.version`."),
    "RhoaiOverride.channel": (
        "This environment's OLM channel for OpenShift AI, e.g. `eus-3.5`. Default: the channel of this environment's release when it sets "
        "`version`, else `platform.rhoai.channel`."),

    "Runtime.name": "Name of the vLLM ServingRuntime. Default: `vllm-cuda-runtime`.",
    "Runtime.image": (
        "The vLLM image models run. Default: the vLLM image of the environment's OpenShift AI release (Red Hat's `vllm-cuda-rhel9`, by digest)."),

    "S3.connection": (
        "Name of the S3 data-connection Secret (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...), never its values; it must exist in the uploads and "
        "the serving namespace. Required."),
    "S3.bucket": "The bucket uploads write to and `s3://` models are served from; it must exist. Required.",
    "S3.endpoint": "The S3 endpoint URL, e.g. `https://s3.us-east-1.amazonaws.com`. Default: empty, the Secret's `AWS_S3_ENDPOINT`.",

    "Serving.namespace": "The namespace models are served in, managed by Kueue. Default: `gpuaas`.",
    "Serving.createNamespace": (
        "`false`: the namespace exists and is owned elsewhere; it is not created, and the tree's README lists the labels it needs. Default: "
        "`true`."),
    "Serving.runtime": "The vLLM ServingRuntime: its name and image.",
    "Serving.vllm": (
        "The vLLM version inside the image, which the argument checks assume, as `0.11` or \"0.11\". Default: that of the environment's release's "
        "image (0.11 for 3.0, 0.13, 0.18, 0.24 for 3.5)."),
    "Serving.expose": "`true`: each model gets an external route. Default: `false`.",
    "Serving.auth": "Token authentication on every model endpoint. Default: `true`.",
    "Serving.mode": (
        "How models are served unless one sets `mode`: `kserve` (an InferenceService) or `llm-d` (an LLMInferenceService behind the Gateway API "
        "with the llm-d inference scheduler). Default: `kserve`."),
    "Serving.hfTokenSecret": (
        "Name of a Secret in the serving namespace with the key `HF_TOKEN`, for gated models pulled from Hugging Face at pod start (`storage: "
        "hf`). Never the token itself. Default: none."),

    "Stage.duration": "How long the stage lasts: a number with `ms`, `s`, `m` or `h`, e.g. `2m`.",
    "Stage.target": "Virtual users k6 ramps to by the end of the stage.",

    "Storage.ociMaxGB": "Largest OCI ModelCar in GB: an `oci://` model at or above it is an error (CRI-O fails to unpack it). Default: `20`.",
    "Storage.s3": "The S3 bucket and its data-connection Secret: with it, `hf://` models are uploaded once and served from S3. Default: none.",
    "Storage.uploads": "Where the upload Jobs (Hugging Face to S3) run, their Hugging Face token Secret and their image.",
    "Storage.existingClaims": (
        "PersistentVolumeClaims that `pvc://` models read, which exist already and hold the weights (nothing creates or fills them); the tree's "
        "README lists them. Default: `[]`."),

    "Thresholds.errorRate": "The run fails above this share of failed requests (0 to 1). Default: `0.05`.",
    "Thresholds.p95Ms": "The run fails when the 95th-percentile request duration exceeds this many milliseconds. Default: `30000`.",

    "Uploads.namespace": "Namespace the upload Jobs run in. Default: `gpuaas-uploads`.",
    "Uploads.hfTokenSecret": (
        "Name of a Secret in the uploads namespace with the key `token`, the Hugging Face token for gated or private models. Never the token "
        "itself. Default: none."),
    "Uploads.image": (
        "The python3 image of the upload Jobs and of the init container that waits for an upload. Default: "
        "`registry.access.redhat.com/ubi9/python-311:latest`."),

    "Workbench.enabled": (
        "`true` renders the workbench: DataScienceCluster `workbenches: Managed` and a Jupyter Notebook whose notebook plays the GPU scenarios "
        "against the cluster. Default: `false`."),
    "Workbench.name": "Name of the Notebook, its container, ServiceAccount and PVC. Default: `gpu-switchboard`.",
    "Workbench.namespace": (
        "A data science project of its own for the workbench, not the Kueue-managed serving namespace. Default: `gpuaas-workbench`."),
    "Workbench.displayName": "The workbench's name in the OpenShift AI dashboard. Default: `GPU switchboard`.",
    "Workbench.image": "The Jupyter image (any with Python 3). Default: OpenShift AI's `s2i-minimal-notebook:2025.2` image stream.",
    "Workbench.storage": "Size of the workbench's home PVC, a Kubernetes quantity. Default: `20Gi`.",
    "Workbench.cpu": "CPU of the workbench pod (request = limit), a Kubernetes quantity. Default: `1`.",
    "Workbench.memory": "Memory of the workbench pod (request = limit), a Kubernetes quantity. Default: `2Gi`.",
    "Workbench.switching": (
        "`commit`: the notebook prints the `gpuaas activate`/`deactivate` commands and Git decides; `live`: it patches the InferenceServices' "
        "replicas and Argo CD leaves them alone. Default: `commit`."),
}
