"""The quoting filters: any value comes back from the rendered YAML as the same value."""
from __future__ import annotations

import random
import string

import yaml

from gpuaas.templating import quote, to_yaml

ALPHABET = string.printable + "\u2028\u2029\x85\ufeff\x00\x07é€:#-{}[]&*!|>'\"%@`${}"


def test_values_round_trip_through_yaml_and_quote():
    rng = random.Random(20261123)
    for _ in range(5000):
        v = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 16)))
        if rng.random() < 0.3:
            v += "\n"
        doc = {v: [v, {v: v}], "k": v, "n": [[v]], "i": 3, "b": True, "z": None, "e": {}}
        assert yaml.safe_load(to_yaml(doc, 2) + "\n") == doc, repr(v)
        assert yaml.safe_load("x: " + quote(v)) == {"x": v}, repr(v)


def test_plain_only_when_unambiguous():
    text = to_yaml({"a": "true", "b": "no", "c": "96Gi", "d": "nvidia.com/gpu", "e": "--x=1",
                    "f": "1.5", "g": "a: b", "h": "{{.Name}}"})
    assert text.splitlines() == ['a: "true"', 'b: "no"', 'c: "96Gi"', "d: nvidia.com/gpu",
                                 "e: --x=1", 'f: "1.5"', 'g: "a: b"', 'h: "{{.Name}}"']
