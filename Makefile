# The README's two commands: `make demo` and `make test`. Both start with .ci/bootstrap, which
# installs only what a fresh Debian machine lacks (docker.io, debootstrap, the venv).
VENV := .venv
BIN := $(VENV)/bin

.PHONY: bootstrap demo test lint images bench

bootstrap:
	@t0=$$(date +%s); bash .ci/bootstrap && echo "make bootstrap: $$(( $$(date +%s) - t0 )) s (apt, Docker engine, venv)"

demo: bootstrap
	$(BIN)/odoo-chaos run scenarios/baseline.yaml

images: bootstrap
	@t0=$$(date +%s); $(BIN)/odoo-chaos images build && echo "make images: $$(( $$(date +%s) - t0 )) s (image checks and builds)"

lint: bootstrap
	@t0=$$(date +%s); $(BIN)/ruff check harness tests bench && $(BIN)/mypy && echo "make lint: $$(( $$(date +%s) - t0 )) s (ruff, mypy)"

test: lint images
	@# pure tests on two workers; the Docker tests one at a time (drills measure timings); both always run
	@# each part's time, then pytest's own "where the time went" table per part (phases, slowest files)
	t0=$$(date +%s); $(BIN)/python -m pytest -n 2 tests/unit tests/hostile; pure=$$?; \
	t1=$$(date +%s); $(BIN)/python -m pytest --durations=40 tests/integration tests/package; docker=$$?; \
	t2=$$(date +%s); echo "make test: pure tests $$(( t1 - t0 )) s (exit $$pure), Docker tests $$(( t2 - t1 )) s (exit $$docker)"; \
	exit $$(( pure || docker ))

bench: bootstrap
	$(BIN)/python bench/stack_up.py
	$(BIN)/python bench/scenarios.py
