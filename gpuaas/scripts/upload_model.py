#!/usr/bin/env python3
"""Copy a Hugging Face model snapshot to S3, resumably, downloading only what is missing.

Runs inside the model-upload Job (mounted from a ConfigMap). Configuration comes
from the environment only:

  MODEL_REPO             Hugging Face repo id, e.g. mistralai/Mistral-Small-24B-Instruct-2501
  MODEL_REVISION         optional commit/tag/branch to pin
  HF_TOKEN               optional Hugging Face token (gated/private repos)
  WORK_DIR               scratch directory for the download
  LOCAL_MODEL_DIR        optional: skip Hugging Face entirely and upload this directory
                         (MODEL_REPO and WORK_DIR are then not needed)
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_S3_ENDPOINT, AWS_S3_BUCKET
  AWS_DEFAULT_REGION     optional, defaults to us-east-1
  S3_PREFIX              objects are written to s3://$AWS_S3_BUCKET/$S3_PREFIX/<path>
  UPLOAD_ALL_WEIGHTS     optional: copy every weights file (vLLM runs with a --load-format
                         that reads consolidated or original checkpoints)

A model is served only once it is complete: when every file is in S3 with its size, the
script writes the marker object s3://$AWS_S3_BUCKET/$S3_PREFIX.complete (beside the prefix,
not under it, so KServe never copies it). `--wait` is the other half, run as an init
container of the model's pods before KServe's storage-initializer: it polls for the marker
(standard library only, SigV4-signed HEAD requests) and exits 0 once it exists, so a pod
never copies a partial upload. WAIT_TIMEOUT (seconds, default 0 = forever) and
WAIT_INTERVAL (default 10) tune it; it needs only the S3 variables.

Resumable, and cheap to re-run (a retry, or a new Job after a change):
  1. the repository's files and sizes are listed (HfApi().list_repo_tree);
  2. the existing objects under the prefix are listed once;
  3. only files whose object is missing or has a different size are downloaded
     (second copies of the weights are left out when the repository has Hugging Face
     safetensors: consolidated*.safetensors, original/*.safetensors, *.bin, *.pth, *.pt, *.gguf)
     (into $WORK_DIR/<owner>--<name>) and uploaded. When nothing is missing,
     nothing is downloaded and the script exits 0.
With LOCAL_MODEL_DIR, steps 1 and 3's download are replaced by walking that
directory; a file whose object already exists with the same size is skipped.
Not copied, in either mode: folders, .git* files and directories (.gitattributes)
and huggingface_hub's .cache/ metadata. Only objects are created: the bucket
must already exist.

Output (stdout, one line per event; the last line is always the summary, then the marker):
  <repo>@<revision>: N files (B bytes) in the repository, K already in s3://<bucket>/<prefix>/
  LOCAL_MODEL_DIR set: skipping download, using <dir>
  skipped  s3://<bucket>/<key> (<size> bytes, already present)
  nothing to download: all N files already in s3://<bucket>/<prefix>/
  downloading K of N files (B bytes) of <repo>@<revision> into <dir>
  uploading K files from <dir> to s3://<bucket>/<prefix>/ (M objects already there)
  warning: <path> is <size> bytes, the repository listing said <size>
  uploaded s3://<bucket>/<key> (<size> bytes)
  uploaded U files (B bytes), skipped S
  complete s3://<bucket>/<prefix>.complete (N files, B bytes)

Exit codes: 0 success (also when nothing needed copying), 1 listing/download/S3/file
error, 2 configuration error.
Errors are reported as one line on stderr: "upload_model: error: ...".
"""
from __future__ import annotations

import argparse
import contextlib
import glob
import os
import sys
from pathlib import Path

S3_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_S3_ENDPOINT", "AWS_S3_BUCKET",
           "S3_PREFIX")
DOWNLOAD_VARS = ("MODEL_REPO", "WORK_DIR")
SKIP_DIRS = {".cache"}  # huggingface_hub keeps download metadata in <local_dir>/.cache/


class Failure(Exception):
    """An expected error: reported as one line, exit code 1."""

    exit_code = 1


class ConfigError(Failure):
    exit_code = 2


def log(message: str) -> None:
    print(message, flush=True)


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def read_config(environ, downloading: bool = True) -> dict[str, str]:
    env = {key: value.strip() for key, value in environ.items() if value.strip()}
    required = S3_VARS + (DOWNLOAD_VARS if downloading and not env.get("LOCAL_MODEL_DIR") else ())
    missing = [name for name in required if name not in env]
    if missing:
        raise ConfigError(f"missing required environment variable(s): {', '.join(missing)}")
    env["S3_PREFIX"] = env["S3_PREFIX"].strip("/")
    if not env["S3_PREFIX"]:
        raise ConfigError("S3_PREFIX must not be empty or '/'")
    endpoint = env["AWS_S3_ENDPOINT"]
    if not endpoint.startswith(("http://", "https://")):
        raise ConfigError(f"AWS_S3_ENDPOINT must start with http:// or https://, got {endpoint!r}")
    return env


# --- what is copied ---------------------------------------------------------------------

def skip_dir(name: str) -> bool:
    return name in SKIP_DIRS or name.startswith(".git")


def skip_file(name: str) -> bool:
    return name.startswith(".git")


def skip_path(rel: str) -> bool:
    """The same rule as iter_files, for a repository path like "original/params.json"."""
    *dirs, name = rel.split("/")
    return any(skip_dir(d) for d in dirs) or skip_file(name)


def iter_files(root: Path):
    """Yield (relative posix path, absolute path) for every file to upload, sorted."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not skip_dir(d))
        for name in sorted(filenames):
            if not skip_file(name):
                path = Path(dirpath, name)
                yield path.relative_to(root).as_posix(), path


def remote_files(entries) -> dict[str, int]:
    """{path: size} of the repository files to copy, sorted by path.

    `entries` are list_repo_tree() results: RepoFile (path, size) and RepoFolder (no size).
    """
    files = {}
    for entry in entries:
        size = getattr(entry, "size", None)
        if size is not None and not skip_path(entry.path):
            files[entry.path] = int(size)
    duplicates = set() if os.environ.get("UPLOAD_ALL_WEIGHTS") else duplicate_weights(files)
    return {path: size for path, size in sorted(files.items()) if path not in duplicates}


def duplicate_weights(files) -> set[str]:
    """Second copies of the weights that vLLM does not read when the repository has Hugging
    Face safetensors: Mistral's consolidated*.safetensors, Meta's original/ checkpoint,
    PyTorch .bin/.pth/.pt and GGUF files. They double the download (a 24B model's repository holds ~96 GB
    for 48 GB of weights) and the scratch volume, and the serving pod would copy them too."""
    if not any(p.endswith(".safetensors") and not p.split("/")[-1].startswith("consolidated")
               and "/" not in p for p in files):
        return set()
    return {p for p in files
            if p.endswith((".pth", ".pt", ".gguf", ".bin"))
            or (p.endswith(".safetensors") and (p.startswith("original/")
                                                 or p.split("/")[-1].startswith("consolidated")))}


# --- Hugging Face (the defaults for main()'s list_remote and download) -----------------

def list_hub(repo_id: str, revision: str | None, token: str | None):
    """Every file and folder of the repository at `revision`, recursively."""
    from huggingface_hub import HfApi

    return HfApi().list_repo_tree(repo_id, revision=revision, recursive=True, token=token)


def download_hub(*, repo_id: str, revision: str | None, token: str | None,
                 filenames: list[str], local_dir: Path, cache_dir: Path) -> str:
    """Download exactly `filenames` into local_dir; returns local_dir."""
    from huggingface_hub import snapshot_download

    # allow_patterns are fnmatch patterns: escape [, * and ? so each matches one path only.
    return snapshot_download(
        repo_id=repo_id,
        revision=revision,
        token=token,
        local_dir=local_dir,
        cache_dir=cache_dir,  # on the scratch volume too: $HOME is often not writable in the pod
        allow_patterns=[glob.escape(name) for name in filenames],
    )


# --- S3 ---------------------------------------------------------------------------------

def s3_client(env: dict[str, str]):
    import boto3
    from botocore.config import Config

    options = dict(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"})
    try:  # botocore >= 1.36 sends CRC checksums by default, which some S3-compatible stores reject
        config = Config(**options, request_checksum_calculation="when_required",
                        response_checksum_validation="when_required")
    except TypeError:
        config = Config(**options)
    return boto3.client(
        "s3",
        endpoint_url=env["AWS_S3_ENDPOINT"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env.get("AWS_DEFAULT_REGION", "us-east-1"),
        config=config,
    )


@contextlib.contextmanager
def s3_errors(env: dict[str, str]):
    """Turn boto3/botocore/file errors into one-line Failures."""
    from boto3.exceptions import S3UploadFailedError
    from botocore.exceptions import BotoCoreError, ClientError

    bucket = env["AWS_S3_BUCKET"]
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") in ("NoSuchBucket", "404"):
            raise Failure(f"bucket {bucket!r} does not exist at {env['AWS_S3_ENDPOINT']} "
                          "(create it first; this script only creates objects)") from None
        raise Failure(f"S3 error: {error.get('Code', '?')}: {error.get('Message', exc)}") from None
    except (BotoCoreError, S3UploadFailedError) as exc:
        raise Failure(f"S3 error: {one_line(exc)}") from None
    except OSError as exc:
        raise Failure(f"I/O error: {one_line(exc)}") from None


def existing_sizes(s3, bucket: str, prefix: str) -> dict[str, int]:
    sizes = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/"):
        for obj in page.get("Contents", []):
            sizes[obj["Key"]] = obj["Size"]
    return sizes


def upload(s3, env: dict[str, str], files, existing: dict[str, int]) -> tuple[int, int, int]:
    """Upload (rel, path) pairs whose object is missing or differs in size.

    Returns (uploaded, uploaded_bytes, skipped). Call inside s3_errors().
    """
    bucket, prefix = env["AWS_S3_BUCKET"], env["S3_PREFIX"]
    uploaded = uploaded_bytes = skipped = 0
    for rel, path in files:
        key, size = f"{prefix}/{rel}", path.stat().st_size
        if existing.get(key) == size:
            log(f"skipped  s3://{bucket}/{key} ({size} bytes, already present)")
            skipped += 1
            continue
        s3.upload_file(str(path), bucket, key)  # multipart above 8 MiB, handled by boto3
        log(f"uploaded s3://{bucket}/{key} ({size} bytes)")
        uploaded, uploaded_bytes = uploaded + 1, uploaded_bytes + size
    return uploaded, uploaded_bytes, skipped


def log_summary(uploaded: int, uploaded_bytes: int, skipped: int) -> None:
    log(f"uploaded {uploaded} files ({uploaded_bytes} bytes), skipped {skipped}")


def marker_key(prefix: str) -> str:
    """Beside the prefix (`m/abc.complete` for `m/abc/`), so a prefix listing never holds it."""
    return f"{prefix}.complete"


def publish(s3, env: dict[str, str], wanted: dict[str, int]) -> None:
    """Write the completion marker once S3 holds every wanted file with its size.
    Call inside s3_errors()."""
    import json
    bucket, prefix = env["AWS_S3_BUCKET"], env["S3_PREFIX"]
    present = existing_sizes(s3, bucket, prefix)
    wrong = sorted(rel for rel, size in wanted.items() if present.get(f"{prefix}/{rel}") != size)
    if wrong:
        raise Failure(f"not complete in s3://{bucket}/{prefix}/: {', '.join(wrong[:5])}"
                      f"{' ...' if len(wrong) > 5 else ''}; no marker written")
    body = json.dumps({"files": dict(sorted(wanted.items())), "bytes": sum(wanted.values())},
                      indent=1).encode()
    s3.put_object(Bucket=bucket, Key=marker_key(prefix), Body=body)
    log(f"complete s3://{bucket}/{marker_key(prefix)} ({len(wanted)} files, "
        f"{sum(wanted.values())} bytes)")


# --- waiting for a complete upload (init container; standard library only) -------------

def signed_head(env: dict[str, str], key: str) -> int:
    """HEAD s3://bucket/key with AWS Signature V4 (path-style); returns the HTTP status."""
    import datetime
    import hashlib
    import hmac
    import urllib.error
    import urllib.parse
    import urllib.request

    endpoint = urllib.parse.urlsplit(env["AWS_S3_ENDPOINT"].rstrip("/"))
    region = env.get("AWS_DEFAULT_REGION") or "us-east-1"
    path = urllib.parse.quote(f"{endpoint.path}/{env['AWS_S3_BUCKET']}/{key}", safe="/-_.~")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    payload = hashlib.sha256(b"").hexdigest()
    headers = {"host": endpoint.netloc, "x-amz-content-sha256": payload, "x-amz-date": stamp}
    signed = ";".join(sorted(headers))
    canonical = "\n".join(["HEAD", path, "", *(f"{k}:{headers[k]}" for k in sorted(headers)), "",
                           signed, payload])
    scope = f"{stamp[:8]}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    secret = ("AWS4" + env["AWS_SECRET_ACCESS_KEY"]).encode()
    for part in (stamp[:8], region, "s3", "aws4_request"):
        secret = hmac.new(secret, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(secret, to_sign.encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        f"{endpoint.scheme}://{endpoint.netloc}{path}", method="HEAD",
        headers={"x-amz-content-sha256": payload, "x-amz-date": stamp,
                 "Authorization": f"AWS4-HMAC-SHA256 Credential={env['AWS_ACCESS_KEY_ID']}/{scope}, "
                                  f"SignedHeaders={signed}, Signature={signature}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def wait_for_marker(env: dict[str, str], sleep=None, clock=None) -> None:
    import time
    sleep, clock = sleep or time.sleep, clock or time.monotonic
    key = marker_key(env["S3_PREFIX"])
    timeout = float(env.get("WAIT_TIMEOUT", "0"))
    interval = float(env.get("WAIT_INTERVAL", "10"))
    start, waited = clock(), False
    while True:
        try:
            status = signed_head(env, key)
        except OSError as exc:  # S3 not reachable yet: keep waiting, as for a missing marker
            status, reason = None, one_line(exc)
        else:
            reason = f"HTTP {status}"
        if status == 200:
            log(f"complete: s3://{env['AWS_S3_BUCKET']}/{key}")
            return
        if status in (401, 403):
            raise Failure(f"S3 refused the credentials ({reason}) for s3://{env['AWS_S3_BUCKET']}/{key}")
        if timeout and clock() - start >= timeout:
            raise Failure(f"s3://{env['AWS_S3_BUCKET']}/{key} did not appear within {timeout:g}s "
                          f"({reason}): the upload Job has not finished")
        if not waited:
            log(f"waiting for s3://{env['AWS_S3_BUCKET']}/{key} ({reason}): the upload is not complete")
            waited = True
        sleep(interval)


# --- the two modes ----------------------------------------------------------------------

def copy_local_dir(env: dict[str, str]) -> None:
    root = Path(env["LOCAL_MODEL_DIR"])
    if not root.is_dir():
        raise ConfigError(f"LOCAL_MODEL_DIR {str(root)!r} is not a directory")
    log(f"LOCAL_MODEL_DIR set: skipping download, using {root}")
    bucket, prefix = env["AWS_S3_BUCKET"], env["S3_PREFIX"]
    with s3_errors(env):
        files = list(iter_files(root))
        if not files:
            raise Failure(f"no files to upload under {root}")
        s3 = s3_client(env)
        existing = existing_sizes(s3, bucket, prefix)
        log(f"uploading {len(files)} files from {root} to s3://{bucket}/{prefix}/ "
            f"({len(existing)} objects already there)")
        log_summary(*upload(s3, env, files, existing))
        publish(s3, env, {rel: path.stat().st_size for rel, path in files})


def copy_from_hub(env: dict[str, str], list_remote, download) -> None:
    repo, revision, token = env["MODEL_REPO"], env.get("MODEL_REVISION"), env.get("HF_TOKEN")
    bucket, prefix = env["AWS_S3_BUCKET"], env["S3_PREFIX"]
    where = f"{repo}@{revision or 'default branch'}"
    try:
        entries = list(list_remote(repo, revision=revision, token=token))
    except ImportError:
        raise
    except Exception as exc:  # network, auth, gated repo, unknown repo or revision...
        raise Failure(f"listing of {where} failed: {one_line(exc)}") from None
    wanted = remote_files(entries)
    if not wanted:
        raise Failure(f"no files to upload in {where}")

    with s3_errors(env):
        s3 = s3_client(env)
        existing = existing_sizes(s3, bucket, prefix)
    present = [rel for rel, size in wanted.items() if existing.get(f"{prefix}/{rel}") == size]
    missing = [rel for rel, size in wanted.items() if existing.get(f"{prefix}/{rel}") != size]
    log(f"{where}: {len(wanted)} files ({sum(wanted.values())} bytes) in the repository, "
        f"{len(present)} already in s3://{bucket}/{prefix}/")
    for rel in present:
        log(f"skipped  s3://{bucket}/{prefix}/{rel} ({wanted[rel]} bytes, already present)")
    if not missing:
        log(f"nothing to download: all {len(wanted)} files already in s3://{bucket}/{prefix}/")
        log_summary(0, 0, len(present))
        with s3_errors(env):
            publish(s3, env, wanted)
        return

    work_dir = Path(env["WORK_DIR"])
    target = work_dir / repo.replace("/", "--")
    log(f"downloading {len(missing)} of {len(wanted)} files "
        f"({sum(wanted[rel] for rel in missing)} bytes) of {where} into {target}")
    try:
        root = Path(download(repo_id=repo, revision=revision, token=token, filenames=missing,
                             local_dir=target, cache_dir=work_dir / ".hf-cache"))
    except ImportError:
        raise
    except Exception as exc:  # network, auth, disk full...
        raise Failure(f"download of {where} failed: {one_line(exc)}") from None
    absent = [rel for rel in missing if not (root / rel).is_file()]
    if absent:
        raise Failure(f"download of {where} did not produce {', '.join(absent)} under {root}")

    with s3_errors(env):
        for rel in missing:
            if (size := (root / rel).stat().st_size) != wanted[rel]:  # changed upstream since?
                log(f"warning: {rel} is {size} bytes, the repository listing said {wanted[rel]}")
        log(f"uploading {len(missing)} files from {root} to s3://{bucket}/{prefix}/ "
            f"({len(existing)} objects already there)")
        uploaded, uploaded_bytes, _ = upload(s3, env, [(rel, root / rel) for rel in missing], {})
        log_summary(uploaded, uploaded_bytes, len(present))
        publish(s3, env, {rel: (root / rel).stat().st_size if rel in missing else size
                          for rel, size in wanted.items()})


def main(argv=None, environ=None, list_remote=None, download=None) -> int:
    """Entry point. list_remote and download default to Hugging Face (list_hub, download_hub)."""
    parser = argparse.ArgumentParser(
        prog="upload_model", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--wait", action="store_true", help="wait until the upload at S3_PREFIX "
                        "is complete (its marker exists), then exit 0")
    args = parser.parse_args(argv)
    try:
        env = read_config(os.environ if environ is None else environ, downloading=not args.wait)
        if args.wait:
            wait_for_marker(env)
        elif env.get("LOCAL_MODEL_DIR"):
            copy_local_dir(env)
        else:
            copy_from_hub(env, list_remote or list_hub, download or download_hub)
    except ImportError as exc:
        print(f"upload_model: error: missing Python package: {exc.name}",
              file=sys.stderr, flush=True)
        return 1
    except Failure as exc:
        print(f"upload_model: error: {exc}", file=sys.stderr, flush=True)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
