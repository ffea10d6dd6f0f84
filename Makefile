# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench fuzz render check clean venv mutate

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/gpuaas render
	$(BIN)/gpuaas plan portfolios/enterprise-demo.yaml

render: $(STAMP)
	$(BIN)/gpuaas render

check: $(STAMP)
	$(BIN)/gpuaas render --check

test: $(STAMP)
	$(BIN)/python -m pytest

fuzz: $(STAMP)
	GPUAAS_FUZZ=1 $(BIN)/python -m pytest tests/test_hostile_input.py

# Mutation testing of plan.py and rules.py against their tests (not part of `make test`:
# about 10 minutes on 2 cores). Survivors: `$(BIN)/mutmut show <name>`.
mutate: $(STAMP)
	$(BIN)/pip install -q -e '.[mutate]'
	rm -rf mutants     # mutmut keeps results across runs even when the tests changed
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut export-cicd-stats
	$(BIN)/python -c "import json; s = json.load(open('mutants/mutmut-cicd-stats.json')); \
	print(f\"mutation score: {s['killed']}/{s['total']} killed ({100 * s['killed'] / s['total']:.1f}%), {s['survived']} survived\")"

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info mutants
