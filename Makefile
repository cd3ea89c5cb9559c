# Two commands from a fresh clone: `make demo` and `make test`.
# uv installs the locked sets into .venv (and Feast's into .venv-feast); uv itself lives in .tools/.
PYTHON ?= python3
VENV := .venv
UV := .tools/bin/uv
export UV_COMPILE_BYTECODE := 1
export UV_PROJECT_ENVIRONMENT := $(VENV)
export MLFLOW_DISABLE_TELEMETRY := true
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: install demo lint test test-fast bench docs screenshots ui clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed: pyproject.toml uv.lock serving/uv.lock $(UV)
	$(UV) sync --quiet --frozen --extra test --extra team --extra scale --extra docs
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/.venv-feast $(UV) sync --quiet --frozen --project serving  # Feast beside the stack: it requires pandas<3
	touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/govern demo

# Code health: ruff's rules, the import contracts of pyproject.toml (layers, no cycles,
# independent checks, pure numbers and rules) and mypy on the domain packages.
lint: install
	$(VENV)/bin/ruff check govern flows tests benchmarks scripts docs/gen
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/python -m pytest

# The unit tier: governance rules, evidence, cards and fast paths against their references;
# no training, no child processes, no servers.
test-fast: install
	$(VENV)/bin/python -m pytest -m "not integration and not browser and not postgres"

# Every figure of docs/performance.md: each script writes its table to docs/performance/results/.
bench: install
	$(VENV)/bin/python benchmarks/bench_evaluation.py 2000 10000 100000 1000000
	$(VENV)/bin/python benchmarks/bench_drift.py 10000 100000 1000000
	$(VENV)/bin/python benchmarks/bench_fairness.py 10000 100000 1000000
	$(VENV)/bin/python benchmarks/bench_fixed_cost.py
	$(VENV)/bin/python benchmarks/bench_leakage.py --timing 4000 100000
	$(VENV)/bin/python benchmarks/bench_flow.py --rows 10000 --trials 5 --rounds 3
	$(VENV)/bin/python benchmarks/bench_live.py --rows 100000 --rounds 3
	$(VENV)/bin/python benchmarks/bench_scale.py --rows 1000000 10000000 --engine local --steps score outcomes experiment
	$(VENV)/bin/python benchmarks/bench_scale.py --rows 1000000 10000000 --engine dask --steps score --table scale_score_dask
	$(VENV)/bin/python benchmarks/bench_scale.py --rows 1000000 10000000 --engine local dask --steps monitor
	$(VENV)/bin/python benchmarks/bench_scale.py --rows 1000000 --engine local presets memory --steps monitor --table scale_monitor_presets
	$(VENV)/bin/python benchmarks/bench_scale.py --rows 1000000 --engine local --steps score outcomes experiment --report-copies 0 --sql-rows 1000000 --table scale_log
	$(VENV)/bin/python benchmarks/bench_scale.py --fixed-cost

# The documentation site: pages generated from the code (spec fields, commands, exit codes,
# evidence schemas, regulatory crosswalk), then Material for MkDocs in strict mode, offline.
docs: install
	$(VENV)/bin/python -m docs.gen.generate
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

# The reviewer's guide's screenshots, taken by the browser test as it approves in the MLflow UI.
screenshots: install
	GOVERN_DOC_SCREENSHOTS=$(CURDIR)/docs/img/ui $(VENV)/bin/python -m pytest tests/governance/test_browser.py -m browser -q

ui: install
	$(VENV)/bin/govern ui

clean:
	rm -rf mlruns/mlflow.db mlruns/govern.db mlruns/artifacts mlruns/staging model_cards/*/ data/demo .prefect
