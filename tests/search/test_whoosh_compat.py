"""Whoosh's internals are used in one module, which refuses another Whoosh version; an index
whose fields differ in type from this version's schema is detected."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from whoosh import columns, fields, index

from registry.search import storage, whoosh_compat
from registry.search.storage import (
    KINDS,
    IndexUnavailable,
    new_generation,
    open_indexes,
    root_of,
    schema,
    schema_differences,
)
from registry.search.whoosh_compat import UnsupportedWhoosh, check_version

SEARCH = Path(storage.__file__).parent
# Modules of Whoosh whose names are its public API (schemas, indexes, queries, analysis).
PUBLIC = {"whoosh", "whoosh.analysis", "whoosh.columns", "whoosh.fields", "whoosh.formats",
          "whoosh.index", "whoosh.query"}


def test_the_supported_version_passes():
    check_version(whoosh_compat.SUPPORTED)
    assert whoosh_compat.installed_version() == whoosh_compat.SUPPORTED


@pytest.mark.parametrize("found", ["2.7.4", "2.8.0", None])
def test_another_version_is_refused_with_a_clear_message(found):
    with pytest.raises(UnsupportedWhoosh) as raised:
        check_version(found)
    message = str(raised.value)
    assert "whoosh-reloaded 2.7.5" in message and "pip install 'whoosh-reloaded==2.7.5'" in message
    assert (f"whoosh-reloaded {found} is installed" if found else "not installed") in message


@pytest.mark.parametrize("module", ["registry.search.services", "registry"])
def test_importing_the_search_package_refuses_another_version(module):
    """In a fresh interpreter whose metadata reports another version: the import fails (and
    so does starting the app, whose search blueprint imports the engine)."""
    program = (
        "import importlib.metadata as m\n"
        "real = m.version\n"
        "m.version = lambda name: '2.8.0' if name == 'whoosh-reloaded' else real(name)\n"
        f"import {module}\n"
        "from registry import create_app\n"
        "create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SECRET_KEY': 'x', "
        "'PII_KEY': 'q3u5Z0yHn1VjXyBfZr1n3Q9Zq6c0y8vHf4m2Jv8cX1E=', 'SEARCH_INDEX_DIR': '/nonexistent'})\n"
        "print('started')\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          cwd=SEARCH.parent.parent, timeout=120)
    assert done.returncode != 0 and "started" not in done.stdout
    assert "UnsupportedWhoosh" in done.stderr
    assert "needs whoosh-reloaded 2.7.5 exactly" in done.stderr
    assert "whoosh-reloaded 2.8.0 is installed" in done.stderr


def _private_uses(path: Path) -> list[str]:
    """Whoosh imports from non-public modules, and ``x._name`` on anything but ``self``."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
            if node.module not in PUBLIC:
                found.append(f"from {node.module} import …")
        elif isinstance(node, ast.Import):
            found += [f"import {alias.name}" for alias in node.names
                      if alias.name.startswith("whoosh") and alias.name not in PUBLIC]
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") \
                and not node.attr.startswith("__"):
            if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                found.append(f"line {node.lineno}: .{node.attr}")
    return found


@pytest.mark.parametrize("name", ["engine.py", "bulk.py", "storage.py"])
def test_engine_bulk_writer_and_storage_use_no_whoosh_internals(name):
    assert _private_uses(SEARCH / name) == []


def test_the_check_finds_internals_where_they_are():
    assert "from whoosh.codec.whoosh3 import …" in _private_uses(SEARCH / "whoosh_compat.py")
    assert any(use.endswith(": ._next_block") for use in _private_uses(SEARCH / "whoosh_compat.py"))


# --- the schema check -----------------------------------------------------------------------

def _fields_except(removed: str, **replacement) -> fields.Schema:
    """This version's schema with field ``removed`` replaced (same names, another type)."""
    found = schema()
    found.remove(removed)
    for field_name, field in replacement.items():
        found.add(field_name, field)
    return found


@pytest.mark.parametrize("changed, replacement", [
    ("name", fields.TEXT()),                                          # text, not a token set
    ("id", fields.ID(stored=True)),                                   # no longer unique
    ("rank", fields.COLUMN(columns.NumericColumn("i", default=0))),   # 32-bit, not 64-bit
    ("total", fields.NUMERIC(stored=True)),                           # indexed number
    ("orgs", fields.COLUMN(columns.VarBytesColumn(allow_offsets=False))),
    ("data", fields.ID(stored=True)),
])
def test_a_field_of_another_type_is_a_difference(changed, replacement):
    assert schema_differences(_fields_except(changed, **{changed: replacement})) == [changed]


def test_this_versions_schema_has_no_difference():
    assert schema_differences(schema()) == []


def test_an_index_of_another_schema_is_detected(tmp_path):
    """Same field names, one of another type: opening it is refused (the index is rebuilt)."""
    generation = new_generation(root_of(str(tmp_path)))
    assert set(open_indexes(generation)) == set(KINDS)  # as written: accepted
    index.create_in(str(generation), _fields_except("rank", rank=fields.NUMERIC(stored=True)),
                    indexname=KINDS[0])
    with pytest.raises(IndexUnavailable, match=r"outdated schema \(fields rank\)"):
        open_indexes(generation)
