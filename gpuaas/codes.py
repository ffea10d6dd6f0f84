"""Every finding code gpuaas reports: where it comes from, its severity, what it catches and
what to do about it. docs/findings.md is generated from here and `gpuaas explain CODE`
answers from it; a finding with a code not registered here fails the tests."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    stage: str          # load, rules, render, validate or command: when it is found
    severity: str       # error, warning, or "error or warning" when the case decides
    catches: str
    fix: str


_ = Code
CODES: dict[str, Code] = {
    # --- loading a portfolio (exit 2) ----------------------------------------------------
    "INPUT": _("load", "error", "no portfolio here, a missing file or directory, a `--schemas` "
               "directory that does not exist, several portfolios and no `-p`",
               "name the portfolio file, or run in a repository with `portfolios/*.yaml`"),
    "YAML": _("load", "error", "YAML that does not parse: syntax, non-string keys, alias bombs",
              "fix the YAML at the line named"),
    "EMPTY": _("load", "error", "an empty portfolio file", "write the portfolio (`gpuaas init` starts one)"),
    "TYPE": _("load", "error", "a timestamp or another value that is not plain YAML",
              "quote the value"),
    "SCHEMA": _("load", "error", "a portfolio field that is unknown, missing or of the wrong form; "
                "in validate, a rendered object that fails its strict schema",
                "the message names the field and what it takes (did you mean ...); for a "
                "rendered object, re-render rather than edit"),
    # --- the rules: a loaded portfolio -----------------------------------------------------
    "GPU_MEMORY": _("rules", "error", "vLLM would not start on the smallest eligible pool: no memory "
                    "left for the KV cache, or less than one `maxModelLen` request",
                    "lower `maxModelLen`, raise `gpus` (the message names the longest length and "
                    "the smallest tensor-parallel size that start), or quantise"),
    "CALIBRATE": _("command", "error", "`calibrate --keep` on a log without the weights or the KV "
                   "cache pool line, or for a model with no pool in that environment",
                   "give the whole start-up log (`oc logs <pod>` of the first start)"),
    "VLLM_ARCHITECTURE": _("rules", "error", "the model's architecture is not served by the vLLM of "
                           "the environment's release (Llama 3.2 Vision left vLLM after 0.10.2)",
                           "choose another model, or an environment whose release runs a vLLM "
                           "that serves it"),
    "MAX_MODEL_LEN": _("rules", "error", "`maxModelLen` above the model's context: vLLM refuses it",
                       "set it at most to the model's context"),
    "GPU_CONCURRENCY": _("rules", "warning", "the KV cache holds fewer `maxModelLen` requests than "
                         "`minConcurrency`", "lower `maxModelLen` or add GPUs"),
    "ARCHITECTURE": _("rules", "error", "an `architecture:` that is neither a catalog model nor a "
                      "readable `config.json`", "name a catalog repository (org/name) or a config.json"),
    "OCI_TOO_LARGE": _("rules", "error", "an OCI ModelCar at or above `storage.ociMaxGB`: CRI-O fails "
                       "to unpack it", "serve it from S3 (an hf:// or s3:// source) or use a quantised image"),
    "TP_MISMATCH": _("rules", "error", "`--tensor-parallel-size` in `vllmArgs` differs from `gpus`",
                     "drop the argument: `gpus` sets it"),
    "POOL_TOO_SMALL": _("rules", "error", "`gpus` exceed one node of the pool (tensor parallelism "
                        "stays within a node)", "use a pool with larger nodes, or fewer GPUs"),
    "NO_GPU": _("rules", "error", "`gpus: 0`: CPU inference is never allowed", "give the model a GPU"),
    "VLLM_ARG": _("rules", "error or warning", "a vLLM argument vLLM would refuse or that contradicts "
                  "the model's fields or checkpoint: checked against vLLM's own parser of the "
                  "version each environment serves (unknown flag, with did-you-mean; a value of "
                  "the wrong type or outside its choices; a switch given a value), repeated, set "
                  "by the runtime, `--flag value` as one item, a parser without its switch",
                  "write `--name=value`, one per item, as the message says"),
    "TASK": _("rules", "error or warning", "an embedding model run for generation; load sent to a kind "
              "of model (chat or embed) that is not active", "fix `--runner`/`--task`, or `chatShare`"),
    "STORAGE": _("rules", "error", "`storage` unsuitable for the source, S3 storage without "
                 "`storage.s3`, or an `s3://` source in another bucket than the data connection's",
                 "pick a storage the source allows, or configure `storage.s3`"),
    "STORAGE_HF": _("rules", "warning", "weights pulled from Hugging Face at every pod start",
                    "configure `storage.s3` to upload them once"),
    "CHECKPOINT": _("rules", "error", "a `precision` the checkpoint does not store (its config.json or "
                    "its name says otherwise: a 16-bit model declared fp8, an FP8 one declared "
                    "bf16), or `quantization: fp8` on a checkpoint already quantised",
                    "set `precision` to the checkpoint's; for FP8 of a 16-bit checkpoint set "
                    "`quantization: fp8`"),
    "LLMD": _("rules", "error", "a model served by llm-d (LLMInferenceService) whose weights are in the "
              "S3 bucket gpuaas uploads to: its `spec.model.uri` takes hf://, oci:// or pvc://",
              "set `storage: hf` on the model, or `mode: kserve`"),
    "FLEET": _("rules", "error", "a fleet environment's selector that matches no cluster of the "
               "inventory, fewer clusters than its `count`, an inventory file that cannot be read, or a "
               "cluster listed twice", "label the clusters (or fix the selector), list them in "
               "`fleet.clusters` or the inventory file"),
    "MULTINODE": _("rules", "error", "a replica that spans nodes (`nodes` above 1) where OpenShift AI "
                   "cannot run it: only llm-d spans nodes (a LeaderWorkerSet), and only a mixture of "
                   "experts, data and expert parallel (the one multi-node preset the releases ship; "
                   "kserve's pipeline-parallel preset is named in its code but not installed)",
                   "serve it with `mode: llm-d`; for a dense model, fit it on one node (a larger GPU, "
                   "more GPUs per node, or an FP8/INT4 checkpoint)"),
    "SCALING": _("rules", "error", "`scaling` on a model OpenShift AI cannot autoscale: it needs llm-d "
                 "on 3.4 or later (LLMInferenceService v1alpha2, `spec.scaling`)",
                 "serve it with `mode: llm-d` in environments on 3.4 or later, or set `replicas`"),
    "POOL_GPU": _("rules", "error", "a pool's `gpu` is not the GPU of its `instanceType` (H100 on an "
                  "L4 machine): the plan would size one GPU at the other's price and the pods "
                  "would never schedule", "set `gpu` to the instance type's, or pick an instance "
                  "type with that GPU"),
    "RELEASE": _("rules", "error or warning", "an OpenShift AI version and channel that do not go "
                 "together (a channel that does not carry the release, a channel OLM does not "
                 "have), a pinned version the catalog gpuaas knows does not list, a Kueue "
                 "operator channel gpuaas has no facts for",
                 "pick a channel the message lists, or leave `channel` out for the release's own"),
    "GATED_TOKEN": _("rules", "error", "a gated Hugging Face repository downloaded without a token",
                     "name the token's Secret in `serving.hfTokenSecret` (pods pull) or "
                     "`storage.uploads.hfTokenSecret` (a Job uploads)"),
    "QUOTA_POOL": _("rules", "error", "quota for a pool that does not exist", "name a declared pool"),
    "PRECISION": _("rules", "warning", "`fp8` on a GPU without FP8 tensor cores: vLLM falls back to "
                   "weight-only FP8", "serve bf16 or int8, or use a GPU with FP8"),
    "QUOTA_CAPACITY": _("rules", "warning", "a pool's quota above its GPUs: Kueue admits pods no node "
                        "can run", "lower the quota to nodes x GPUs per node"),
    "POOL_UNKNOWN": _("rules", "error", "a reference to an undeclared pool", "declare it under `pools`"),
    "PRIORITY_UNKNOWN": _("rules", "error", "a reference to an undeclared priority",
                          "declare it under `quota.priorities`"),
    "MODEL_UNKNOWN": _("rules", "error", "a reference to an undeclared model (overrides, `activate`)",
                       "name a model of the portfolio"),
    "ENV_UNKNOWN": _("command", "error", "`activate --env` names an undeclared environment",
                     "name an environment of the portfolio"),
    "RESOURCES": _("rules", "error", "a pod requests more CPU, memory or ephemeral storage than a node "
                   "of its pool offers, or ephemeral storage from a pool without `diskGiBPerNode`",
                   "lower the requests, or describe the nodes"),
    "NODE_DISK": _("rules", "warning", "weights copied to the node's disk plus the pod's ephemeral "
                   "storage exceed the pool's `diskGiBPerNode`", "serve from a ModelCar or a PVC, or give nodes more disk"),
    "POOL_NODES": _("rules", "warning", "a pool described by its nodes without `cpuPerNode` / "
                    "`memoryGiBPerNode` (8 CPUs and 64 GiB per GPU assumed)", "state what the nodes offer"),
    "PVC_CLAIM": _("rules", "warning", "a `pvc://` model reads a claim not in `storage.existingClaims`",
                   "declare the claim (and create and fill it)"),
    "SHARED_CLUSTER": _("rules", "error", "two environments deploy to the same cluster",
                        "give each environment its own cluster"),
    "DUPLICATE_NAME": _("rules", "error", "two environments, pools, models or portfolios with one name",
                        "rename one"),
    "LOADTEST": _("rules", "error", "a `[min, max]` pair of the load test that is not ordered",
                  "write `[min, max]` with min <= max"),
    "SECRET_VALUE": _("rules", "error", "something that looks like a token, key or credentials, in the "
                      "portfolio or a rendered file; a Secret carrying `data` in the tree",
                      "put the value in a Secret, name the Secret, and rotate the value"),
    "SECRET_NAME": _("rules", "error", "a Secret name that is not a valid name",
                     "write the name of a Secret, never its value"),
    "DSC_COMPONENT": _("rules", "error", "a DataScienceCluster component set Removed that an enabled "
                       "component needs Managed", "leave it out of `platform.rhoai.components`"),
    "EVAL_TOKENIZER": _("rules", "warning", "an evaluated chat model whose tokenizer is not a Hugging "
                        "Face repository", "name it in `architecture` (org/name)"),
    "REGISTRY_DATABASE": _("rules", "error", "the registry's external database without host, username "
                           "or password Secret", "name them, or set `inCluster: true` for a demo database"),
    "WORKBENCH_NAMESPACE": _("rules", "error", "the workbench in the Kueue-managed serving namespace",
                             "give the workbench a namespace of its own"),
    "WORKBENCH_LIVE": _("rules", "error", "live switching where a model is served by llm-d: the "
                        "notebook patches InferenceServices' replicas, and an LLMInferenceService "
                        "is another kind", "`workbench.switching: commit` (activate, render, commit "
                        "switches either kind), or serve the models with `mode: kserve`"),
    # --- render and the tree ---------------------------------------------------------------
    "GITOPS_PATH": _("render", "error", "inside a Git work tree, the tree would be written elsewhere "
                     "than `gitops.path`", "set `gitops.path` to where the tree goes, or `--out`"),
    "OUTPUT": _("command", "error", "`--out` cannot be written", "choose a writable directory"),
    "STALE": _("validate", "error", "the committed tree differs from a fresh render",
               "run `gpuaas render` (hand edits are overwritten)"),
    "NOT_IN_GIT": _("validate", "error", "a rendered file Git's index does not hold, or one still "
                    "held that the render no longer makes", "`git add -A` the tree"),
    "LEFTOVER": _("validate", "error", "a temporary tree or portfolio copy a killed render or "
                  "`activate` left, which `git add -A` would commit", "delete it"),
    "SYMLINK": _("validate", "error", "a symbolic link in a rendered tree: Git stores only its target's "
                 "path and Argo CD refuses a link that leaves the repository", "put the file itself there "
                 "or remove the link"),
    "ORPHAN_TREE": _("validate", "error", "a tree under `rendered/` no portfolio renders any more",
                     "remove it"),
    "UNWIRED": _("validate", "error", "a component flag without a helm parameter, a parameter the "
                 "element does not set, a component directory no Application deploys, an "
                 "Application pointing at a missing directory", "run `gpuaas render`"),
    "HELM": _("validate", "error or warning", "a chart does not render (a warning when no Helm engine "
              "is installed)", "re-render; install Helm or the test extras"),
    "KUSTOMIZE": _("validate", "error", "a component's `kustomization.yaml` does not build",
                   "re-render"),
    "NO_SCHEMA": _("validate", "error or warning", "no schema for a kind (an error with `--strict`)",
                   "`gpuaas schemas import` its CRD"),
    "CEL": _("validate", "error", "a rendered object breaks one of its CRD's CEL rules: the API server "
             "would refuse it", "fix the portfolio field the object comes from"),
    "CEL_UNEVALUATED": _("validate", "warning", "a CEL rule that could not be compiled or run",
                         "none needed; the rule is named"),
    "NAME_LENGTH": _("validate", "error", "an InferenceService name that is not a DNS-1123 label of at "
                     "most 53 characters", "shorten the model's name"),
    "GPU_REQUEST": _("validate", "error", "an InferenceService without an `nvidia.com/gpu` limit equal "
                     "to its request", "re-render"),
    "QUEUE_LABEL": _("validate", "error", "an InferenceService without `kueue.x-k8s.io/queue-name`",
                     "re-render"),
    "QUEUE_COVERAGE": _("validate", "error", "an InferenceService requests a resource the ClusterQueue "
                        "does not cover (never admitted)", "re-render"),
    "KUEUE_IMMUTABLE": _("validate", "warning", "an active model's queue or priority label changes "
                         "against the last commit: Kueue refuses that while it has ready pods",
                         "deactivate, commit, change, activate"),
    "UPGRADE_PATH": _("validate", "error", "an operator's channel or pinned version changed since the "
                      "last commit in a way OLM cannot follow: a downgrade, or a jump no catalog "
                      "entry upgrades from (3.0 on fast-3.x straight to 3.5)",
                      "move through the versions the message names, one commit each"),
    # --- other commands --------------------------------------------------------------------
    "GIT": _("command", "error", "`plan --diff` cannot read the revision; validate inside a Git work "
             "tree whose index git cannot read (not installed, or refusing the repository)",
             "name a revision Git has; install git or mark the repository a safe.directory"),
    "CRD": _("command", "error", "`schemas import` cannot read a CRD", "give CRD YAML files or directories"),
}
del _


def markdown() -> str:
    """The findings reference, docs/findings.md."""
    lines = ["# Findings", "", "Every finding gpuaas reports has one of these codes (`gpuaas explain CODE`",
             "prints one). Generated from `gpuaas/codes.py`.", "",
             "| code | when | severity | catches | what to do |", "|---|---|---|---|---|"]
    for name, c in CODES.items():
        lines.append(f"| `{name}` | {c.stage} | {c.severity} | {c.catches} | {c.fix} |")
    return "\n".join(lines) + "\n"
