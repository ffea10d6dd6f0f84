"""A local Model Registry REST server that checks every exchange against the OpenAPI spec.

    with RegistryServer() as registry:
        ...  # registry.url == "http://127.0.0.1:<port>"
        registry.violations   # requests or responses the spec refused (must stay empty)
        registry.writes       # (method, path) of every POST and PATCH answered 2xx

It keeps entities in memory with the registry's semantics that registration relies on:
server-made ids and timestamps, names unique among registered models, serving environments,
versions of one registered model, artifacts of one version and inference services of one
serving environment (409 otherwise); find* answers 404 when nothing matches; PATCH replaces
the fields it names. Every request is validated (path, query, body) by openapi-core before
it is served (a refused request is answered 400 and recorded); every response is validated
too, so the server cannot drift from the spec either.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC = Path(__file__).parent / "fixtures" / "model-registry-openapi-v0.3.2.yaml"
API = "/api/model_registry/v1alpha3"
SPEC_HOST = "http://localhost:8080"   # the spec's server: the validator matches paths under it

# collection -> (entity kind, parent field used for uniqueness and parentResourceId)
COLLECTIONS = {
    "registered_models": ("registered_model", None),
    "model_versions": ("model_version", "registeredModelId"),
    "model_artifacts": ("model_artifact", "_versionId"),
    "serving_environments": ("serving_environment", None),
    "inference_services": ("inference_service", "servingEnvironmentId"),
}
FINDERS = {kind: collection for collection, (kind, _) in COLLECTIONS.items()}
# The spec's success status of each create (v0.3.2 lists 200, not 201, for inference services)
CREATED = {"inference_services": 200}


@dataclass
class SpecRequest:
    """openapi-core's Request protocol over a raw HTTP request."""
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes | None
    host_url: str = SPEC_HOST
    parameters: RequestParameters = field(init=False)

    def __post_init__(self) -> None:
        self.parameters = RequestParameters(
            query=ImmutableMultiDict([(k, v) for k, vs in self.query.items() for v in vs]),
            header=Headers(self.headers), cookie=ImmutableMultiDict())

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").lower()


@dataclass
class SpecResponse:
    status_code: int
    data: bytes
    content_type: str = "application/json"

    @property
    def headers(self) -> Headers:
        return Headers({"Content-Type": self.content_type})


class RegistryServer:
    def __init__(self, token: str | None = None) -> None:
        self.token = token
        self.openapi = OpenAPI.from_file_path(str(SPEC))
        self._lock = threading.Lock()
        self._next_id = 1
        self.store: dict[str, dict[str, dict]] = {c: {} for c in COLLECTIONS}
        self.violations: list[str] = []
        self.exchanges: list[tuple[str, str, int]] = []
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def __enter__(self) -> "RegistryServer":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p, status in self.exchanges if m in ("POST", "PATCH") and status < 300]

    def items(self, collection: str) -> list[dict]:
        with self._lock:
            return [dict(e) for e in self.store[collection].values()]

    # -- the API -----------------------------------------------------------------------
    def serve(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        if not path.startswith(API):
            return 404, error(404, f"no route {path}")
        parts = path[len(API):].strip("/").split("/")
        one = {k: v[0] for k, v in query.items()}
        with self._lock:
            if method == "GET" and len(parts) == 1 and parts[0] in FINDERS:
                return self._find(FINDERS[parts[0]], one)
            if method == "GET" and len(parts) == 1 and parts[0] in COLLECTIONS:
                return 200, listing(list(self.store[parts[0]].values()))
            if method == "POST" and len(parts) == 1 and parts[0] in COLLECTIONS:
                return self._create(parts[0], body)
            if method == "PATCH" and len(parts) == 2 and parts[0] in COLLECTIONS:
                return self._patch(parts[0], parts[1], body)
            if len(parts) == 3 and parts[0] == "model_versions" and parts[2] == "artifacts":
                if parts[1] not in self.store["model_versions"]:
                    return 404, error(404, f"no model version {parts[1]}")
                if method == "GET":
                    found = [public(a) for a in self.store["model_artifacts"].values()
                             if a["_versionId"] == parts[1] and a.get("name", one.get("name")) == one.get("name", a.get("name"))]
                    return 200, listing(found)
                if method == "POST":
                    return self._create("model_artifacts", {**body, "_versionId": parts[1]})
        return 404, error(404, f"no route {method} {path}")

    def _find(self, collection: str, query: dict[str, str]) -> tuple[int, Any]:
        _, parent = COLLECTIONS[collection]
        for entity in self.store[collection].values():
            if entity.get("name") == query.get("name") and (
                    "parentResourceId" not in query or entity.get(parent) == query["parentResourceId"]):
                return 200, public(entity)
        return 404, error(404, f"no {collection} named {query.get('name')!r}")

    def _create(self, collection: str, body: dict) -> tuple[int, Any]:
        _, parent = COLLECTIONS[collection]
        if parent and parent != "_versionId" and body.get(parent) not in self.store[
                "registered_models" if parent == "registeredModelId" else "serving_environments"]:
            return 400, error(400, f"{parent} {body.get(parent)!r} does not exist")
        for entity in self.store[collection].values():
            if entity.get("name") == body.get("name") and (not parent or entity.get(parent) == body.get(parent)):
                return 409, error(409, f"{collection} {body.get('name')!r} exists")
        now = str(int(time.time() * 1000))
        entity = {**body, "id": str(self._next_id), "createTimeSinceEpoch": now,
                  "lastUpdateTimeSinceEpoch": now}
        entity.setdefault("customProperties", {})
        if collection in ("registered_models", "model_versions"):
            entity.setdefault("state", "LIVE")
        if collection == "inference_services":
            entity.setdefault("desiredState", "DEPLOYED")
        self._next_id += 1
        self.store[collection][entity["id"]] = entity
        return CREATED.get(collection, 201), public(entity)

    def _patch(self, collection: str, ident: str, body: dict) -> tuple[int, Any]:
        entity = self.store[collection].get(ident)
        if entity is None:
            return 404, error(404, f"no {collection} {ident}")
        entity.update(body)
        entity["lastUpdateTimeSinceEpoch"] = str(int(time.time() * 1000))
        return 200, public(entity)


def public(entity: dict) -> dict:
    return {k: v for k, v in entity.items() if not k.startswith("_")}


def listing(items: list[dict]) -> dict:
    return {"items": [public(i) for i in items], "nextPageToken": "", "pageSize": 100,
            "size": len(items)}


def error(code: int, message: str) -> dict:
    return {"code": str(code), "message": message}


def _handler_for(registry: RegistryServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _exchange(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query, keep_blank_values=True)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else None
            request = SpecRequest(self.command.lower(), url.path, query, dict(self.headers.items()), raw)
            problem = None
            if registry.token and self.headers.get("Authorization") != f"Bearer {registry.token}":
                status, payload = 401, error(401, "Unauthorized")
            else:
                try:
                    registry.openapi.validate_request(request)
                except Exception as exc:   # openapi-core's validation errors
                    problem = f"request {self.command} {self.path}: {describe(exc)}"
                if problem:
                    status, payload = 400, error(400, problem)
                else:
                    status, payload = registry.serve(self.command, url.path, query,
                                                     json.loads(raw) if raw else None)
            data = json.dumps(payload).encode()
            try:
                registry.openapi.validate_response(request, SpecResponse(status, data))
            except Exception as exc:
                problem = (problem + "; " if problem else "") + \
                    f"response {status} to {self.command} {self.path}: {describe(exc)}"
            with registry._lock:
                registry.exchanges.append((self.command, url.path, status))
                if problem:
                    registry.violations.append(problem)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _exchange

    return Handler


def describe(exc: Exception) -> str:
    """openapi-core's error with the schema errors under it (the useful part)."""
    parts = [str(exc)]
    cause = exc.__cause__
    while cause is not None:
        parts.append(str(cause))
        for sub in getattr(cause, "schema_errors", []) or []:
            parts.append(getattr(sub, "message", str(sub)))
        cause = cause.__cause__
    return " | ".join(parts)[:2000]
