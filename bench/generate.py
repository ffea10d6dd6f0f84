"""Synthetic portfolios for benchmarks: N models, M environments, P pools."""
from __future__ import annotations

import yaml

GPUS = [("L4", "g6.12xlarge"), ("L4", "g6.4xlarge"), ("L40S", "g6e.12xlarge"), ("H100", "p5.48xlarge")]


def portfolio(models: int, envs: int = 1, pools: int = 2, name: str | None = None) -> str:
    pool_list = [{"name": f"pool-{i}", "gpu": GPUS[i % len(GPUS)][0],
                  "instanceType": GPUS[i % len(GPUS)][1], "nodes": 4} for i in range(pools)]
    doc = {
        "apiVersion": "gpuaas/v1", "kind": "Portfolio",
        "metadata": {"name": name or f"bench-{models}"},
        "gitops": {"repoURL": "https://example.com/gitops.git"},
        # one cluster each: environments never share cluster-scoped objects
        "environments": [{"name": f"env-{i}", "cluster": f"https://api.env-{i}.example.com:6443"}
                         for i in range(envs)],
        "pools": pool_list,
        "quota": {"priorities": {"critical": 1000, "standard": 100}},
        "storage": {"s3": {"connection": "minio", "bucket": "models"},
                    "uploads": {"hfTokenSecret": "hf-token"}},
        "serving": {"namespace": "models"},
        "models": [{
            "name": f"model-{i}", "source": f"hf://org/model-{i}", "params": "8B", "precision": "fp8",
            "gpus": 1, "pool": f"pool-{i % pools}", "state": "active" if i % 3 == 0 else "standby",
            "priority": "critical" if i % 7 == 0 else "standard", "maxModelLen": 8192,
        } for i in range(models)],
        "loadtest": {"enabled": True, "chatShare": 1.0},
    }
    return yaml.safe_dump(doc, sort_keys=False)


def fleet(clusters: int, models: int, name: str | None = None) -> str:
    """One environment selecting `clusters` clusters by label (an inline inventory, each
    cluster with its own pool) and `models` models."""
    doc = yaml.safe_load(portfolio(models, 1, 2, name or f"fleet-{clusters}"))
    doc["environments"] = [{"name": "edge", "clusters": {"matchLabels": {"tier": "edge"}}}]
    doc["fleet"] = {"clusters": [{
        "name": f"c-{i}", "server": f"https://api.c-{i}.example.com:6443",
        "labels": {"tier": "edge", "region": f"r-{i % 3}"},
        "pools": [{"name": f"pool-{j}", "gpu": GPUS[(i + j) % len(GPUS)][0],
                   "instanceType": GPUS[(i + j) % len(GPUS)][1], "nodes": 4} for j in range(2)],
    } for i in range(clusters)]}
    return yaml.safe_dump(doc, sort_keys=False)
