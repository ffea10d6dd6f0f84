"""Secret-looking strings: a portfolio and a rendered tree hold Secret *names*, never values."""
from __future__ import annotations

import re
from typing import Iterator

# (what, literals one of which must occur, pattern). The literals are a cheap prefilter:
# a rendered tree is mostly free of them, and each pattern then costs nothing.
PATTERNS: list[tuple[str, tuple[str, ...], re.Pattern[str]]] = [
    ("Hugging Face token", ("hf_",), re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")),
    ("AWS access key id", ("AKIA", "ASIA"), re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("AWS secret access key", ("ecret", "ECRET"), re.compile(
        r"(?i)aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9/+=]{40}\b")),
    ("private key", ("PRIVATE KEY",), re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")),
    ("bearer token", ("earer",), re.compile(r"\b[Bb]earer\s+[A-Za-z0-9\-._~+/]{20,}=*")),
    ("credentials in a URL", ("://",), re.compile(r"://[^/\s:@'\"]+:[^/\s@'\"]+@[^\s'\"]+")),
    ("GitHub token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
     re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("GitHub fine-grained token", ("github_pat_",), re.compile(r"\bgithub_pat_[A-Za-z0-9_]{30,}")),
    ("GitLab token", ("glpat-",), re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}")),
    ("OpenAI key", ("sk-",), re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{32,}")),
    ("Slack token", ("xox",), re.compile(r"\bxox[abprs]-[A-Za-z0-9\-]{10,}")),
    ("JSON Web Token", ("eyJ",), re.compile(r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}")),
    ("token in a URL", ("://",), re.compile(r"://[A-Za-z0-9_\-]{20,}@[^\s'\"]+")),
]


def scan(text: str) -> Iterator[tuple[int, str]]:
    """(line number, what) for every secret-looking string in the text."""
    for what, literals, pattern in PATTERNS:
        if not any(literal in text for literal in literals):
            continue
        for match in pattern.finditer(text):
            yield text.count("\n", 0, match.start()) + 1, what
