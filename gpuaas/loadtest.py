"""The k6 load test: a bursty, random mix of chat and embeddings requests (the Signet plan's load test).

``k6_script`` renders ``templates/loadtest/script.js.j2``. Every value reaches the script
through the ``q`` filter (a JSON literal, valid JavaScript), so model names, URLs and
durations can hold any character. The text depends only on the inputs (no timestamps,
no secrets): the bearer token is read at run time from ``OPENSHIFT_AI_TOKEN``.

Run-time environment contract of the rendered script:

- ``OPENSHIFT_AI_TOKEN``: bearer token for every endpoint.
- ``<endpoint env>`` (e.g. ``GPUAAS_URL_MISTRAL_3_BF16``): base URL of that endpoint,
  overriding its in-cluster URL (e.g. to go through a Route).
- ``GPUAAS_STAGES``: JSON array of ``{"duration": "10s", "target": 5}`` replacing the
  rendered stages (short smoke runs).
"""
from __future__ import annotations

import re
from typing import Any

from gpuaas.templating import render_template

TEMPLATE = "loadtest/script.js.j2"

#: The Signet plan's skeleton values; a portfolio's ``loadtest`` block overrides any of them.
DEFAULTS: dict[str, Any] = {
    "stages": [{"duration": "2m", "target": 10}, {"duration": "3m", "target": 35},
               {"duration": "2m", "target": 5}, {"duration": "3m", "target": 45},
               {"duration": "2m", "target": 0}],
    "startVUs": 2,
    "chatShare": 0.55,
    "thresholds": {"errorRate": 0.05, "p95Ms": 30000},
    "maxTokens": [64, 512],
    "promptChars": [200, 4000],
    "embedBatch": [1, 16],
    "embedChars": [50, 1500],
    "sleepMaxSeconds": 1.5,
    "requestTimeout": "120s",
}

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")


def _number(value: Any, what: str, *, integer: bool = False, minimum: float = 0) -> Any:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value < minimum:
        kind = "an integer" if integer else "a number"
        raise ValueError(f"loadtest: {what} must be {kind} >= {minimum}, got {value!r}")
    return value


def _range(value: Any, what: str, minimum: int) -> list[int]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"loadtest: {what} must be [min, max], got {value!r}")
    lo, hi = (_number(v, what, integer=True, minimum=minimum) for v in value)
    if lo > hi:
        raise ValueError(f"loadtest: {what} has min {lo} > max {hi}")
    return [lo, hi]


def _stages(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise ValueError("loadtest: stages must be a non-empty list")
    stages = []
    for stage in value:
        if not isinstance(stage, dict):
            raise ValueError(f"loadtest: stage {stage!r} must be {{duration, target}}")
        duration = stage.get("duration")
        if not isinstance(duration, str) or not _DURATION.match(duration):
            raise ValueError(f"loadtest: stage duration {duration!r} is not like '2m' or '1m30s'")
        target = _number(stage.get("target"), "stage target", integer=True)
        stages.append({"duration": duration, "target": target})
    return stages


def _endpoints(value: list[dict], kind: str) -> list[dict[str, str]]:
    endpoints = []
    for ep in value or []:
        for key in ("name", "url", "env"):
            if not isinstance(ep.get(key), str) or not ep[key]:
                raise ValueError(f"loadtest: {kind} endpoint {ep!r} needs a non-empty {key!r}")
        if not _ENV_NAME.match(ep["env"]):
            raise ValueError(f"loadtest: {kind} endpoint {ep['name']!r}: env {ep['env']!r} "
                             "is not a valid environment variable name")
        endpoints.append({"name": ep["name"], "url": ep["url"], "env": ep["env"]})
    return endpoints


def k6_script(loadtest: dict, chat: list[dict], embed: list[dict]) -> str:
    """The k6 script for ``loadtest`` (the portfolio block) against the active chat and
    embeddings endpoints (``{"name", "url", "env"}`` each). Raises ``ValueError`` when
    there is no endpoint at all or a value is out of range."""
    chat_eps, embed_eps = _endpoints(chat, "chat"), _endpoints(embed, "embed")
    if not chat_eps and not embed_eps:
        raise ValueError("loadtest: no chat or embeddings endpoint to send requests to")
    cfg = {**DEFAULTS, **(loadtest or {})}
    thresholds = {**DEFAULTS["thresholds"], **(cfg.get("thresholds") or {})}
    share = _number(cfg["chatShare"], "chatShare")
    if share > 1:
        raise ValueError(f"loadtest: chatShare must be within [0, 1], got {share!r}")
    error_rate = _number(thresholds["errorRate"], "thresholds.errorRate")
    if error_rate > 1:
        raise ValueError(f"loadtest: thresholds.errorRate must be within [0, 1], got {error_rate!r}")
    timeout = cfg["requestTimeout"]
    if not isinstance(timeout, str) or not _DURATION.match(timeout):
        raise ValueError(f"loadtest: requestTimeout {timeout!r} is not like '120s'")
    return render_template(
        TEMPLATE,
        chat=chat_eps,
        embed=embed_eps,
        stages=_stages(cfg["stages"]),
        startVUs=_number(cfg["startVUs"], "startVUs", integer=True),
        chatShare=share,
        errorRate=error_rate,
        p95Ms=_number(thresholds["p95Ms"], "thresholds.p95Ms"),
        maxTokens=_range(cfg["maxTokens"], "maxTokens", 1),
        promptChars=_range(cfg["promptChars"], "promptChars", 0),
        embedBatch=_range(cfg["embedBatch"], "embedBatch", 1),
        embedChars=_range(cfg["embedChars"], "embedChars", 1),
        sleepMaxSeconds=_number(cfg["sleepMaxSeconds"], "sleepMaxSeconds"),
        requestTimeout=timeout,
    )
