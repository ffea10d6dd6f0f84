# Two commands on a fresh machine: `make demo` and `make test`.
# Installs take the versions pinned in constraints.txt (`make lock` refreshes it on purpose;
# `make test-latest` runs the suite against the newest releases to see drift early).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LOCK := constraints.txt
PIP := $(BIN)/pip install -q --disable-pip-version-check -c $(LOCK)
CRDS ?= crds

.PHONY: secrets demo dist docs test test-fast lint test-latest lock bench fuzz render check schemas clean venv mutate mermaid

# The demo needs the CLI only; the tests add the validate engines and the test tools.
$(VENV)/.demo: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip setuptools
	$(PIP) --no-build-isolation -e .
	touch $@

$(VENV)/.test: $(VENV)/.demo
	$(PIP) --no-build-isolation -e '.[test]'
	touch $@

venv: $(VENV)/.test

demo: $(VENV)/.demo
	$(BIN)/gpuaas render
	$(BIN)/gpuaas plan portfolios/enterprise-demo.yaml

render: $(VENV)/.demo
	$(BIN)/gpuaas render

check: $(VENV)/.demo
	$(BIN)/gpuaas render --check

# Mermaid's own parser (npm, versions locked in tools/mermaid/package-lock.json) checks the
# diagrams gpuaas writes; without npm the install is skipped and those tests fail under
# REQUIRE_ENGINES=1.
MERMAID := tools/mermaid/node_modules/.package-lock.json
$(MERMAID): tools/mermaid/package-lock.json
	if command -v npm >/dev/null; then npm ci --prefix tools/mermaid --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the Mermaid syntax tests cannot run"; fi

mermaid: $(MERMAID)

# Static checks first (ruff, mypy with the pydantic plugin; settings in pyproject.toml), then
# the whole suite on both cores. `make test-fast` leaves out the tests marked slow (the real
# GuideLLM, k6 and SeaweedFS runs, the property runs, the installs): the inner loop.
lint: $(VENV)/.test
	$(BIN)/ruff check gpuaas tests bench tools
	$(BIN)/mypy

test: lint $(MERMAID)
	REQUIRE_ENGINES=1 $(BIN)/python -m pytest -n 2

# The documentation site (MkDocs with Material) into site/, in strict mode: a broken link or
# anchor, or a generated page (tools/make_docs.py) that is not current, fails. tests/test_docs.py
# runs the same build under `make test`.
docs: $(VENV)/.test
	$(BIN)/python tools/make_docs.py --check
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

test-fast: lint $(MERMAID)
	$(BIN)/python -m pytest -n 2 -m "not slow"

test-latest:
	$(MAKE) test VENV=.venv-latest LOCK=/dev/null

lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install -q --upgrade pip setuptools
	.venv-lock/bin/pip install -q -e '.[test]'
	.venv-lock/bin/pip freeze --all --exclude-editable | LC_ALL=C sort > $(LOCK)
	.venv-lock/bin/python tools/lock_plain.py $(LOCK)
	rm -rf .venv-lock

# Maintainers: `make schemas CRDS=<dir with yaml/ and SOURCES.md>` takes new upstream CRDs;
# plain `make schemas` regenerates gpuaas/schemas from the CRDs kept in crds/.
secrets: $(VENV)/.test
	$(BIN)/python tools/vendor_secrets.py

schemas: $(VENV)/.test
	if [ "$(CRDS)" != crds ]; then $(BIN)/python tools/sync_crds.py $(CRDS); fi
	$(BIN)/python tools/make_schemas.py

fuzz: $(VENV)/.test
	GPUAAS_FUZZ=1 $(BIN)/python -m pytest tests/test_hostile_input.py

# Mutation testing of plan.py and rules.py against their tests (not part of `make test`:
# about 10 minutes on 2 cores). Survivors: `$(BIN)/mutmut show <name>`.
mutate: $(VENV)/.test
	$(PIP) --no-build-isolation -e '.[mutate]'
	rm -rf mutants     # mutmut keeps results across runs even when the tests changed
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut export-cicd-stats
	$(BIN)/python -c "import json; s = json.load(open('mutants/mutmut-cicd-stats.json')); \
	print(f\"mutation score: {s['killed']}/{s['total']} killed ({100 * s['killed'] / s['total']:.1f}%), {s['survived']} survived\")"

# The sdist and the wheel of the version in pyproject.toml, into dist/ (a release is the
# tag v<version> on the commit that sets it; CHANGELOG.md says what changed).
dist: $(VENV)/.demo
	rm -rf dist build
	$(BIN)/python -c "from setuptools import build_meta as b; b.build_sdist('dist'); b.build_wheel('dist')"
	rm -rf build

bench: $(VENV)/.test
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .venv-latest build *.egg-info mutants tools/mermaid/node_modules
