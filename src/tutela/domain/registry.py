"""Named implementations of one capability (evidence sources, archive formats, library formats).

Registration is explicit, in one visible function per capability, and a second implementation under a name
already taken is refused: two parsers silently competing for "zip" is a bug, not a configuration.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar


class Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=Named)


class Registry(Generic[T]):
    """Things by name, kept in the order registered."""

    kind = "entry"  # what a subclass holds, for the message that refuses a duplicate

    def __init__(self) -> None:
        self._entries: dict[str, T] = {}

    def register(self, entry: T) -> None:
        if entry.name in self._entries:
            raise ValueError(f"{self.kind} {entry.name!r} is already registered")
        self._entries[entry.name] = entry

    def get(self, name: str) -> T:
        return self._entries[name]

    def names(self) -> list[str]:
        return list(self._entries)

    def __iter__(self) -> Iterator[T]:
        return iter(self._entries.values())
