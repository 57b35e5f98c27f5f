"""Errors about the knowledge file, written for the staff who edit it.

Every problem names the file, the line and what to do, e.g.::

    knowledge.yaml, line 42: entry 'sessions' has an unknown key 'qustions'.
      Fix: did you mean 'questions'?
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (or worth a look) in a knowledge file."""

    path: Path
    line: int | None
    message: str
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.path.name}, line {self.line}" if self.line else self.path.name
        text = f"{where}: {self.message}"
        if self.fix:
            text += f"\n  Fix: {self.fix}"
        return text


class KnowledgeError(Exception):
    """The knowledge file could not be loaded; ``problems`` lists every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        header = f"{count} problem{'s' if count != 1 else ''} in the knowledge file:"
        super().__init__("\n".join([header, *(str(p) for p in problems)]))
