"""Components beyond the core six, one module each, beside its templates/<name>/ folder.

A module says what the component is and renders it; everything that wires a component in
(its portfolio section, the per-environment switch, the umbrella chart, the ApplicationSet,
the DataScienceCluster, the Argo CD rules, the tree README) reads MODULES, so a new
component is its own module and templates plus its name in component_names.EXTRA. A module
provides:

  NAME, WAVE, ABOUT        the component key, its Argo CD sync wave, one line on what it is
  Settings                 its portfolio section (`<NAME>:` at the top level)
  enabled(p)               whether the portfolio switches it on (environments may switch it off)
  render(p, env)           {file name: YAML} of the component's directory
  destination(p)           (namespace, sync options) of its Application
  dsc(p)                   DataScienceCluster components it needs Managed {name: fields}
  argocd_rules             cluster-wide kinds the Argo CD controller must be able to write
  prerequisites(plan)      what the tree relies on and does not create (tree README)
  argocd_ignore(p)         {component: ignoreDifferences and sync options of its Application},
                           added where this component is on (a field another controller owns)
  summary(p, env)          one line for `gpuaas plan`: what it renders and where
  findings(loaded)         portfolio checks, as findings with a stable code
  readme(plan, envs)       its tree README section for the environments it is on in: what it
                           needs (Secrets, images, egress)
"""
from __future__ import annotations

import importlib

from ..component_names import EXTRA as NAMES  # in sync-wave order; a new component adds its name there

# The portfolio format (which reads NAMES above for each module's Settings) loads first, so
# importing this package on its own does not meet a half-loaded module.
from ..portfolio import schema as _schema  # noqa: E402,F401

MODULES = tuple(importlib.import_module(f"{__name__}.{name}") for name in NAMES)
BY_NAME = {m.NAME: m for m in MODULES}
