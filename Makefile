# The README's two commands: `make demo` and `make test`. Both start with .ci/bootstrap, which
# installs only what a fresh Debian machine lacks (docker.io, debootstrap, the venv).
VENV := .venv
BIN := $(VENV)/bin

.PHONY: bootstrap demo test lint images bench

bootstrap:
	@bash .ci/bootstrap

demo: bootstrap
	$(BIN)/odoo-chaos run scenarios/baseline.yaml

images: bootstrap
	$(BIN)/odoo-chaos images build

lint: bootstrap
	$(BIN)/ruff check harness tests bench
	$(BIN)/mypy

test: lint images
	@# pure tests on two workers; the Docker tests one at a time (drills measure timings); both always run
	$(BIN)/python -m pytest -n 2 tests/unit tests/hostile; pure=$$?; \
	$(BIN)/python -m pytest --durations=40 tests/integration tests/package; docker=$$?; \
	exit $$(( pure || docker ))

bench: bootstrap
	$(BIN)/python bench/stack_up.py
	$(BIN)/python bench/scenarios.py
