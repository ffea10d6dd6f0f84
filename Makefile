# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench fuzz render check clean venv

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

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info
