"""The text of a passage as its lines are read, with the spans of its list items."""

from __future__ import annotations

from fahras.index.document import Item


class PassageText:
    """Accumulates the lines of the passage being read, with its list items."""

    def __init__(self, kind: str, number: str | None, line: int):
        self.kind, self.number, self.line = kind, number, line
        self.text = ""
        self.items: list[Item] = []
        self._open_item: tuple[str, int] | None = None

    def add(self, content: str, *, marker: str | None = None, new_line: bool = False) -> None:
        """Append a line: after a space (a line that continues the sentence), or on a new
        line (``new_line``, or an item: ``marker`` is the item's marker as printed)."""
        if marker is not None:
            self._close_item()
            new_line = True
        if self.text:
            self.text += "\n" if new_line else " "
        start = len(self.text)
        self.text += content
        if marker is not None:
            self._open_item = (marker, start)

    def _close_item(self) -> None:
        if self._open_item is not None:
            marker, start = self._open_item
            self.items.append(Item(marker, start, len(self.text)))
            self._open_item = None

    def finish(self) -> tuple[str, tuple[Item, ...]]:
        self._close_item()
        return self.text, tuple(self.items)
