"""Fleets: an environment that selects clusters by label becomes one environment per selected
cluster of the inventory, `<environment>-<cluster>`, with what differs on that cluster (its
release, pools and quota) as that environment's overrides. Everything downstream (rules,
plan, render, validate) then sees ordinary environments; the environment that selects stays,
as the profile of a cluster that joins with the labels before the inventory lists it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import catalog
from ..errors import UserError
from ..findings import Finding
from .locations import Locations
from .schema import Environment, InventoryCluster, ModelOverride, Portfolio

INVENTORY_MAX_BYTES = 4 * 1024 * 1024


def matches(cluster: InventoryCluster, wanted: dict[str, str]) -> bool:
    """Whether the cluster's labels hold every one of `wanted` (a matchLabels selector)."""
    return all(cluster.labels.get(k) == v for k, v in wanted.items())


def matching(wanted: dict[str, str], clusters: list[InventoryCluster]) -> list[InventoryCluster]:
    """The clusters a selector matches, by name (a `count` takes the first of them)."""
    return sorted((c for c in clusters if matches(c, wanted)), key=lambda c: c.name)


def _inventory(p: Portfolio, file: str, locations: Locations) -> list[InventoryCluster]:
    import pydantic
    import yaml
    ref = p.fleet.inventory
    if not ref:
        return list(p.fleet.clusters)
    path = (Path(file).parent / ref) if not Path(ref).is_absolute() else Path(ref)
    where = ("fleet", "inventory")
    try:
        if path.stat().st_size > INVENTORY_MAX_BYTES:
            raise UserError([locations.finding(where, f"{ref} is larger than {INVENTORY_MAX_BYTES} bytes", "FLEET")])
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError([locations.finding(where, f"no inventory file {ref} (read beside the "
                                           "portfolio): write one, or list the clusters in "
                                           "fleet.clusters", "FLEET")]) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UserError([locations.finding(where, f"{ref} cannot be read as YAML: "
                                           f"{str(exc).splitlines()[0]}", "FLEET")]) from None
    catalog.CONSULTED.add(str(path.resolve()))     # the render cache checks it again
    items = data.get("clusters") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise UserError([locations.finding(where, f"{ref} holds no list of clusters (a YAML "
                                           "list, or a mapping with `clusters`)", "FLEET")])
    out = list(p.fleet.clusters)
    problems = []
    for i, item in enumerate(items):
        try:
            out.append(InventoryCluster.model_validate(item))
        except pydantic.ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            problems.append(Finding(str(path), None, "FLEET", f"clusters[{i}]."
                                    f"{'.'.join(map(str, error['loc']))}: {error['msg']}"))
    if problems:
        raise UserError(problems)
    return out


def expand(p: Portfolio, file: str, locations: Locations) -> tuple[Portfolio, Locations]:
    """The portfolio with every fleet environment's members added after it, and the
    locations under which findings about a member point at its environment's lines (and at
    its cluster's entry for what came from there)."""
    if not any(env.clusters for env in p.environments):
        return p, locations
    clusters = _inventory(p, file, locations)
    problems = []
    names: dict[str, int] = {}
    for i, c in enumerate(clusters):
        if c.name in names:
            problems.append(locations.finding(("fleet", "clusters", i, "name"), f"cluster {c.name} "
                                              "is listed twice in the inventory", "FLEET"))
        names.setdefault(c.name, i)
    envs: list[Environment] = []
    chosen_by: dict[str, dict] = {}
    spots = {k: v for k, v in locations.spots.items() if k[:1] != ("environments",)}

    def alias(old: int, new: int) -> None:
        for key, spot in locations.spots.items():
            if key[:2] == ("environments", old):
                spots[("environments", new, *key[2:])] = spot

    for i, env in enumerate(p.environments):
        if env.clusters is None or not env.clusters.count:  # a fleet of every match keeps its profile
            alias(i, len(envs))
            envs.append(env)
        if env.clusters is None:
            continue
        found = matching(env.clusters.matchLabels, clusters)
        chosen = found[:env.clusters.count] if env.clusters.count else found
        labels = ", ".join(f"{k}={v}" for k, v in env.clusters.matchLabels.items())
        if not chosen:
            known = "; ".join(f"{c.name} ({', '.join(f'{k}={v}' for k, v in c.labels.items()) or 'no labels'})"
                              for c in clusters) or "none"
            problems.append(locations.finding(("environments", i, "clusters", "matchLabels"),
                                              f"{env.name} selects {labels}, which no cluster of the "
                                              f"inventory has (clusters: {known})", "FLEET"))
            continue
        if env.clusters.count and len(found) < env.clusters.count:
            problems.append(locations.finding(("environments", i, "clusters", "count"),
                                              f"{env.name} needs {env.clusters.count} clusters with "
                                              f"{labels}, the inventory has {len(found)}", "FLEET"))
        for c in chosen:
            name = f"{env.name}-{c.name}"
            if len(name) > 40:
                problems.append(locations.finding(("environments", i, "name"), f"{name} (the "
                                                  f"environment of {env.name} on cluster {c.name}) "
                                                  "is longer than 40 characters: shorten one of the names",
                                                  "FLEET"))
                continue
            k = names[c.name]
            update: dict[str, Any] = {}
            if c.pools:
                update["pools"] = c.pools
                for key, spot in locations.spots.items():
                    if key[:4] == ("fleet", "clusters", k, "pools"):
                        spots[("environments", len(envs), "overrides", "pools", *key[4:])] = spot
            if c.quota:
                update["quota"] = c.quota
            if c.rhoai:
                update["platform"] = env.overrides.platform.model_copy(update={"rhoai": c.rhoai})
            # a model placed on other clusters is off on this one
            elsewhere = {m.name: ModelOverride(state="off") for m in p.models
                         if m.clusters and not matches(c, m.clusters.matchLabels)}
            if elsewhere:
                update["models"] = {**env.overrides.models, **elsewhere}
            overrides = env.overrides.model_copy(update=update)
            alias(i, len(envs))
            envs.append(Environment(name=name, cluster=c.server, overrides=overrides))
            chosen_by.setdefault(env.name, {"matchLabels": dict(env.clusters.matchLabels),
                                            "count": env.clusters.count, "environments": []}
                                 )["environments"].append(name)
    if problems:
        raise UserError(problems)
    fleet = p.fleet.model_copy(update={"clusters": clusters, "selected": chosen_by})
    return (p.model_copy(update={"environments": envs, "fleet": fleet}),
            Locations(locations.file, spots))


def import_clusters(text: str, file: str) -> list[dict]:
    """An inventory from what the engines say, offline: `argocd cluster list -o json` (a list of
    Argo CD Cluster objects: name, server, labels; argo-cd cmd/argocd/commands/cluster.go) or
    ACM ManagedClusters (`oc get managedclusters -o json|yaml`: metadata.labels, the API URL of
    spec.managedClusterClientConfigs, and status.clusterClaims as labels). Raises UserError
    naming each entry that cannot be a cluster of the inventory."""
    import yaml
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UserError([Finding(file, None, "FLEET", f"not JSON or YAML: {str(exc).splitlines()[0]}")]) from None
    items = data.get("items") if isinstance(data, dict) and "items" in data else data
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise UserError([Finding(file, None, "FLEET", "holds no list of clusters: give the output of "
                                 "`argocd cluster list -o json` or `oc get managedclusters -o json`")])
    out, problems = [], []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(Finding(file, None, "FLEET", f"[{i}] is not a cluster object"))
            continue
        if item.get("kind") == "ManagedCluster":
            meta, spec = item.get("metadata") or {}, item.get("spec") or {}
            name = str(meta.get("name", ""))
            urls = [c.get("url") for c in spec.get("managedClusterClientConfigs") or [] if c.get("url")]
            labels = {str(k): str(v) for k, v in (meta.get("labels") or {}).items()}
            labels.update({str(c["name"]): str(c.get("value", "")) for c in
                           (item.get("status") or {}).get("clusterClaims") or [] if c.get("name")})
            server = urls[0] if urls else ""
        else:
            name, server = str(item.get("name", "")), str(item.get("server", ""))
            labels = {str(k): str(v) for k, v in (item.get("labels") or {}).items()}
        entry = {"name": name, "server": server, "labels": labels}
        try:
            InventoryCluster.model_validate(entry)
        except Exception as exc:   # noqa: BLE001 - pydantic's ValidationError, said per entry
            first = str(exc).splitlines()
            problems.append(Finding(file, None, "FLEET", f"[{i}] {name or '(no name)'}: "
                                    f"{first[2].strip() if len(first) > 2 else first[0]} ({first[1].strip() if len(first) > 1 else ''}); "
                                    "a cluster's name must be a DNS label of at most 30 characters "
                                    "(rename it in Argo CD or ACM) and it needs an API URL"))
            continue
        out.append(entry)
    if problems:
        raise UserError(problems)
    return sorted(out, key=lambda c: c["name"])
