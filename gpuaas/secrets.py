"""Secret-looking strings: a portfolio and a rendered tree hold Secret *names*, never values.

The detectors are detect-secrets' own (its plugins that recognise a credential by its shape),
vendored as data in secret_patterns.json by tools/vendor_secrets.py, plus the formats that
release does not know (below). Each pattern carries literals one of which every match
contains: a file without them is not searched with it, so a large tree costs little.
"""
from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Iterator

# Formats detect-secrets 1.5 lacks or reads more narrowly: Hugging Face tokens, GitHub's
# fine-grained tokens, OpenAI's project and service-account keys without the legacy
# T3BlbkFJ marker, unquoted AWS secret keys, bearer tokens, PKCS#8 encrypted keys, a token
# as a URL's user, Slack tokens without the numeric groups.
OWN: list[tuple[str, tuple[str, ...], str, int]] = [
    ("Hugging Face token", ("hf_",), r"\bhf_[A-Za-z0-9]{30,}\b", 0),
    ("AWS secret access key", ("ecret", "ECRET"),
     r"(?i)aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9/+=]{40}\b", 0),
    ("private key", ("PRIVATE KEY",), r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----", 0),
    ("bearer token", ("earer",), r"\b[Bb]earer\s+[A-Za-z0-9\-._~+/]{20,}=*", 0),
    ("GitHub fine-grained token", ("github_pat_",), r"\bgithub_pat_[A-Za-z0-9_]{30,}", 0),
    ("OpenAI key", ("sk-",), r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{32,}", 0),
    ("Slack token", ("xox",), r"\bxox[abprs]-[A-Za-z0-9\-]{10,}", 0),
    ("token in a URL", ("://",), r"://[A-Za-z0-9_\-]{20,}@[^\s'\"]+", 0),
]

VENDORED = Path(__file__).with_name("secret_patterns.json")


@cache
def patterns() -> list[tuple[str, tuple[str, ...], re.Pattern[str], bool]]:
    """(what, literals, pattern, literals are lower case), detect-secrets' first."""
    data = json.loads(VENDORED.read_text(encoding="utf-8"))
    out = [(p["what"], tuple(p["literals"]), re.compile(p["pattern"], p["flags"]),
            bool(p["flags"] & re.IGNORECASE)) for p in data["patterns"]]
    return out + [(what, literals, re.compile(pattern, flags), False)
                  for what, literals, pattern, flags in OWN]


def scan(text: str) -> Iterator[tuple[int, str]]:
    """(line number, what) for every secret-looking string in the text: one finding per
    string, however many detectors know its shape."""
    lowered: str | None = None
    taken: list[tuple[int, int]] = []
    for what, literals, pattern, icase in patterns():
        spans: Iterator[tuple[int, int]]
        if literals:
            if icase and lowered is None:
                lowered = text.lower()
            where: str = lowered if icase else text        # type: ignore[assignment]
            places = [i for literal in literals for i in _find_all(where, literal)]
            if not places:
                continue
            spans = _near(text, pattern, places) if len(places) * 256 < len(text) else \
                (m.span() for m in pattern.finditer(text))
        else:
            spans = (m.span() for m in pattern.finditer(text))
        for start, end in spans:
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            yield text.count("\n", 0, start) + 1, what


def _find_all(text: str, literal: str) -> Iterator[int]:
    at = text.find(literal)
    while at >= 0:
        yield at
        at = text.find(literal, at + 1)


def _near(text: str, pattern: re.Pattern[str], places: list[int]) -> Iterator[tuple[int, int]]:
    """The matches around each place a literal occurs, from the line before to the line
    after: a few hundred characters searched instead of the whole text. Every match holds
    one of the literals, and none of these patterns crosses more than one line break."""
    seen: set[tuple[int, int]] = set()
    for place in sorted(places):
        start = text.rfind("\n", 0, max(0, text.rfind("\n", 0, place))) + 1
        end = text.find("\n", text.find("\n", place) + 1)
        end = len(text) if end < 0 else end
        for match in pattern.finditer(text, start, end):
            span = match.span()
            if span not in seen:
                seen.add(span)
                yield span
