"""Bring the generated parts of the docs up to date: the field tables of docs/data-format.md.

    python scripts/update_docs.py          # rewrite them
    python scripts/update_docs.py --check  # exit 1 if they are stale (tests/test_docs.py does this)
"""

from __future__ import annotations

import sys
from pathlib import Path

from chatbot.tools.reference import replace_section

PAGE = Path(__file__).resolve().parent.parent / "docs" / "data-format.md"


def main(argv: list[str]) -> int:
    current = PAGE.read_text(encoding="utf-8")
    fresh = replace_section(current)
    if "--check" in argv:
        return 0 if fresh == current else 1
    PAGE.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
