"""What stored text may not contain: shared by the hostile-input crawl and the property tests."""

import unicodedata

BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = set("\u200b\u200c\u200d\u2060\ufeff\u180e")


def garbled_characters(text: str) -> list[str]:
    return [
        f"U+{ord(char):04X}"
        for char in text
        if (ord(char) < 0x20 and char not in "\n\t") or char in BIDI_CONTROLS
    ]


def looks_blank(text: str) -> bool:
    return all(
        char.isspace() or char in ZERO_WIDTH or unicodedata.category(char) in ("Cf", "Zs")
        for char in text
    )
