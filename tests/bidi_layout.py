"""How a bidi renderer lays out one line: python-bidi (Rust `unicode-bidi`) resolves the
embedding levels, here reordered (UAX #9 rules L1, L2) and mirrored (L4) per character so a
test can tell where each logical character is drawn. The reordering is checked against
python-bidi's own `get_display` on every call."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bidi import get_display
from bidi.mirror import MIRRORED

_LEVEL = re.compile(r"Level\(\s*(\d+),?\s*\)")
_ISOLATE_CONTROLS = {"LRI", "RLI", "FSI", "PDI"}


@dataclass(frozen=True)
class Layout:
    """A line as drawn from left to right."""

    text: str
    order: tuple[int, ...]  # logical index of each drawn character, left to right
    levels: tuple[int, ...]  # resolved level of each logical character

    @property
    def glyphs(self) -> str:
        """What the eye sees, left to right: mirrored characters at odd levels (L4)."""
        shown = []
        for index in self.order:
            char = self.text[index]
            if self.levels[index] % 2 and char in MIRRORED:
                char = MIRRORED[char]
            shown.append(char)
        return "".join(shown)

    def position(self, index: int) -> int:
        return self.order.index(index)


def _levels(text: str, base: str) -> list[int]:
    """python-bidi's resolved level of every character (its debug view counts UTF-8 bytes)."""
    info = get_display(text, base_dir=base, debug=True)
    section = info[info.index("levels:") : info.index("paragraphs:")]
    per_byte = [int(level) for level in _LEVEL.findall(section)]
    levels, offset = [], 0
    for char in text:
        levels.append(per_byte[offset])
        offset += len(char.encode("utf-8"))
    assert offset == len(per_byte), "python-bidi's debug output changed"
    return levels


def layout(line: str, base: str = "R") -> Layout:
    """Lay out one line (no line break) in a paragraph of direction `base` ('L' or 'R')."""
    assert "\n" not in line
    levels = _levels(line, base)
    paragraph = 1 if base == "R" else 0
    # L1: whitespace and isolate controls at the end of the line take the paragraph level.
    shown = list(levels)
    for i in range(len(line) - 1, -1, -1):
        if unicodedata.bidirectional(line[i]) in {"WS", *_ISOLATE_CONTROLS}:
            shown[i] = paragraph
        else:
            break
    for i, char in enumerate(line):  # ... and before a tab (segment separator)
        if unicodedata.bidirectional(char) == "S":
            shown[i] = paragraph
            j = i - 1
            while j >= 0 and unicodedata.bidirectional(line[j]) in {"WS", *_ISOLATE_CONTROLS}:
                shown[j] = paragraph
                j -= 1
    # L2: from the highest level down to the lowest odd one, reverse every run at or above it.
    order = list(range(len(line)))
    if line:
        lowest_odd = min(level for level in shown) | 1
        for level in range(max(shown), lowest_odd - 1, -1):
            i = 0
            while i < len(order):
                if shown[order[i]] >= level:
                    j = i
                    while j < len(order) and shown[order[j]] >= level:
                        j += 1
                    order[i:j] = reversed(order[i:j])
                    i = j
                else:
                    i += 1
    drawn = "".join(line[i] for i in order)
    assert drawn == get_display(line, base_dir=base), "reordering differs from python-bidi"
    return Layout(line, tuple(order), tuple(shown))


def bracket_pairs(text: str) -> list[tuple[int, int]]:
    """Logical positions of each "(" … ")" and "[" … "]" pair, innermost first."""
    pairs, stack = [], []
    for i, char in enumerate(text):
        if char in "([":
            stack.append(i)
        elif char in ")]" and stack and text[stack[-1]] == {")": "(", "]": "["}[char]:
            pairs.append((stack.pop(), i))
    return pairs
