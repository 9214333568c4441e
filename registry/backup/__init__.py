"""Backups of the register's database and their proof by restore.

``flask backup create`` dumps the configured PostgreSQL database with ``pg_dump`` (SQLite: a
copy through SQLite's backup API) and writes a manifest beside the dump: when, the Alembic
revision, the audit chain's head and length and every table's row count, all read in the very
snapshot that was dumped, and the dump's SHA-256. ``flask backup verify-restore`` restores a
dump into a scratch database and checks it against that manifest (see ``services``).

A backup changes nothing in the register, so it is not an audit event (an event would move the
head that the manifest records); each one is logged on the ``registry.backup`` logger instead.
"""
