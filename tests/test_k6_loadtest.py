"""The k6 load-test script: static checks with `k6 inspect`, and real `k6 run`s against a
local OpenAI-compatible stub (tests/openai_stub.py)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from gpuaas.loadtest import DEFAULTS, k6_script
from .openai_stub import CHAT_PATH, EMBED_PATH, MODELS_PATH, OpenAIStub

K6 = Path(sys.executable).parent / "k6"
needs_k6 = pytest.mark.skipif(not K6.exists(), reason=f"k6 binary not found at {K6}")

TOKEN = "stub-token-not-a-secret"

# The portfolio's loadtest block as the renderer passes it (the Signet plan's values).
LOADTEST = {key: value for key, value in DEFAULTS.items() if key not in ("startVUs", "requestTimeout")}
CHAT = [{"name": "mistral-3-bf16",
         "url": "http://mistral-3-bf16-predictor.private-ai.svc.cluster.local:8080",
         "env": "GPUAAS_URL_MISTRAL_3_BF16"}]
EMBED = [{"name": "granite-embedding-278m",
          "url": "http://granite-embedding-278m-predictor.private-ai.svc.cluster.local:8080",
          "env": "GPUAAS_URL_GRANITE_EMBEDDING_278M"}]
# Quotes, backslash, newline, JS template syntax, a JS line terminator, a closing tag.
NASTY = 'we"ird\'s\\model\n${globalThis.x}`\u2028</script>'


def clean_env(**extra: str) -> dict[str, str]:
    """The process environment without anything that could steer k6 or the script."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GPUAAS_", "K6_")) and k != "OPENSHIFT_AI_TOKEN"
           and k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    env.update(K6_NO_USAGE_REPORT="true", **extra)
    return env


def write(tmp_path: Path, script: str, name: str = "script.js") -> Path:
    path = tmp_path / name
    path.write_text(script, encoding="utf-8")
    return path


def inspect(script: Path, *env: str) -> dict:
    args = [str(K6), "inspect"] + [a for e in env for a in ("-e", e)] + [str(script)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=30, env=clean_env())
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def run(script: Path, env: dict[str, str], *args: str, timeout: float = 60
        ) -> tuple[subprocess.CompletedProcess, float]:
    start = time.monotonic()
    proc = subprocess.run([str(K6), "run", "--no-usage-report", "--no-color", *args, str(script)],
                          capture_output=True, text=True, timeout=timeout, env=clean_env(**env))
    return proc, time.monotonic() - start


def stub_env(stub: OpenAIStub, endpoints: list[dict], stages: list[dict]) -> dict[str, str]:
    env = {ep["env"]: stub.url for ep in endpoints}
    env.update(OPENSHIFT_AI_TOKEN=TOKEN, GPUAAS_STAGES=json.dumps(stages))
    return env


def string_literals_after(script: str, key: str) -> list[str]:
    """Every JSON string literal that follows `key` in the script, decoded."""
    decoder = json.JSONDecoder()
    return [decoder.raw_decode(script, m.end())[0] for m in re.finditer(re.escape(key), script)]


# -- (a) fast, static ------------------------------------------------------------------

@needs_k6
@pytest.mark.parametrize("chat,embed,kinds", [(CHAT, [], {"chat"}), ([], EMBED, {"embed"}),
                                              (CHAT, EMBED, {"chat", "embed"})],
                         ids=["chat-only", "embed-only", "both"])
def test_k6_inspect_accepts_script(tmp_path, chat, embed, kinds):
    opts = inspect(write(tmp_path, k6_script(LOADTEST, chat, embed)))
    assert opts["insecureSkipTLSVerify"] is True
    scenario = opts["scenarios"]["bursty"]
    assert scenario["executor"] == "ramping-vus"
    assert [s["target"] for s in scenario["stages"]] == [10, 35, 5, 45, 0]
    assert [s["duration"] for s in scenario["stages"]] == ["2m0s", "3m0s", "2m0s", "3m0s", "2m0s"]
    th = opts["thresholds"]
    assert th["http_req_failed"] == ["rate<0.05"]
    assert th["http_req_duration"] == ["p(95)<30000"]
    assert th["checks"] == ["rate>0.95"]
    split = {m.group(1) for k in th if (m := re.fullmatch(r"http_req_duration\{kind:(\w+)\}", k))}
    assert split == kinds


@pytest.mark.slow
@needs_k6
def test_stages_overridden_by_env(tmp_path):
    script = write(tmp_path, k6_script(LOADTEST, CHAT, EMBED))
    stages = [{"duration": "2s", "target": 3}, {"duration": "1s", "target": 0}]
    opts = inspect(script, "GPUAAS_STAGES=" + json.dumps(stages))
    assert opts["scenarios"]["bursty"]["stages"] == stages


def test_no_endpoints_raises():
    with pytest.raises(ValueError, match="no chat or embeddings endpoint"):
        k6_script(LOADTEST, [], [])


@pytest.mark.parametrize("change", [{"chatShare": 1.5}, {"maxTokens": [512, 64]},
                                    {"stages": []}, {"stages": [{"duration": "2 min", "target": 1}]},
                                    {"thresholds": {"errorRate": -0.1}}])
def test_bad_values_raise(change):
    with pytest.raises(ValueError):
        k6_script({**LOADTEST, **change}, CHAT, EMBED)


def test_bad_env_name_raises():
    with pytest.raises(ValueError, match="environment variable"):
        k6_script(LOADTEST, [{**CHAT[0], "env": "NOT-VALID"}], [])


def test_script_is_deterministic_and_secret_free():
    first, second = k6_script(LOADTEST, CHAT, EMBED), k6_script(LOADTEST, CHAT, EMBED)
    assert first == second
    assert "__ENV.OPENSHIFT_AI_TOKEN" in first
    assert not re.search(r"Bearer [A-Za-z0-9]", first)  # only the ${__ENV...} reference
    assert not re.search(r"20\d\d-\d\d-\d\d", first)     # no timestamps


@pytest.mark.slow
@needs_k6
def test_nasty_values_stay_the_same_string(tmp_path):
    chat = [{"name": NASTY, "url": 'http://h:1/"`${x}', "env": "GPUAAS_URL_NASTY"}]
    script = k6_script(LOADTEST, chat, [])
    assert string_literals_after(script, "name: ") == [NASTY]
    assert string_literals_after(script, 'baseUrl("GPUAAS_URL_NASTY", ') == ['http://h:1/"`${x}']
    inspect(write(tmp_path, script))  # parses


# -- the stub itself ---------------------------------------------------------------------

def _call(url: str, path: str, body: dict | None = None, token: str | None = TOKEN) -> int:
    req = urllib.request.Request(url + path, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            json.load(resp)
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


def test_stub_answers_like_openai():
    with OpenAIStub(chat=["c"], embed=["e"], token=TOKEN) as stub:
        chat = {"model": "c", "messages": [{"role": "user", "content": "hi"}]}
        assert _call(stub.url, CHAT_PATH, chat) == 200
        assert _call(stub.url, EMBED_PATH, {"model": "e", "input": ["a", "b"]}) == 200
        assert _call(stub.url, MODELS_PATH) == 200
        assert _call(stub.url, CHAT_PATH, chat, token=None) == 401
        assert _call(stub.url, CHAT_PATH, chat, token="wrong") == 401
        assert _call(stub.url, CHAT_PATH, {**chat, "model": "nope"}) == 404
        assert _call(stub.url, EMBED_PATH, {"model": "c", "input": "x"}) == 400
        recs = stub.records
    assert [r.status for r in recs] == [200, 200, 200, 401, 401, 404, 400]
    assert [r.auth_ok for r in recs] == [True, True, True, False, False, True, True]
    assert recs[0].model == "c" and recs[0].body_bytes > 0
    with OpenAIStub(chat=["c"], token=TOKEN, fail=True) as stub:
        assert _call(stub.url, CHAT_PATH, {"model": "c", "messages": [{"content": "x"}]}) == 500


# -- (b) end to end with the real k6 binary -----------------------------------------------

SUMMARY_LINE = re.compile(r"^\s*(http_reqs|checks_succeeded|checks_failed|http_req_failed|"
                          r"http_req_duration|\{ kind:\w+ \})\.{3}.*$", re.M)


@pytest.mark.slow
@needs_k6
def test_k6_run_against_stub(tmp_path):
    fast = {**LOADTEST, "sleepMaxSeconds": 0.3}
    script = write(tmp_path, k6_script(fast, CHAT, EMBED))
    stages = [{"duration": "1s", "target": 6}, {"duration": "3s", "target": 8},
              {"duration": "1s", "target": 0}]
    summary = tmp_path / "summary.json"
    served = {CHAT[0]["name"], EMBED[0]["name"]}
    with OpenAIStub(chat=[CHAT[0]["name"]], embed=[EMBED[0]["name"]], token=TOKEN) as stub:
        proc, seconds = run(script, stub_env(stub, CHAT + EMBED, stages),
                            "--summary-export", str(summary))
        records = stub.records
    print(f"\nk6 run: {seconds:.1f}s, exit {proc.returncode}")
    print("\n".join(m.group(0).rstrip() for m in SUMMARY_LINE.finditer(proc.stdout)))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    by_path = Counter(r.path for r in records)
    total = len(records)
    assert total >= 30, by_path
    assert set(by_path) == {CHAT_PATH, EMBED_PATH}
    assert 0.25 <= by_path[CHAT_PATH] / total <= 0.85, by_path
    assert all(r.auth_ok and r.status == 200 and r.method == "POST" for r in records)
    assert {r.model for r in records} == served
    assert all(r.model == (CHAT[0]["name"] if r.path == CHAT_PATH else EMBED[0]["name"])
               for r in records)
    assert all(r.body_bytes > 0 for r in records)

    data = json.loads(summary.read_text())
    metrics = data["metrics"]
    assert metrics["http_reqs"]["count"] == total
    assert metrics["checks"]["fails"] == 0 and metrics["checks"]["passes"] == 2 * total
    assert all(c["fails"] == 0 for c in data["root_group"]["checks"].values())
    assert metrics["http_req_failed"]["passes"] == 0  # Rate: "passes" = failed requests
    assert {"http_req_duration{kind:chat}", "http_req_duration{kind:embed}"} <= set(metrics)


@pytest.mark.slow
@needs_k6
def test_k6_sends_nasty_model_name_verbatim(tmp_path):
    chat = [{"name": NASTY, "url": "http://unused.invalid:1", "env": "GPUAAS_URL_NASTY"}]
    script = write(tmp_path, k6_script({**LOADTEST, "startVUs": 1, "sleepMaxSeconds": 0.1},
                                       chat, []))
    with OpenAIStub(chat=[NASTY], token=TOKEN) as stub:
        proc, _ = run(script, stub_env(stub, chat, [{"duration": "1s", "target": 1}]))
        records = stub.records
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert records and all(r.model == NASTY and r.status == 200 for r in records)


# -- (c) failing endpoints fail the thresholds ----------------------------------------------

@pytest.mark.slow
@needs_k6
def test_k6_exits_99_when_thresholds_fail(tmp_path):
    script = write(tmp_path, k6_script({**LOADTEST, "sleepMaxSeconds": 0.2}, CHAT, EMBED))
    with OpenAIStub(chat=[CHAT[0]["name"]], embed=[EMBED[0]["name"]], token=TOKEN,
                    fail=True) as stub:
        proc, _ = run(script, stub_env(stub, CHAT + EMBED,
                                       [{"duration": "1s", "target": 3},
                                        {"duration": "1s", "target": 0}]))
        records = stub.records
    assert proc.returncode == 99, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert records and all(r.status == 500 and r.auth_ok for r in records)
    assert "thresholds" in proc.stderr.lower()


@pytest.mark.slow
@needs_k6
def test_k6_fails_without_the_token(tmp_path):
    script = write(tmp_path, k6_script({**LOADTEST, "startVUs": 1, "sleepMaxSeconds": 0.1},
                                       CHAT, []))
    with OpenAIStub(chat=[CHAT[0]["name"]], token=TOKEN) as stub:
        env = stub_env(stub, CHAT, [{"duration": "1s", "target": 1}])
        env["OPENSHIFT_AI_TOKEN"] = "wrong"
        proc, _ = run(script, env)
        records = stub.records
    assert proc.returncode == 99
    assert records and not any(r.auth_ok for r in records)
    assert {r.status for r in records} == {401}


@pytest.mark.slow
@needs_k6
def test_k6_without_a_token_sends_no_authorization_header(tmp_path):
    """serving.auth: false renders no token Secret: the script must not send "Bearer undefined"."""
    chat = [{"name": "c", "url": "http://unused.invalid:1", "env": "GPUAAS_URL_C"}]
    script = write(tmp_path, k6_script({**LOADTEST, "startVUs": 1, "sleepMaxSeconds": 0.1}, chat, []))
    with OpenAIStub(chat=["c"], token=None) as stub:
        env = stub_env(stub, chat, [{"duration": "1s", "target": 1}])
        del env["OPENSHIFT_AI_TOKEN"]
        proc, _ = run(script, env)
        records = stub.records
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert records and all(r.auth_ok and r.status == 200 for r in records)
