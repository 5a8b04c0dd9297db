# The README's commands. `make demo` and `make test` work on a fresh machine.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

setup: $(STAMP)
	@bash scripts/setup-os.sh

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: setup
	$(VENV)/bin/landbank demo

lint: setup
	$(VENV)/bin/ruff check landbank tests bench
	$(VENV)/bin/ruff format --check landbank tests bench

test: setup lint
	$(VENV)/bin/pytest -n 2 -q

bench: setup
	$(PY) bench/bench_import.py --record
	$(PY) bench/bench_boundary_txt.py --record
	$(PY) bench/bench_classify.py --record
	$(PY) bench/bench_progress.py --record
	$(PY) bench/bench_map.py --record
	$(PY) bench/bench_web_load.py --record
	$(PY) bench/bench_match.py --record

clean:
	rm -rf $(VENV) landbank.sqlite maps/*.html
