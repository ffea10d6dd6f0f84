#!/usr/bin/env python3
"""Download a Hugging Face model snapshot and upload it to S3, resumably.

Runs inside the model-upload Job (mounted from a ConfigMap). Configuration comes
from the environment only:

  MODEL_REPO             Hugging Face repo id, e.g. mistralai/Mistral-Small-24B-Instruct-2501
  MODEL_REVISION         optional commit/tag/branch to pin
  HF_TOKEN               optional Hugging Face token (gated/private repos)
  WORK_DIR               scratch directory for the download
  LOCAL_MODEL_DIR        optional: skip the download and upload this directory
                         (MODEL_REPO and WORK_DIR are then not needed)
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_S3_ENDPOINT, AWS_S3_BUCKET
  AWS_DEFAULT_REGION     optional, defaults to us-east-1
  S3_PREFIX              objects are written to s3://$AWS_S3_BUCKET/$S3_PREFIX/<path>

Resumable: existing objects under the prefix are listed once; a file whose
object already exists with the same size is skipped. Only objects are created:
the bucket must already exist.

Exit codes: 0 success, 1 download/S3/file error, 2 configuration error.
Errors are reported as one line on stderr: "upload_model: error: ...".
"""
from __future__ import annotations

import argparse
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


def read_config(environ) -> dict[str, str]:
    env = {key: value.strip() for key, value in environ.items() if value.strip()}
    required = S3_VARS + (() if env.get("LOCAL_MODEL_DIR") else DOWNLOAD_VARS)
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


def download(env: dict[str, str]) -> Path:
    repo, revision = env["MODEL_REPO"], env.get("MODEL_REVISION")
    work_dir = Path(env["WORK_DIR"])
    target = work_dir / repo.replace("/", "--")
    log(f"downloading {repo}@{revision or 'default branch'} into {target}")
    try:
        from huggingface_hub import snapshot_download

        # cache_dir on the scratch volume too: $HOME is often not writable in the pod.
        path = snapshot_download(
            repo_id=repo,
            revision=revision,
            token=env.get("HF_TOKEN"),
            local_dir=target,
            cache_dir=work_dir / ".hf-cache",
        )
    except Exception as exc:  # network, auth, gated repo, unknown revision, disk full...
        raise Failure(f"download of {repo} failed: {one_line(exc)}") from None
    return Path(path)


def iter_files(root: Path):
    """Yield (relative posix path, absolute path) for every file to upload, sorted."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".git"))
        for name in sorted(filenames):
            if not name.startswith(".git"):
                path = Path(dirpath, name)
                yield path.relative_to(root).as_posix(), path


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


def existing_sizes(s3, bucket: str, prefix: str) -> dict[str, int]:
    sizes = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/"):
        for obj in page.get("Contents", []):
            sizes[obj["Key"]] = obj["Size"]
    return sizes


def upload(env: dict[str, str], root: Path) -> None:
    from boto3.exceptions import S3UploadFailedError
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, prefix = env["AWS_S3_BUCKET"], env["S3_PREFIX"]
    files = list(iter_files(root))
    if not files:
        raise Failure(f"no files to upload under {root}")
    uploaded = uploaded_bytes = skipped = 0
    try:
        s3 = s3_client(env)
        existing = existing_sizes(s3, bucket, prefix)
        log(f"uploading {len(files)} files from {root} to s3://{bucket}/{prefix}/ "
            f"({len(existing)} objects already there)")
        for rel, path in files:
            key, size = f"{prefix}/{rel}", path.stat().st_size
            if existing.get(key) == size:
                log(f"skipped  s3://{bucket}/{key} ({size} bytes, already present)")
                skipped += 1
                continue
            s3.upload_file(str(path), bucket, key)  # multipart above 8 MiB, handled by boto3
            log(f"uploaded s3://{bucket}/{key} ({size} bytes)")
            uploaded, uploaded_bytes = uploaded + 1, uploaded_bytes + size
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
    log(f"uploaded {uploaded} files ({uploaded_bytes} bytes), skipped {skipped}")


def main(argv=None, environ=None) -> int:
    parser = argparse.ArgumentParser(
        prog="upload_model", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.parse_args(argv)
    try:
        env = read_config(os.environ if environ is None else environ)
        if env.get("LOCAL_MODEL_DIR"):
            root = Path(env["LOCAL_MODEL_DIR"])
            if not root.is_dir():
                raise ConfigError(f"LOCAL_MODEL_DIR {str(root)!r} is not a directory")
            log(f"LOCAL_MODEL_DIR set: skipping download, using {root}")
        else:
            root = download(env)
        upload(env, root)
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
