# The README's two commands: `make report` and `make test`.
# Both set up .venv from the pinned requirements first (once; again when they change).
PYTHON ?= python3
VENV ?= .venv
CORES ?= 4
ARGS ?=

$(VENV)/.installed: requirements-ci.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-ci.txt
	$(VENV)/bin/pip install --quiet --no-deps -e .
	touch $@

.PHONY: setup report test test-fast
setup: $(VENV)/.installed

report: setup
	$(VENV)/bin/snakemake --cores $(CORES) $(ARGS)

test: setup
	$(VENV)/bin/pytest -q $(ARGS)

# The unit tests alone (about 40 s): no Snakemake build, no cluster.
test-fast: setup
	$(VENV)/bin/pytest -q -m "not e2e" $(ARGS)
