"""What an import found and did: every problem with its row, column and reason, and counts.

ID numbers never reach a report: their column is never echoed, and anything that looks like
an ID number in another echoed cell (a file name, a name typed in the wrong column) is masked.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

# 18-digit resident ID numbers (last character may be X) and the old 15-digit ones.
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z])")
MASK = "******"
# Longer echoed values are cut: the report shows where the problem is, not the whole cell.
ECHO_LIMIT = 80


def mask_id_numbers(text: str) -> str:
    """``text`` with every run of characters shaped like an ID number replaced by a mask."""
    return _ID_LIKE.sub(MASK, text)


def echo(text: Optional[str], *, sensitive: bool = False,
         identifier: bool = False) -> Optional[str]:
    """A cell's content as it may be shown back: never for sensitive columns, masked and cut
    otherwise. ``identifier`` columns (USCC, certificate numbers) are shown as typed, since
    their digits are the point of the message."""
    if sensitive or text is None:
        return None
    shown = text if identifier else mask_id_numbers(text)
    return shown if len(shown) <= ECHO_LIMIT else shown[:ECHO_LIMIT] + "…"


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be imported as it is.

    ``row`` is the spreadsheet row (the header is row 1; None for the file as a whole),
    ``column`` the header as written in the file, ``letter`` its spreadsheet column,
    ``value`` what was typed (None when it must not be shown), ``message`` the reason.
    ``hidden`` says that ``value`` is withheld (ID numbers); ``outside_jurisdiction`` marks
    rows the acting account may not import at all.
    """

    row: Optional[int]
    column: str
    message: str
    value: Optional[str] = None
    letter: str = ""
    hidden: bool = False
    outside_jurisdiction: bool = False


@dataclass
class ImportReport:
    """The outcome of one import (or dry run) of one file."""

    kind: str  # "organisations" or "practitioners"
    dry_run: bool
    rows_read: int = 0
    imported: int = 0  # records created (or that would be, in a dry run)
    qualifications: int = 0  # practitioners' qualifications created
    committed: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No problem at all: a real run wrote everything, a dry run may go ahead."""
        return not self.problems

    @property
    def rows_with_problems(self) -> int:
        """How many spreadsheet rows have at least one problem."""
        return len({problem.row for problem in self.problems if problem.row is not None})

    @property
    def outside_jurisdiction(self) -> bool:
        """Whether any row lies outside what the acting account may import."""
        return any(problem.outside_jurisdiction for problem in self.problems)

    def add(self, row: Optional[int], column: str, message: object, **details) -> None:
        """Record a problem (``message`` may be a lazy string; it is rendered now)."""
        self.problems.append(Problem(row, column, str(message), **details))

    def sorted_problems(self) -> list[Problem]:
        """File-level problems first, then by row, in the order found within a row."""
        return sorted(self.problems, key=lambda p: -1 if p.row is None else p.row)
