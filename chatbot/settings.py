"""Where the data lives, the limits the bot works within, and every number that tunes its matching.

`Settings` holds paths and limits, `Tuning` the weights and margins of understanding and deciding.
Every value can be overridden by a keyword argument, a command-line flag or an environment
variable (`CHATBOT_<NAME>`, tuning values included: `CHATBOT_THRESHOLD=0.5`), so nothing
configurable is scattered through the code.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_DATA = PACKAGE_DIR / "data"


def _bundled(name: str) -> Path:
    """The data folder shipped with the package, or the source tree's when running from a checkout."""
    installed = BUNDLED_DATA / name
    return installed if installed.is_dir() else PACKAGE_DIR.parent / name


@dataclass(frozen=True)
class Tuning:
    """The numbers behind understanding and deciding, in one place so that `chatbot eval --set`
    can try another value of any of them. Scores and confidences are in [0, 1]."""

    threshold: float = 0.45
    """Below this confidence the reply is a fallback with suggestions."""
    named_floor: float = 0.3
    """A question that names one item is answered about it from this score, below the threshold."""
    guess_floor: float = 0.25
    """An unsure reply offers a candidate from the guide as a guess ("Did you mean ...?") from this score."""
    guess_coverage: float = 0.35
    """...and an item the question's words point at, when they account for this share of it."""
    unsure_below: float = 0.6
    """Answers below this confidence count as unsure (the unanswered log records them)."""
    clarify_margin: float = 0.12
    """Two readings of one phrase closer than this are too close to call: the bot asks which."""
    context_confident: float = 0.75
    """A candidate this sure of a self-contained answer wins over what the conversation suggests."""
    move_confidence: float = 0.75
    """The confidence of a step to a neighbouring item read from the question's framing."""
    specific_margin: float = 0.2
    """How far an answer about a named item may trail the list of its kind and still be preferred."""
    named_margin: float = 0.1
    """How far an answer about a named item may trail a general answer that ignores it (about the
    job as a whole) and still be preferred."""
    stop_weight: float = 0.3
    """How much a function word ("the", "do", "you") counts, relative to its IDF weight."""
    common_word_weight: float = 1.0
    """How much a word no example uses counts when it is among the commonest English words,
    relative to a rare word or a non-word (which count fully); in between by rarity."""
    gap_weight: float = 2.0
    """How much a named gap (pay, hours...) counts: it is nearly always the point of the question."""
    idf_floor: float = 0.1
    """Added to every IDF weight, so a word found in every intent still counts a little."""
    common_share: float = 0.05
    """A word in more than this share of the examples is too common to look examples up by..."""
    common_floor: int = 40
    """...when it is also in more than this many examples..."""
    common_intents: float = 0.25
    """...and in more than this share of the intents."""
    aside: float = 0.9
    """Score factor for small talk or a follow-up read in a message that says more than that."""
    aside_piece: float = 0.6
    """...and for small talk read in one piece of such a message ("Goodbye, I'll come back later"):
    it wins only when nothing else in the message is asked."""
    statement: float = 0.85
    """Score factor for a sentence that is not a question, in a message that asks one."""
    whole_message: float = 0.9
    """Score factor for the whole of a message of several sentences, one of which asks the question."""
    clause: float = 0.92
    """Score factor for a clause of a one-sentence message ("what are teamwork skills, in general"):
    it can win when the rest of the sentence says nothing, but not tie the whole sentence."""
    alternative_reading: float = 0.9
    """Score factor for the second reading of a phrase that names items of two categories."""
    max_sentences: int = 4
    """How many sentences of a long message are scored on their own as well as the whole."""
    typo_edits_short: int = 1
    """Edits (a swap counts as one) a misspelt word of fewer than 8 letters may be from a known word."""
    typo_edits_long: int = 2
    """Edits a misspelt word of 8 letters or more may be from a known word."""
    follow_up_cap: float = 0.75
    """The highest confidence an answer read from the conversation reports ("tell me more")."""
    rival_margin: float = 0.15
    """An answer whose runner-up of another kind is closer than this reports less confidence..."""
    rival_penalty: float = 2.0
    """...by this much per point of margin short."""
    doubt: float = 0.2
    """How much less confident an item answer is when the evidence clearly points at another item..."""
    doubt_ratio: float = 1.5
    """...at least this many times the answered item's evidence, and covering at least `doubt_coverage`
    of the question's words."""
    doubt_coverage: float = 0.3
    describe_min: float = 0.06
    """The least evidence for picking an item of the list in view by describing it ("the detail one")."""
    detail_ratio: float = 0.7
    """A short question naming something ("like reports?") is about the current item when the
    item's own texts are at least this share of the named item's evidence for its words."""
    named_order_ratio: float = 1.8
    """Of two items a question names for one slot, the second comes first when its evidence is this
    many times the first's ("the duty of inspection of final products")."""
    evidence_unsure: float = 0.6
    """The items' own words are weighed only when the best intent scores below this."""
    evidence_min: float = 0.12
    """The least evidence score (TF-IDF cosine of the question and an item's texts) worth answering."""
    evidence_ratio: float = 1.15
    """How many times the best item's evidence must exceed the next item's."""
    evidence_coverage: float = 0.55
    """The least share of the question's words the item's texts must account for."""
    evidence_base: float = 0.45
    """The confidence of an answer found by evidence is this plus `evidence_scale` times its score..."""
    evidence_scale: float = 1.0
    evidence_cap: float = 0.78
    """...and never more than this: an item the question never names is not a confident answer."""

    def replace(self, **changes: object) -> Tuning:
        """A copy with some values changed, each converted to its field's type; an unknown name
        or a value that is not a number is an InputError."""
        converted: dict[str, Any] = {name: _convert(Tuning, name, value) for name, value in changes.items()}
        return dataclasses.replace(self, **converted)


@dataclass(frozen=True)
class Settings:
    """Paths and limits, and the `Tuning` of the matcher."""

    knowledge_dir: Path = dataclasses.field(default_factory=lambda: _bundled("knowledge"))
    intents_dir: Path = dataclasses.field(default_factory=lambda: _bundled("intents"))
    max_question_chars: int = 1000
    """Only this much of a question is read; the rest cannot change the answer."""
    max_file_bytes: int = 2_000_000
    """A data file larger than this is refused rather than parsed."""
    unanswered_log: Path | None = None
    """If set, the shells append fallbacks and unsure answers here as JSON lines."""
    feedback_log: Path | None = None
    """If set, the service appends visitors' thumbs up or down on answers here as JSON lines, for
    `chatbot review` beside the unanswered log."""
    log_questions: bool = False
    """The service's JSON access log shows the question text only when this is on (it is a
    visitor's own words: off by default)."""
    history_file: Path | None = None
    """Where the terminal chat keeps questions between runs (default: the user's state folder)."""
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
    sessions: str = "memory"
    """Where the service keeps conversations: `memory` (in the one process) or a Redis URL
    (`redis://host:port/db`, `rediss://` with TLS, `unix:///path`) that every worker and host shares."""
    sessions_prefix: str = "chatbot:"
    """The start of every Redis key the service writes, so several bots can share one Redis."""
    sessions_timeout_seconds: float = 1.0
    """How long one Redis command may take before the request gets 503 `sessions_unavailable`."""
    workers: int = 1
    """Processes `chatbot serve` runs on one port; more than one needs the Redis session store."""
    max_header_bytes: int = 16_384
    """An HTTP request line and headers longer than this are refused (431) before they are read further."""
    header_timeout_seconds: float = 10.0
    """A connection that has not sent a whole request line and headers this long after it opened (or
    after its previous response) is closed: an idle or half-sent connection cannot be held for ever."""
    client_requests_per_minute: int = 600
    """Requests one client may make per minute, in bursts of as many; past it, 429. 0: no limit."""
    client_sessions_per_minute: int = 60
    """New conversations one client may start per minute, in bursts of as many; past it, 429. 0: no limit."""
    unlimited_clients: tuple[str, ...] = ("127.0.0.0/8", "::1")
    """Addresses or networks never limited: by default this machine (health checks, local tools).
    Behind a reverse proxy, set `trusted_proxies` so that the visitors, not the proxy, are limited."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses or networks of reverse proxies whose `X-Forwarded-For` names the client; from any
    other address the header is ignored, so a client cannot choose its own address."""
    rasa_token: str | None = None
    """If set, the Rasa webhook answers only requests carrying it (`?token=...` or
    `Authorization: Bearer ...`)."""
    unanswered_log_max_bytes: int = 10_000_000
    """When the unanswered log would grow past this, it is renamed to `LOG.1` (replacing the
    previous one) and a new log begun. 0: never rotated."""
    max_line_bytes: int = 16_777_216
    """`chatbot ask` and `chatbot chat` refuse a line of input longer than this (a stream with no line
    breaks, such as /dev/zero, is not a file of questions); within it, only the question limit is kept."""
    tuning: Tuning = Tuning()
    """The matcher's weights and margins (each also read from `CHATBOT_<NAME>`)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, /, **overrides: object) -> Settings:
        """Defaults, then `CHATBOT_*` environment variables, then explicit keyword overrides
        (None means "not given"). Tuning values may be given by name too (`threshold=0.5`)."""
        environ = os.environ if environ is None else environ
        given = {k: v for k, v in overrides.items() if v is not None}
        tuning_names = {f.name for f in dataclasses.fields(Tuning)}
        values: dict[str, object] = {}
        tuning: dict[str, object] = {}
        for owner, target in ((cls, values), (Tuning, tuning)):
            for field in dataclasses.fields(owner):
                raw = environ.get("CHATBOT_" + field.name.upper())
                if raw and field.name != "tuning":
                    target[field.name] = _convert(owner, field.name, raw, env=True)
        for name, value in given.items():
            if name in tuning_names:
                tuning[name] = _convert(Tuning, name, value)
            elif name == "tuning" and isinstance(value, Tuning):
                values[name] = value
            else:
                values[name] = _convert(cls, name, value)
        base = values.pop("tuning", Tuning())
        assert isinstance(base, Tuning)
        return cls(**values, tuning=base.replace(**tuning))  # type: ignore[arg-type]

    def replace(self, **changes: object) -> Settings:
        """A copy with some values changed (tuning values by name, as in `from_env`)."""
        return Settings.from_env({}, **{**_current(self), **changes})


def _current(settings: Settings) -> dict[str, object]:
    values: dict[str, object] = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}
    return values


def _convert(owner: type, name: str, raw: object, *, env: bool = False) -> object:
    """`raw` (a string from the environment, or a value given in code) as the field's type."""
    hints = typing.get_type_hints(owner)
    if name not in hints:
        known = ", ".join(f.name for f in dataclasses.fields(owner))
        raise InputError(f"unknown setting {name!r}; the settings are: {known}")
    kind = hints[name]
    label = f"CHATBOT_{name.upper()}={raw!r}" if env else f"{name}={raw!r}"
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        kind = args[0]
    if raw is None:
        return None
    if kind in (int, float):
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise InputError(f"{label} is not a number")
        try:
            number = float(raw) if kind is float else int(raw)
        except ValueError:
            raise InputError(f"{label} is not {'a whole number' if kind is int else 'a number'}") from None
        if number < 0 or number != number:
            raise InputError(f"{label} must not be negative")
        return number
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word not in _BOOLEANS:
            raise InputError(f"{label} is not a yes or no: use 1 or 0, true or false")
        return _BOOLEANS[word]
    if kind is Path:
        return Path(raw) if isinstance(raw, (str, os.PathLike)) else raw
    if typing.get_origin(kind) is tuple:
        if isinstance(raw, str):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        return tuple(raw)  # type: ignore[arg-type]
    return raw


_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def tuning_names() -> list[str]:
    """The names of the tuning values, for help texts and `chatbot eval --set`."""
    return [f.name for f in dataclasses.fields(Tuning)]

