"""Keeping a user's string literal through the systems that expand text after Kubernetes
stores it. Each escape undoes itself in exactly one system, so the process sees what the
portfolio says.
"""
from __future__ import annotations

import re

# kubelet expands $(VAR) in a container's command, args and env values, and reads $$ as
# "$" (k8s.io/kubernetes third_party/forked/golang/expansion). Doubling each "$" that
# precedes "$" or "(" leaves every other "$" (such as ${x}) untouched.
_KUBELET = re.compile(r"\$(?=[$(])")

# The Go-template escape for "{{": an action whose value is the raw string "{{". It holds
# no '"' or '\\', so it survives JSON quoting too (KServe templates the JSON of the whole
# container in some versions, each string in others).
GO_OPEN = "{{`{{`}}"


def for_kubelet(text: str) -> str:
    return _KUBELET.sub("$$", text)


def for_go_template(text: str) -> str:
    """Literal under Go's text/template and html/template (KServe's placeholders, Argo CD's
    goTemplate ApplicationSets)."""
    return text.replace("{{", GO_OPEN)


def container_arg(text: str) -> str:
    """An InferenceService's model arg: KServe templates it with the ISVC's metadata
    (`{{.Name}}`), then kubelet expands `$(VAR)`."""
    return for_go_template(for_kubelet(text))
