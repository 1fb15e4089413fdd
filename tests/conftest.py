"""Shared fixtures: a CLI runner on the real entry point, and where the outside test vectors live."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tutela.cli.app import main

VECTORS = Path(__file__).resolve().parents[2] / "shared" / "vectors"
MEDIA_KEY = "pZcXfkfDjJ0eUx3XQJ9k5ZKqVrp7zK4i8v6yQn3YhHM="  # a Fernet key for tests (thumbnails are encrypted)


@pytest.fixture(autouse=True, scope="session")
def _media_key():
    """Every command in the suite has TUTELA_MEDIA_KEY, as a unit's set-up would; tests of its absence unset it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TUTELA_MEDIA_KEY", MEDIA_KEY)
        yield


@dataclass
class CliResult:
    status: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


@pytest.fixture
def cli(capsys, monkeypatch, tmp_path):
    """Run ``tutela ARGS`` in-process through ``main`` (exit status, stdout, stderr)."""
    monkeypatch.setenv("TUTELA_HOME", str(tmp_path / "home"))

    def run(*args: str, stdin: bytes | None = None) -> CliResult:
        if stdin is not None:
            import io
            import sys

            fake = io.TextIOWrapper(io.BytesIO(stdin))
            monkeypatch.setattr(sys, "stdin", fake)
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        captured = capsys.readouterr()
        code = exit_info.value.code
        return CliResult(code if isinstance(code, int) else (0 if code is None else 1),
                         captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def vectors() -> Path:
    assert VECTORS.is_dir(), f"outside test vectors missing at {VECTORS}"
    return VECTORS


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    """A migrated store on SQLite, and the same on the real PostgreSQL server."""
    from stores import postgres_engine, sqlite_engine

    manager = sqlite_engine(tmp_path) if request.param == "sqlite" else postgres_engine()
    with manager as made:
        yield made
