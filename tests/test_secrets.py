"""The secret detectors: detect-secrets' own patterns, vendored, and the literals that let a
large tree skip most of them."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from gpuaas import secrets

from .conftest import REPO

VENDORED = json.loads(secrets.VENDORED.read_text())["patterns"]


def test_the_vendored_patterns_are_the_installed_detect_secrets():
    pytest.importorskip("detect_secrets")
    check = subprocess.run([sys.executable, str(REPO / "tools" / "vendor_secrets.py"), "--check"])
    assert check.returncode == 0, "run `make secrets`"


@pytest.mark.parametrize("entry", VENDORED, ids=lambda e: f"{e['detector']}:{e['pattern'][:24]}")
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_match_escapes_its_literals(entry, data):
    """Whatever the pattern matches holds one of its literals, so the scan finds it in a
    file where it sits among other lines, however large the file."""
    pattern = re.compile(entry["pattern"], entry["flags"])
    value = data.draw(st.from_regex(pattern, fullmatch=True).filter(lambda s: "\n" not in s and "\r" not in s))
    where = value.lower() if entry["flags"] & re.IGNORECASE else value
    assert any(literal in where for literal in entry["literals"]), value
    filler = "metadata:\n  name: granite\n" * 200
    text = f"{filler}token: {value}\n{filler}"
    if pattern.search(f"token: {value}\n"):       # the pattern's own context (^, \s) allows it here
        assert [line for line, _ in secrets.scan(text)] == [401], value


TOKENS = {   # a credential of each format the gate must refuse, in any field and any file
    "Hugging Face token": "hf_abcdefghijklmnopqrstuvwxyzABCDEF12",
    "GitHub fine-grained token": "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789",
    "GitHub Token": "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "GitLab Token": "glpat-abcdefghij0123456789",
    "OpenAI key": "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD",
    "Slack Token": "xoxb-1234567890-1234567890-abcdefghij",
    "JSON Web Token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "Stripe Access Key": "sk_live_abcdefghijklmnopqrstuvwx",
    "SendGrid API Key": "SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyz0123456789abcdefg",
    "AWS Access Key": "AKIAABCDEFGHIJKLMNOP",
    "Basic Auth Credentials": "https://admin:hunter2@registry.example.com/models",
    "token in a URL": "https://ghp0123456789abcdefghijklmn@example.com/repo.git",
    "PyPI token": "pypi-AgEIcHlwaS5vcmc" + "A" * 70,
    "Azure storage key": "AccountKey=" + "a" * 88,
}


@pytest.mark.parametrize("what", TOKENS)
def test_each_format_is_found_once(what):
    found = list(secrets.scan(f"description: x\nvalue: '{TOKENS[what]}'\n"))
    assert [line for line, _ in found] == [2]


def test_the_bundled_trees_and_examples_hold_nothing_that_looks_like_a_secret():
    for folder, glob in (("rendered", "**/*"), ("portfolios", "*.yaml"), ("docs", "**/*.md")):
        for path in sorted((REPO / folder).glob(glob)):
            if path.is_file():
                assert not list(secrets.scan(path.read_text(errors="replace"))), path
