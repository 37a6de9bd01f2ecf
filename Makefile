# One command surface for people, CI and hooks.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
# Every distribution of the workspace, installed editable; the manager with its extraction extra, the
# SDK with its mcp extra (connectors that wrap an MCP server).
DISTRIBUTIONS := sdk sql runtime descriptor manager indexer connectors/rss connectors/filesystem connectors/web \
	connectors/declarative connectors/mcp-everything cli
EDITABLE := -e './sdk[mcp]' -e './sql[embedded]' -e ./runtime -e ./descriptor -e './manager[extraction]' \
	-e ./indexer -e ./connectors/rss -e ./connectors/filesystem -e ./connectors/web -e ./connectors/declarative \
	-e ./connectors/mcp-everything -e ./cli
# Re-install only when a pyproject.toml changes.
PYPROJECTS := pyproject.toml $(addsuffix /pyproject.toml,$(DISTRIBUTIONS))
STAMP := $(VENV)/.installed-$(shell cat $(PYPROJECTS) | sha256sum | cut -c1-16)
# The SDK's dependencies as wheels, so tests/packaging installs the SDK alone, offline, in a fresh venv.
WHEELHOUSE := $(VENV)/wheelhouse

.PHONY: install run test lint format bench images clean

install: $(STAMP)

$(STAMP): $(PYPROJECTS)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(EDITABLE) --group dev
	rm -rf $(WHEELHOUSE) sdk/build
	$(PY) -m pip wheel --quiet --wheel-dir $(WHEELHOUSE) ./sdk
	rm -rf sdk/build
	@rm -f $(VENV)/.installed-*
	@touch $@

run: $(STAMP)
	$(VENV)/bin/sluice up

test: lint
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	$(PY) -m bench

# Container images built with podman (installed when missing) and smoke-tested: see docker/images.sh.
images: $(STAMP)
	SLUICE_VENV_PYTHON=$(PY) docker/images.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
