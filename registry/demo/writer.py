"""Bulk inserts for the demo seeder: ids assigned here (so that child rows can be built
before their parents are written), batched ``INSERT``s, and PostgreSQL sequences moved
past the ids used."""
from __future__ import annotations

from collections import Counter
from typing import Iterable, Union

import sqlalchemy as sa
from sqlalchemy.orm import Session

Target = Union[type, sa.Table]
BATCH_ROWS = 5000


def table_of(target: Target) -> sa.Table:
    """The table behind a model class or a table."""
    return target if isinstance(target, sa.Table) else target.__table__


class BulkWriter:
    """Hands out ids per table and inserts rows in batches, all in the session's transaction."""

    def __init__(self, session: Session, batch_rows: int = BATCH_ROWS):
        self.session = session
        self.batch_rows = batch_rows
        self.counts: Counter[str] = Counter()
        self._next_ids: dict[str, int] = {}

    def take_id(self, table_name: str) -> int:
        """The next free id of ``table_name`` (one more than its largest id at first use)."""
        if table_name not in self._next_ids:
            table = sa.table(table_name, sa.column("id"))
            largest = self.session.execute(sa.select(sa.func.max(table.c.id))).scalar()
            self._next_ids[table_name] = (largest or 0) + 1
        value = self._next_ids[table_name]
        self._next_ids[table_name] = value + 1
        return value

    def insert(self, target: Target, rows: Iterable[dict]) -> None:
        """Insert ``rows`` in batches (nothing is committed here)."""
        table = table_of(target)
        rows = list(rows)
        for start in range(0, len(rows), self.batch_rows):
            self.session.execute(sa.insert(table), rows[start:start + self.batch_rows])
        self.counts[table.name] += len(rows)

    def reset_sequences(self) -> None:
        """On PostgreSQL, move each used table's id sequence past the ids given here."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for table_name in sorted(self._next_ids):
            self.session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "
                f"COALESCE(max(id), 1), max(id) IS NOT NULL) FROM \"{table_name}\""
            ))
