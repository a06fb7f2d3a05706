"""Regenerate chatbot/understanding/english_words.txt: the words the typo corrector never "corrects".

The list is the 24,000 most frequent English words of two letters or more, ASCII letters only,
from the wordfreq project's "best" English list, most frequent first. The typo corrector never
"corrects" one of them; the matcher reads a word's place as how common it is (a common word the
guide never uses says little about a question). wordfreq's data is under
CC BY-SA 4.0 (https://github.com/rspeer/wordfreq), so the generated file is too; the package's own
code is MIT. wordfreq is a development dependency only: `pip install -e ".[dev]"`.

    python scripts/build_word_list.py           # rewrite the file
    python scripts/build_word_list.py --check   # exit 1 if it differs from what wordfreq gives
"""

from __future__ import annotations

import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "chatbot" / "understanding" / "english_words.txt"
SIZE, MIN_LETTERS = 24_000, 2
HEADER = """\
# The 24,000 most frequent English words of two letters or more, most frequent first, from the
# wordfreq project's English list (data CC BY-SA 4.0, https://github.com/rspeer/wordfreq). The typo
# corrector never 'corrects' a real word, so these are protected. Made by scripts/build_word_list.py.
"""


def words() -> list[str]:
    """The list, from wordfreq."""
    import wordfreq

    found: list[str] = []
    for word in wordfreq.iter_wordlist("en", wordlist="best"):
        if len(word) >= MIN_LETTERS and word.isascii() and word.isalpha():
            found.append(word)
            if len(found) == SIZE:
                break
    return found


def main(argv: list[str]) -> int:
    text = HEADER + "\n".join(words()) + "\n"
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8")
        same = current == text
        print("the word list is current" if same else "the word list differs from wordfreq's")
        return 0 if same else 1
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
