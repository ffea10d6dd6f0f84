"""Checkpoint and served precision are two facts: `precision` is what the checkpoint stores
(it sizes the upload, the node disk and, unless vLLM quantises it, the GPU fit);
`quantization: fp8` is vLLM quantising a 16-bit checkpoint as it loads it."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from gpuaas import catalog, pipeline, rules
from gpuaas.portfolio import load_text

from .conftest import HEAD

BASE = HEAD + """\
pools:
  - {name: h100, gpu: H100, instanceType: p5.48xlarge}
storage:
  s3: {connection: minio, bucket: models}
models:
  - name: m
    source: SOURCE
    params: 70.6B
    precision: PRECISION
    gpus: 2
    maxModelLen: 8192
EXTRA"""
LLAMA = "hf://meta-llama/Llama-3.1-70B-Instruct"
LLAMA_FP8 = "hf://RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8"


def text(source=LLAMA, precision="bf16", extra=""):
    return BASE.replace("SOURCE", source).replace("PRECISION", precision).replace("EXTRA", extra)


def checkpoint(t: str) -> list:
    return [f for f in rules.check(load_text(t, "p.yaml")) if f.code == "CHECKPOINT"]


def test_a_16_bit_model_declared_fp8_is_an_error_that_says_how_to_serve_it_in_fp8():
    [f] = checkpoint(text(precision="fp8"))
    assert f.line == 14 and "is a 16-bit checkpoint" in f.message and "quantization: fp8" in f.message


def test_an_fp8_checkpoint_declared_bf16_is_an_error():
    [f] = checkpoint(text(LLAMA_FP8, "bf16", "    format: compressed-tensors\n"))
    assert "is a FP8 checkpoint (its name says FP8)" in f.message and "fp8" in f.message.rsplit("(", 1)[1]


def test_what_the_name_says_passes():
    assert checkpoint(text()) == [] and checkpoint(text(LLAMA_FP8, "fp8", "    format: compressed-tensors\n")) == []
    assert checkpoint(text("hf://org/private-model", "fp8")) == []     # the name says nothing


def test_a_config_json_decides(tmp_path: Path):
    config = {"architectures": ["LlamaForCausalLM"], "num_attention_heads": 64, "hidden_size": 8192,
              "num_hidden_layers": 80, "num_key_value_heads": 8, "max_position_embeddings": 131072,
              "intermediate_size": 28672, "vocab_size": 128256, "torch_dtype": "bfloat16",
              "quantization_config": {"quant_method": "compressed-tensors", "config_groups": {
                  "group_0": {"weights": {"num_bits": 4, "type": "int"}}}}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    extra = f"    architecture: {tmp_path / 'config.json'}\n"
    [f] = checkpoint(text("hf://org/private-model", "fp8", extra))
    assert "4-bit checkpoint (its config.json" in f.message and "w4a16 or int4" in f.message
    assert checkpoint(text("hf://org/private-model", "w4a16", extra)) == []


def test_fp8_on_load_renders_the_flag_fits_fp8_and_sizes_the_upload_by_the_checkpoint(tmp_path: Path):
    def build(extra: str):
        path = tmp_path / "p.yaml"
        path.write_text(text(extra=extra).replace("    gpus: 2", "    gpus: 4").replace(
            "s3: {connection: minio, bucket: models}",
            "s3: {connection: minio, bucket: models}\n  uploads: {hfTokenSecret: hf-token}"))
        built = pipeline.build(path)
        assert built.ok, built.findings
        return built
    bf16, fp8 = build(""), build("    quantization: fp8\n")
    [m16], [m8] = (b.plan.environments[0].models for b in (bf16, fp8))
    assert m8.fit.estimate.weights_gib == pytest.approx(m16.fit.estimate.weights_gib / 2, rel=0.05)
    isvc = yaml.safe_load(fp8.files["components/prod/serving/isvc-m.yaml"])
    assert "--quantization=fp8" in isvc["spec"]["predictor"]["model"]["args"]
    assert "--quantization=fp8" not in bf16.files["components/prod/serving/isvc-m.yaml"]
    # the upload moves the checkpoint: 141 GB of bf16 safetensors, whatever vLLM makes of them
    scratch = f'storage: "{math.ceil(70.6 * 2 * 1.1) + 5}Gi"'         # 161Gi, not the 82Gi of FP8 bytes
    for b in (bf16, fp8):
        assert scratch in b.files["components/prod/uploads/job-upload-m.yaml"]
    assert m8.model.weights_gb == pytest.approx(70.6 * catalog.PRECISIONS["bf16"])


def test_fp8_on_load_of_a_quantised_checkpoint_is_an_error():
    [f] = checkpoint(text(LLAMA_FP8, "fp8", "    format: compressed-tensors\n    quantization: fp8\n"))
    assert "already fp8" in f.message and f.line == 18
