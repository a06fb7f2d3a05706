"""Where the data lives and the limits the bot works within, in one place.

Every value can be overridden by a keyword argument, a command-line flag or an environment
variable (`CHATBOT_<NAME>`), so nothing configurable is scattered through the code.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_DATA = PACKAGE_DIR / "data"


def _bundled(name: str) -> Path:
    """The data folder shipped with the package, or the source tree's when running from a checkout."""
    installed = BUNDLED_DATA / name
    return installed if installed.is_dir() else PACKAGE_DIR.parent / name


@dataclass(frozen=True)
class Settings:
    """Paths and limits. Confidence thresholds are in [0, 1]."""

    knowledge_dir: Path = dataclasses.field(default_factory=lambda: _bundled("knowledge"))
    intents_dir: Path = dataclasses.field(default_factory=lambda: _bundled("intents"))
    threshold: float = 0.45
    """Below this confidence the reply is a fallback with suggestions."""
    unsure_below: float = 0.6
    """Answers below this confidence are logged as unsure (when the unanswered log is on)."""
    clarify_margin: float = 0.12
    """Two candidates closer than this (in confidence) are too close to call: ask which."""
    max_question_chars: int = 1000
    """Only this much of a question is read; the rest cannot change the answer."""
    max_file_bytes: int = 2_000_000
    """A data file larger than this is refused rather than parsed."""
    unanswered_log: Path | None = None
    """If set, fallbacks and unsure answers are appended here as JSON lines."""
    host: str = "127.0.0.1"
    """Where `chatbot serve` listens: this machine only, unless you choose to expose it."""
    port: int = 8000
    allowed_origins: tuple[str, ...] = ()
    """Web pages (`https://help.example.com`) whose scripts may call the service (CORS);
    comma-separated in the environment."""
    max_body_bytes: int = 16_384
    """An HTTP request body larger than this is refused before it is parsed."""
    body_timeout_seconds: float = 10.0
    """An HTTP request body still incomplete after this long is refused (408): a stalled client
    cannot hold a request open for ever."""
    max_sessions: int = 100_000
    """Conversations the service keeps at once; when full, the least recently used is forgotten."""
    session_idle_seconds: float = 1800.0
    """A conversation unused for this long is forgotten."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> "Settings":
        """Defaults, then `CHATBOT_*` environment variables, then explicit keyword overrides."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for field in dataclasses.fields(cls):
            raw = environ.get("CHATBOT_" + field.name.upper())
            if raw:
                values[field.name] = _convert(field.name, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("knowledge_dir", "intents_dir", "unanswered_log"):
            if isinstance(values.get(key), str):
                values[key] = Path(values[key])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]


def _convert(name: str, raw: str) -> object:
    """Turn an environment string into the field's type."""
    from .errors import InputError

    kind = {f.name: f.type for f in dataclasses.fields(Settings)}[name]
    try:
        if kind == "float":
            return float(raw)
        if kind == "int":
            return int(raw)
    except ValueError:
        raise InputError(f"CHATBOT_{name.upper()}={raw!r} is not a number") from None
    if kind == "str":
        return raw
    if kind == "tuple[str, ...]":
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return Path(raw)
