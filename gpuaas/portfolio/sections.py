"""The portfolio sections of the components beyond the core: `registry:`, `workbench:` and
`evaluation:` at the top level, each off until `enabled: true`."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from .fields import Strict, dns_label, dns_subdomain, oci_reference, quantity

DEFAULT_PASSWORD_KEY = "database-password"
TaskName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", min_length=1, max_length=200)]


class Database(Strict):
    # true: the operator provisions a small PostgreSQL beside the registry
    # (postgres.generateDeployment) - for demos; its data goes when it goes.
    inCluster: bool = False
    type: Literal["mysql", "postgres"] = "mysql"
    host: str | None = None
    port: int | None = Field(None, ge=1, le=65535)
    database: str = "model_registry"
    username: str | None = None
    passwordSecret: str | None = None            # a Secret's name, never the password
    passwordKey: str = DEFAULT_PASSWORD_KEY

    _h = field_validator("host")(lambda v: v if v is None else dns_subdomain(v))


class Registry(Strict):
    enabled: bool = False
    name: str = "gpuaas-registry"                # the ModelRegistry
    namespace: str = "rhoai-model-registries"    # the DataScienceCluster's registriesNamespace
    database: Database = Database()
    image: str = "registry.access.redhat.com/ubi9/python-311:latest"   # runs the Job's script

    _n = field_validator("name", "namespace")(lambda v: dns_label(v))
    _i = field_validator("image")(lambda v: oci_reference(v))


class Workbench(Strict):
    enabled: bool = False
    name: str = "gpu-switchboard"               # the Notebook, its container, ServiceAccount, PVC
    namespace: str = "gpuaas-workbench"         # a data science project of its own, not Kueue-managed
    displayName: str = "GPU switchboard"
    image: str = ("image-registry.openshift-image-registry.svc:5000/redhat-ods-applications/"
                  "s2i-minimal-notebook:2025.2")  # Jupyter | Minimal | CPU | Python 3.12
    storage: str = "20Gi"
    cpu: str = "1"
    memory: str = "2Gi"
    # commit: Git decides what runs, the notebook prints the commit of a switch.
    # live: the notebook patches the InferenceServices' replicas; Argo CD leaves them alone.
    switching: Literal["commit", "live"] = "commit"

    _n = field_validator("name", "namespace")(lambda v: dns_label(v))
    _q = field_validator("storage", "cpu", "memory")(lambda v: _quantity(v))
    _i = field_validator("image")(lambda v: oci_reference(v))


def _quantity(value: str) -> str:
    quantity(value)
    return value


class Evaluation(Strict):
    enabled: bool = False
    namespace: str = "gpuaas-evaluation"          # not Kueue-managed, like the load test
    tasks: list[TaskName] = Field(["hellaswag", "arc_easy"], min_length=1)
    limit: int | None = Field(None, ge=1)          # samples per task (LMEvalJob limit); all when unset
    rates: list[Annotated[float, Field(gt=0, le=10_000)]] = Field([1, 4, 8], min_length=1)
    maxSeconds: int = Field(60, ge=1, le=86_400)   # per rate
    promptTokens: int = Field(512, ge=1, le=1_000_000)
    outputTokens: int = Field(128, ge=1, le=1_000_000)
    image: str = "ghcr.io/vllm-project/guidellm:v0.8.1"
    publishImage: str = "registry.access.redhat.com/ubi9/python-311:latest"

    _ns = field_validator("namespace")(lambda v: dns_label(v))
    _i = field_validator("image", "publishImage")(lambda v: oci_reference(v))
