"""A small OpenAI-compatible server for tests (standard library only).

    with OpenAIStub(chat=["m-chat"], embed=["m-embed"], token="t") as stub:
        ...  # stub.url == "http://127.0.0.1:<port>"
        stub.records  # every request seen, thread-safe snapshot

Serves ``POST /v1/chat/completions`` (streamed as server-sent events, one token per event,
when the request says ``"stream": true``, as vLLM does), ``POST /v1/embeddings``,
``GET /v1/models`` and ``GET /health``.
A missing or wrong bearer token gives 401; a model it does not serve gives 404 (a model
of the other kind gives 400, as vLLM does); ``fail=True`` answers 500 to every request
that gets past those checks.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable

CHAT_PATH = "/v1/chat/completions"
EMBED_PATH = "/v1/embeddings"
MODELS_PATH = "/v1/models"
HEALTH_PATH = "/health"
METRICS_PATH = "/metrics"


@dataclass(frozen=True)
class Record:
    method: str
    path: str
    model: str | None
    auth_ok: bool
    body_bytes: int
    status: int


class OpenAIStub:
    def __init__(self, chat: Iterable[str] = (), embed: Iterable[str] = (), *,
                 token: str | None = "test-token", fail: bool = False, latency: float = 0.0,
                 dims: int = 8, num_gpu_blocks: int | None = None) -> None:
        self.chat, self.embed = list(chat), list(embed)
        self.num_gpu_blocks = num_gpu_blocks       # serves /metrics when set
        self.token, self.fail, self.latency, self.dims = token, fail, latency, dims
        self._lock = threading.Lock()
        self._records: list[Record] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> "OpenAIStub":
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="openai-stub",
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "OpenAIStub":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "stub not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- recording -----------------------------------------------------------------------
    def record(self, rec: Record) -> None:
        with self._lock:
            self._records.append(rec)

    @property
    def records(self) -> list[Record]:
        with self._lock:
            return list(self._records)

    def count(self, path: str | None = None) -> int:
        return sum(1 for r in self.records if path is None or r.path == path)


def metrics_text(num_gpu_blocks: int) -> str:
    """vLLM's /metrics as prometheus_client writes it: cache_config_info is a gauge set to 1
    whose labels are every CacheConfig field as a string, and `engine`
    (vllm/v1/metrics/loggers.py log_metrics_info, vllm/config/cache.py metrics_info)."""
    labels = {"block_size": "16", "cache_dtype": "auto", "calculate_kv_scales": "False",
              "cpu_offload_gb": "0", "enable_prefix_caching": "True", "engine": "0",
              "gpu_memory_utilization": "0.9", "is_attention_free": "False",
              "num_cpu_blocks": "None", "num_gpu_blocks": str(num_gpu_blocks),
              "num_gpu_blocks_override": "None", "prefix_caching_hash_algo": "sha256",
              "sliding_window": "None", "swap_space": "4"}
    info = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return ("# HELP vllm:num_requests_running Number of requests in model execution batches.\n"
            "# TYPE vllm:num_requests_running gauge\n"
            'vllm:num_requests_running{engine="0",model_name="m"} 0.0\n'
            "# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig\n"
            "# TYPE vllm:cache_config_info gauge\n"
            f"vllm:cache_config_info{{{info}}} 1.0\n")


def _error(status: int, message: str, kind: str) -> tuple[int, dict]:
    return status, {"object": "error", "message": message, "type": kind, "code": status}


def _handler_for(stub: OpenAIStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as k6 expects
        disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _auth_ok(self) -> bool:
            if stub.token is None:   # an endpoint without token auth: expect no header
                return self.headers.get("Authorization") is None
            return self.headers.get("Authorization") == f"Bearer {stub.token}"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            auth_ok = self._auth_ok()
            if path == HEALTH_PATH:   # vLLM's health check takes no token
                stub.record(Record("GET", path, None, auth_ok, 0, 200))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if path == METRICS_PATH and auth_ok and stub.num_gpu_blocks is not None:
                stub.record(Record("GET", path, None, auth_ok, 0, 200))
                body = metrics_text(stub.num_gpu_blocks).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if not auth_ok:
                status, payload = _error(401, "Unauthorized", "AuthenticationError")
            elif path != MODELS_PATH:
                status, payload = _error(404, f"no route {path}", "NotFoundError")
            elif stub.fail:
                status, payload = _error(500, "stub failure mode", "InternalServerError")
            else:
                status, payload = 200, {"object": "list", "data": [
                    {"id": m, "object": "model", "created": 0, "owned_by": "vllm"}
                    for m in stub.chat + stub.embed]}
            # Recorded before answering: once a client has its response, the record exists.
            stub.record(Record("GET", path, None, auth_ok, 0, status))
            self._send(status, payload)

        def do_POST(self) -> None:
            path = self.path.split("?", 1)[0]
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            auth_ok = self._auth_ok()
            model = None
            try:
                body = json.loads(raw or b"null")
                if isinstance(body, dict) and isinstance(body.get("model"), str):
                    model = body["model"]
            except ValueError:
                body = None
            if stub.latency:
                time.sleep(stub.latency)
            status, payload = self._answer(path, body, model, auth_ok)
            stub.record(Record("POST", path, model, auth_ok, len(raw), status))
            if status == 200 and path == CHAT_PATH and body.get("stream"):
                self._stream(payload, bool((body.get("stream_options") or {}).get("include_usage")))
            else:
                self._send(status, payload)

        def _stream(self, payload: dict, usage: bool) -> None:
            """The completion as server-sent events in chunked encoding: a first event with
            the role, one per token, the usage when asked, then [DONE]."""
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            base = {"id": payload["id"], "object": "chat.completion.chunk", "created": 0,
                    "model": payload["model"]}
            tokens = payload["choices"][0]["message"]["content"].split(" ")
            events = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant"},
                                            "finish_reason": None}]}]
            events += [{**base, "choices": [{"index": 0, "delta": {"content": t + " "},
                                             "finish_reason": None}]} for t in tokens if t]
            events[-1]["choices"][0]["finish_reason"] = "length"
            if usage:
                events.append({**base, "choices": [], "usage": payload["usage"]})
            for n, event in enumerate(events):
                if n and stub.latency:
                    time.sleep(stub.latency / len(events))
                self._chunk(f"data: {json.dumps(event)}\n\n".encode())
            self._chunk(b"data: [DONE]\n\n")
            self._chunk(b"")

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _answer(self, path: str, body: Any, model: str | None, auth_ok: bool
                    ) -> tuple[int, dict]:
            if path not in (CHAT_PATH, EMBED_PATH):
                return _error(404, f"no route {path}", "NotFoundError")
            if not auth_ok:
                return _error(401, "Unauthorized", "AuthenticationError")
            if not isinstance(body, dict):
                return _error(400, "body must be a JSON object", "BadRequestError")
            if model not in stub.chat + stub.embed:
                return _error(404, f"The model `{model}` does not exist.", "NotFoundError")
            wanted = stub.chat if path == CHAT_PATH else stub.embed
            if model not in wanted:
                return _error(400, f"model `{model}` does not support {path}", "BadRequestError")
            if stub.fail:
                return _error(500, "stub failure mode", "InternalServerError")
            if path == CHAT_PATH:
                return self._chat(body, model)
            return self._embeddings(body, model)

        def _chat(self, body: dict, model: str) -> tuple[int, dict]:
            messages = body.get("messages")
            if not isinstance(messages, list) or not messages:
                return _error(400, "messages must be a non-empty list", "BadRequestError")
            prompt = sum(len(str(m.get("content", ""))) for m in messages if isinstance(m, dict))
            completion = min(int(body.get("max_tokens") or 16), 16)
            return 200, {
                "id": "chatcmpl-stub", "object": "chat.completion", "created": 0,
                "model": model,
                "choices": [{"index": 0, "finish_reason": "length",
                             "message": {"role": "assistant", "content": "- ok " * completion}}],
                "usage": {"prompt_tokens": prompt // 4, "completion_tokens": completion,
                          "total_tokens": prompt // 4 + completion},
            }

        def _embeddings(self, body: dict, model: str) -> tuple[int, dict]:
            items = body.get("input")
            if isinstance(items, str):
                items = [items]
            if not isinstance(items, list) or not items:
                return _error(400, "input must be a string or a non-empty list", "BadRequestError")
            tokens = sum(len(str(i)) for i in items) // 4
            return 200, {
                "object": "list", "model": model,
                "data": [{"object": "embedding", "index": n,
                          "embedding": [round((len(str(i)) % 97) / 97, 4)] * stub.dims}
                         for n, i in enumerate(items)],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }

    return Handler
