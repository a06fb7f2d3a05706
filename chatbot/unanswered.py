"""The unanswered-question log: what users asked that the bot could not answer well.

Each entry is one JSON object on one line (timestamp, question, best guess, score), written with
a single append so that concurrent writers and a killed process never leave half a line. Writing
is best effort: a full disk or an unwritable path gives one warning and never stops answering.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from .reply import Reply


def record(path: Path, question: str, reply: Reply, best_guess: str | None) -> bool:
    """Append one entry; return False (after a warning on stderr) if it could not be written."""
    entry = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "question": question,
        "reply_intent": reply.intent,
        "best_guess": best_guess,
        "score": round(reply.confidence, 3),
    }
    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError as error:
        print(f"chatbot: warning: cannot write the unanswered-question log {path}: {error.strerror}",
              file=sys.stderr)
        return False
    return True
