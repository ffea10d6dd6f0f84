"""The portfolio's JSON Schema, for editors (yaml-language-server) and `gpuaas schema`."""
from __future__ import annotations

from .schema import Portfolio

SCHEMA_ID = "https://gpuaas.dev/schema/portfolio-v1.json"


def portfolio_schema() -> dict:
    schema = Portfolio.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "gpuaas portfolio (gpuaas/v1)"
    return schema
