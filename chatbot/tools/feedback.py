"""Visitors' ratings of answers (thumbs up or down), kept for `chatbot review`.

A rating is logged as one JSON line beside the question, the intent that answered and its
confidence, through the unanswered log's own writer (`unanswered.append`: whole lines, bounded
entries, best effort), so an answer that was confidently wrong reaches review like a fallback does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from . import unanswered

RATINGS = ("up", "down")


@dataclass(frozen=True)
class Feedback:
    """One visitor's rating of one answer."""

    question: str
    intent: str
    confidence: float
    rating: str

    def __post_init__(self) -> None:
        if self.rating not in RATINGS:
            raise InputError(f"rating must be one of {', '.join(RATINGS)}, not {self.rating!r}")
        if not 0 <= self.confidence <= 1:
            raise InputError(f"confidence must be between 0 and 1, not {self.confidence:g}")


def record(path: Path, feedback: Feedback) -> bool:
    """Append one rating to the log; False (after one warning) if it could not be written."""
    return unanswered.append(path, {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "question": feedback.question,
        "reply_intent": feedback.intent[:unanswered.MAX_NAME_CHARS],
        "score": round(feedback.confidence, 3),
        "rating": feedback.rating,
    })
