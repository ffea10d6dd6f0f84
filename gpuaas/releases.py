"""What one environment runs: its OpenShift AI release and everything that follows from it
(channel, pinned CSV, the Kueue operator it pairs with and the API its queues are written in,
the vLLM image and version). Facts come from catalog.RELEASES; this module only decides which
apply where: the environment's overrides over the portfolio's platform section."""
from __future__ import annotations

from dataclasses import dataclass

from . import catalog, olm
from .portfolio.schema import Environment, Portfolio


@dataclass(frozen=True)
class Target:
    release: catalog.Release
    channel: str              # the RHOAI Subscription's channel
    version: str | None       # the pinned CSV version (3.3.6), None: follows the channel
    kueue_channel: str
    image: str                # the vLLM runtime image
    vllm: str                 # the vLLM version inside it

    @property
    def csv(self) -> str | None:
        return catalog.OPERATORS["rhoai"].csv_name(self.version) if self.version else None

    @property
    def kueue(self) -> catalog.KueueOperator | None:
        return catalog.KUEUE_OPERATORS.get(self.kueue_channel)

    @property
    def kueue_api(self) -> str:
        """The kueue.x-k8s.io version the queues are written in."""
        found = self.kueue
        return found.api if found else "v1beta1"

    @property
    def schemas(self) -> tuple[str, ...]:
        """The bundled schema overlays (gpuaas/schemas/<this>) of what this environment runs,
        most specific first; the base bundle applies below them."""
        out = []
        if self.release.schemas:
            out.append(f"releases/{self.release.schemas}")
        if self.kueue:
            out.append(f"kueue-operator/{self.kueue.schemas}")
        return tuple(out)


def declared(p: Portfolio, env: Environment) -> tuple[str | None, str | None, bool]:
    """The environment's RHOAI (version, channel) as written, and whether the version is the
    environment's own (an override)."""
    top, o = p.platform.rhoai, env.overrides.platform.rhoai
    if o.version is not None or "version" in o.model_fields_set:
        return o.version, o.channel, True
    return top.version, o.channel or top.channel, False


def release_for(version: str | None, channel: str | None) -> catalog.Release:
    """A version names its release; without one (following a channel), the release of the
    channel's head."""
    if version is not None:
        return catalog.RELEASES.get(catalog.release_of(version), catalog.RELEASES[catalog.DEFAULT_RELEASE])
    entries = catalog.RHOAI_CHANNELS.get(channel or "")
    if entries:
        head = max(entries, key=lambda e: e.version)
        found = catalog.release_of(head.name.partition(".")[2])
        if found in catalog.RELEASES:
            return catalog.RELEASES[found]
    return catalog.RELEASES[catalog.DEFAULT_RELEASE]


def target(p: Portfolio, env: Environment) -> Target:
    version, channel, _ = declared(p, env)
    if version is None:     # unpinned: the release of the channel's head (3.0's channel by default)
        channel = channel or catalog.RELEASES[catalog.DEFAULT_RELEASE].channel
    release = release_for(version, channel)
    channel = channel or release.channel
    if version is not None and version.count(".") == 1:     # a release: its newest CSV there
        version = release.newest(channel) or release.example
    kueue = p.platform.operators.kueue.channel or release.kueue_channel
    return Target(release, channel, version, kueue,
                  p.serving.runtime.image or release.vllm_image, p.serving.vllm or release.vllm)


def targets(p: Portfolio) -> dict[str, Target]:
    return {env.name: target(p, env) for env in p.environments}


def move_problem(key: str, before: tuple[str, str | None], after: tuple[str, str | None]) -> str | None:
    """What is wrong with moving an operator's Subscription (catalog.OLM_GRAPHS key) from
    (channel, pinned CSV or None) `before` to `after`; None when OLM makes the move, or the
    graph of a channel is unknown (the rules report that). Unpinned: the channel's head."""
    graph = catalog.OLM_GRAPHS[key]
    ends = [(channel, csv or olm.head(graph.get(channel, ()))) for channel, csv in (before, after)]
    if any(csv is None for _, csv in ends):
        return None
    what = "OpenShift AI" if key == "rhoai" else f"the {catalog.OPERATORS[key].package} operator"
    problem = olm.upgrade_problem(graph, ends[0], ends[1], what)    # type: ignore[arg-type]
    if problem and key == "kueue" and "cannot move" in problem:
        problem += (" (the kueue-operator catalog has no upgrade edge between its minor channels: "
                    f"delete its Subscription and CSV in {catalog.OPERATORS[key].namespace} and let "
                    "Argo CD install the new one; OLM keeps the CRDs and the queues)")
    return problem
