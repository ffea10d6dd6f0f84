"""Vendor detect-secrets' detectors into gpuaas/secret_patterns.json (`make secrets`).

gpuaas scans every portfolio and every file of a tree, so it reads detect-secrets' patterns
as data instead of importing the library (90 ms of imports on every run). Each pattern gets
the literals one of which every match must contain, derived from the regex itself: a file
without any of them is not searched with it. tests/test_secrets.py checks that the vendored
file is what the installed detect-secrets holds, and that no match escapes its literals.

Only detectors that recognise a credential by its own shape are taken; the keyword and
entropy detectors (a `password:` key, any long random string) flag the digests and Secret
names every rendered tree holds. Discord's and Telegram's bot tokens are left out too: their
shapes hold no literal (`[MNO]...`, `digits:...`), so every file would be searched in full
(a third of the whole scan) for a credential no model-serving tree carries.
"""
from __future__ import annotations

import importlib
import json
import re
import sys
from importlib.metadata import version
from pathlib import Path

try:
    from re import _constants as sre_constants, _parser as sre_parse   # type: ignore[attr-defined]
except ImportError:         # Python < 3.11
    import sre_constants    # type: ignore[no-redef]
    import sre_parse        # type: ignore[no-redef]

OUT = Path(__file__).resolve().parent.parent / "gpuaas" / "secret_patterns.json"
DETECTORS = {
    "artifactory": "ArtifactoryDetector", "aws": "AWSKeyDetector",
    "azure_storage_key": "AzureStorageKeyDetector", "basic_auth": "BasicAuthDetector",
    "github_token": "GitHubTokenDetector",
    "gitlab_token": "GitLabTokenDetector", "jwt": "JwtTokenDetector",
    "mailchimp": "MailchimpDetector", "npm": "NpmDetector", "openai": "OpenAIDetector",
    "private_key": "PrivateKeyDetector", "pypi_token": "PypiTokenDetector",
    "sendgrid": "SendGridDetector", "slack": "SlackDetector", "square_oauth": "SquareOAuthDetector",
    "stripe": "StripeDetector", "twilio": "TwilioKeyDetector",
}


def literals(pattern: str, flags: int = 0) -> list[str]:
    """Strings one of which occurs in every match of `pattern` (lower-cased when it ignores
    case); [] when none can be named (the pattern then runs on every file)."""
    found = _seq(sre_parse.parse(pattern, flags))
    return sorted({s.lower() for s in found} if flags & re.IGNORECASE else found) if found else []


def _seq(items) -> set[str] | None:
    """Each element of a sequence that must match gives a valid set; keep the best one."""
    best: set[str] | None = None
    run = ""

    def offer(candidate: set[str] | None) -> None:
        nonlocal best
        if candidate and (best is None or min(map(len, candidate)) > min(map(len, best))):
            best = candidate

    for op, arg in list(items):
        if op is sre_constants.LITERAL:
            run += chr(arg)
            continue
        offer({run} if run else None)
        run = ""
        if op is sre_constants.SUBPATTERN:
            offer(_seq(arg[-1]))
        elif op is sre_constants.BRANCH:
            alternatives = [_seq(alt) for alt in arg[1]]
            offer(set().union(*alternatives) if all(alternatives) else None)   # type: ignore[arg-type]
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and arg[0] >= 1:
            offer(_seq(arg[2]))
        elif op is sre_constants.IN and all(o is sre_constants.LITERAL for o, _ in arg) and len(arg) <= 4:
            offer({chr(a) for _, a in arg})
    offer({run} if run else None)
    return best


def patterns() -> dict:
    out = []
    for module, name in DETECTORS.items():
        detector = getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), name)
        for regex in detector.denylist:
            flags = regex.flags & (re.IGNORECASE | re.MULTILINE | re.DOTALL)
            out.append({"what": detector.secret_type, "detector": name, "pattern": regex.pattern,
                        "flags": flags, "literals": literals(regex.pattern, flags)})
    return {"detect-secrets": version("detect-secrets"), "patterns": out}


def main() -> int:
    text = json.dumps(patterns(), indent=1, sort_keys=True) + "\n"
    if sys.argv[1:] == ["--check"]:
        return 0 if OUT.read_text() == text else 1
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
