"""The field types the portfolio format shares: names, quantities, versions, URLs, each with
the check that keeps a bad value from reaching a rendered object."""
from __future__ import annotations

import math
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# A Kubernetes name that stays a valid DNS-1123 label after KServe appends "-predictor"
# (and a Service/Route prefix): 63 - len("-predictor") = 53.
NAME_MAX = 53
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# No inline flags (JavaScript editors read these patterns too); the look-ahead wants a
# non-zero digit: a count of 0 is no model.
_PARAMS = re.compile(r"^(?=\s*[\d.]*[1-9])\s*(\d+(?:\.\d+)?)\s*([KMBTkmbt]?)\s*$")
_PARAMS_FORM = re.compile(_PARAMS.pattern.replace(r"(?=\s*[\d.]*[1-9])", "", 1))
_SCALE = {"": 1, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}

Precision = Literal["fp32", "bf16", "fp16", "fp8", "int8", "w8a8", "w4a16", "int4", "mxfp4"]
State = Literal["active", "standby", "off"]
# Every model needs a GPU (rules.py says so as NO_GPU, with the line; the editor schema too).
GPUS_MIN = 1


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def shown(value: object, limit: int = 80) -> str:
    """repr() of a user's value for a message, cut short: a pasted 100 kB string must not
    become a 100 kB error line."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 5] + "…" + text[-4:]


def pattern(regex: re.Pattern, max_len: int | None = None) -> dict:
    """The JSON Schema side of a check below, for editors: the validator's own regex (and
    length), so the editor and the CLI cannot drift apart."""
    return {"pattern": regex.pattern, **({"maxLength": max_len} if max_len else {})}


def label(max_len: int = 63) -> dict:
    return pattern(_DNS_LABEL, max_len)


def dns_label(value: str, max_len: int = 63) -> str:
    if len(value) > max_len:
        raise ValueError(f"{shown(value)} is {len(value)} characters; at most {max_len} "
                         "(room for the suffixes Kubernetes and KServe add)")
    if not _DNS_LABEL.match(value):
        raise ValueError(f"{shown(value)} is not a DNS-1123 label: use lower-case letters, "
                         "digits and '-', starting and ending with a letter or digit")
    return value


Name = Annotated[str, Field(min_length=1)]

_REPO_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://[^\s/]+|[\w.-]+@[\w.-]+:)[^\s\x00-\x1f\x7f]*$")
# git check-ref-format as one regex (look-aheads), so that editors can check it as well
_GIT_REF = re.compile(r"^(?![-/])(?!.*(?:[\s\x00-\x1f\x7f~^:?*\[\\]|\.\.|@\{|//|/\.))"
                      r"(?!.*(?:[./]|\.lock)$).+$")
# dir/sub: no part empty, '.', '..' or starting with '-'; no spaces or '\'
_PATH_PART = r"(?!\.\.?(?:/|$))(?!-)[^/\s\x00-\x1f\x7f\\]+"
_REPO_PATH = re.compile(rf"^(?:/*{_PATH_PART}(?:/{_PATH_PART})*/*)?$")
_OPERATOR_VERSION = re.compile(r"^[0-9][0-9A-Za-z.+-]{0,62}$")
_CLUSTER = re.compile(r"^https?://[^\s/\x00-\x1f\x7f,{}\\]+(?:/[^\s\x00-\x1f\x7f,{}\\]*)?$")

_SUBDOMAIN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_DNS_SUBDOMAIN = re.compile(rf"^{_SUBDOMAIN}$")
SUBDOMAIN_MAX = 253
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
# [prefix/]name: the prefix a DNS subdomain of at most 253, the name 1-63 label characters
_LABEL_KEY = re.compile(rf"^(?:(?=[^/]{{1,{SUBDOMAIN_MAX}}}/){_SUBDOMAIN}/)?(?=[^/]{{1,63}}$)"
                        r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
LABEL_VALUE_MAX = 63
SOURCE_SCHEMES = ("hf", "oci", "s3", "pvc")
_SOURCE = re.compile(rf"^(?:{'|'.join(SOURCE_SCHEMES)})://[\s\S]*[^/]")


def dns_subdomain(value: str) -> str:
    """A Kubernetes object name such as a Secret's: DNS labels joined by dots, <= 253."""
    if len(value) > SUBDOMAIN_MAX or not _DNS_SUBDOMAIN.match(value):
        raise ValueError(f"{shown(value)} is not a Kubernetes object name: use lower-case "
                         "letters, digits, '-' and '.', starting and ending with a letter or digit")
    return value


def _matching(pattern: re.Pattern, value: str, what: str, whole: bool = True) -> str:
    """`value` when the pattern takes it (all of it, or its start), else why not."""
    if not (pattern.fullmatch(value) if whole else pattern.match(value)):
        raise ValueError(f"{shown(value)} is not {what}")
    return value


def git_url(value: str) -> str:
    return _matching(_REPO_URL, value, "a Git repository URL: write https://host/org/repo.git, "
                     "ssh://git@host/org/repo.git or git@host:org/repo.git, without spaces", whole=False)


def git_ref(value: str) -> str:
    """git check-ref-format's rules, which also keep a revision on one line."""
    return _matching(_GIT_REF, value, "a Git branch, tag or commit: no spaces, control characters, "
                     "'..', '@{', '~^:?*[\\', and no trailing '/', '.' or '.lock'")


def repo_path(value: str) -> str:
    """A directory inside the repository: nothing that climbs out or reads as an option."""
    return _matching(_REPO_PATH, value, "a path inside the repository: write dir/sub, without "
                     "'..', '.', '//', a leading '-', spaces or '\\'")


def operator_version(value: str | None) -> str | None:
    """The version part of a ClusterServiceVersion name: 3.0.0, 1.17.0, 4.20.0-202510211040."""
    if value is None:
        return None
    return _matching(_OPERATOR_VERSION, value, "an operator version: write it as in the CSV name, "
                     "e.g. 3.0.0 (or null to follow the channel)")


def cluster_url(value: str) -> str:
    # it reaches helm as a --set parameter, where ',', '{' and '\\' are syntax
    return _matching(_CLUSTER, value, "a cluster API URL: write https://host:6443, the server Argo "
                     "CD knows the cluster by", whole=False)


def label_key(key: str) -> str:
    """A Kubernetes label (or taint) key: [DNS subdomain/]name, the name at most 63 characters."""
    return _matching(_LABEL_KEY, key, "a Kubernetes label key: write [prefix/]name, the name up to "
                     "63 letters, digits, '-', '_' or '.', the prefix a DNS name")


def label_value(value: str) -> str:
    if len(value) > LABEL_VALUE_MAX or not _LABEL_VALUE.match(value):
        raise ValueError(f"{shown(value)} is not a Kubernetes label value: up to 63 letters, "
                         "digits, '-', '_' or '.', starting and ending with a letter or digit")
    return value


def parse_params(value: str | int | float) -> float:
    """`24B`, `350M`, `8b` or a plain number -> number of parameters."""
    if isinstance(value, bool):
        raise ValueError("params must be a number like 24B, 350M or 8000000000")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        match = _PARAMS.match(value)
        if not match:
            if _PARAMS_FORM.match(value):
                raise ValueError("params must be positive")
            raise ValueError(f"{shown(value)} is not a parameter count: write 24B, 350M or a number")
        number = float(match.group(1)) * _SCALE[match.group(2).upper()]
    if not math.isfinite(number):
        raise ValueError("params must be a finite number like 24B")
    if number <= 0:
        raise ValueError("params must be positive")
    return number


QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
BINARY = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18, "m": 1e-3,
          "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}


def quantity(value: str | int | float) -> float:
    """A Kubernetes quantity as a number (cores for cpu, bytes for memory and storage)."""
    text = str(value)
    match = QUANTITY.match(text)
    if not match or isinstance(value, bool):
        raise ValueError(f"{shown(text)} is not a Kubernetes quantity: write e.g. 4, 500m, 16Gi")
    number = text[:len(text) - len(match.group(2) or "")]
    return float(number) * BINARY[match.group(2) or ""]


# Hugging Face repository ids (huggingface_hub validate_repo_id): letters, digits, '-', '_',
# '.'; no '--' or '..'; '-' and '.' neither start nor end a name; 96 characters at most.
_HF_NAME = re.compile(r"^(?![-.])(?!.*(?:--|\.\.))[A-Za-z0-9._-]{1,96}(?<![-.])$")
# S3 bucket names (AWS's rules, which MinIO and Ceph keep): 3-63 lowercase letters, digits,
# '.' and '-', starting and ending with a letter or digit, no '..'.
_S3_BUCKET = re.compile(r"^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# An OCI image reference (distribution/reference's grammar): [host[:port]/]path[:tag][@digest]
_OCI_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?/)"
_OCI_PATH = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
_OCI_REFERENCE = re.compile(rf"^{_OCI_HOST}?{_OCI_PATH}(?::[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})?"
                            r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$")


def hf_repo(value: str) -> str:
    """org/name, as the Hub takes it (nothing that climbs a path)."""
    parts = value.split("/")
    if len(parts) != 2 or not all(_HF_NAME.match(part) for part in parts):
        raise ValueError(f"{shown(value)} is not a Hugging Face repository: write org/name with "
                         "letters, digits, '-', '_' or '.', no '..' or '--'")
    return value


def s3_bucket(value: str) -> str:
    return _matching(_S3_BUCKET, value, "an S3 bucket name: 3 to 63 lowercase letters, digits, '.' "
                     "or '-', starting and ending with a letter or digit")


def oci_reference(value: str) -> str:
    return _matching(_OCI_REFERENCE, value, "an image reference: write registry/path[:tag][@sha256:...], "
                     "without spaces or quotes")
