"""Every command, JSON key, setting and error is documented (datasette's habit)."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from tutela import errors
from tutela.cli.app import app
from tutela.domain.media import RECORD_KEYS, SIGNATURE_KEYS, WORKING_FIELDS, HashRecord
from tutela.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _command_names(group: typer.Typer, prefix: str = "") -> list[str]:
    names = [prefix + (c.name or c.callback.__name__) for c in group.registered_commands]
    for sub in group.registered_groups:
        names += _command_names(sub.typer_instance, f"{prefix}{sub.name} ")
    return names


def test_every_command_has_a_section_in_cli_md():
    text = (DOCS / "cli.md").read_text()
    for name in _command_names(app):
        assert re.search(rf"^## `tutela {re.escape(name)}\b", text, re.M), f"tutela {name} undocumented"


def test_every_hash_record_key_is_documented():
    text = (DOCS / "hash.md").read_text()
    fields = set(HashRecord.__dataclass_fields__) - {"extra"} - WORKING_FIELDS
    assert fields == set(RECORD_KEYS)
    for key in (*RECORD_KEYS, *SIGNATURE_KEYS):
        assert f"`{key}`" in text, f"hash record key {key} undocumented"


def test_every_setting_is_documented():
    text = (DOCS / "settings.md").read_text()
    for name in Settings.model_fields:
        assert f"`TUTELA_{name.upper()}`" in text, f"TUTELA_{name.upper()} undocumented"


def test_every_error_class_is_documented():
    text = (DOCS / "errors.md").read_text()
    for name, value in vars(errors).items():
        if isinstance(value, type) and issubclass(value, errors.TutelaError):
            assert f"`{name}`" in text, f"{name} undocumented"
