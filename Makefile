# The two commands of the README. Each does its own set-up first (scripts/setup is idempotent).
.PHONY: setup demo test lint

setup:
	@scripts/setup

demo: setup
	.venv/bin/tutela demo

test: setup
	.venv/bin/ruff check .
	.venv/bin/python -m pytest -q

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
