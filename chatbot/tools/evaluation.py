"""Score the bot on labelled questions and scripted dialogues (the format of `tests/data/`).

A question counts as answered right when the reply is not a fallback and either its intent is
one of the expected ones (and, if an item is expected, the reply's main item is one of them) or
its main item is one of the expected items (the user sees the same answer whichever intent
produced it). A question labelled `not_covered` or `out_of_scope` counts as right when the reply
is a fallback.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..content.model import AnswerKind
from ..content.yamlfile import Mapping, Sequence, line_of, read_yaml
from ..dialogue.bot import Chatbot
from ..dialogue.conversation import Conversation
from ..dialogue.reply import Reply
from ..errors import DataError, InputError

FALLBACK_LABELS = frozenset({"not_covered", "out_of_scope"})
CONFIDENCE_BANDS = ((0.0, 0.45), (0.45, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01))
MAX_FILE_BYTES = 10_000_000


@dataclass(frozen=True)
class Case:
    """One labelled question (or dialogue turn)."""

    question: str
    intents: tuple[str, ...]
    items: tuple[str, ...] = ()
    line: int = 0
    dialogue: str | None = None

    @property
    def expects_fallback(self) -> bool:
        return bool(FALLBACK_LABELS & set(self.intents))


@dataclass(frozen=True)
class Outcome:
    """A case and the reply it got."""

    case: Case
    reply: Reply
    answers_item: bool = True
    """Whether the reply's intent answers with items (a list, small talk or a fallback does not, so
    an item label does not apply to it)."""

    @property
    def correct(self) -> bool:
        reply, case = self.reply, self.case
        if reply.intent == "clarify" and "clarify" in case.intents:
            return True  # the writer saw that one phrase could mean two things
        item_ok = not case.items or reply.item in case.items or not self.answers_item
        if reply.intent in case.intents and item_ok:
            return True
        if case.expects_fallback:
            return reply.fallback
        return not reply.fallback and bool(case.items) and reply.item in case.items


@dataclass
class Report:
    """Accuracy figures over a set of outcomes."""

    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def in_scope(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.case.expects_fallback]

    @property
    def out_of_scope(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.expects_fallback]

    @property
    def accuracy(self) -> float:
        """Share of in-scope questions answered right."""
        return _share(self.in_scope)

    @property
    def fallback_rate(self) -> float:
        """Share of not-covered and out-of-scope questions that got a fallback (fallback recall)."""
        return _share(self.out_of_scope)

    @property
    def fallback_precision(self) -> float:
        """Of all fallback replies, the share given to questions that should fall back."""
        fell = [o for o in self.outcomes if o.reply.fallback]
        return sum(o.case.expects_fallback for o in fell) / len(fell) if fell else 1.0

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.correct]

    def per_intent(self) -> dict[str, dict[str, float]]:
        """Precision, recall and F1 per expected intent (the first label of each case)."""
        expected = Counter(_label(o) for o in self.outcomes)
        predicted = Counter(_predicted(o) for o in self.outcomes)
        right = Counter(_label(o) for o in self.outcomes if o.correct)
        table = {}
        for name in sorted(set(expected) | set(predicted)):
            precision = right[name] / predicted[name] if predicted[name] else 0.0
            recall = right[name] / expected[name] if expected[name] else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            table[name] = {"precision": precision, "recall": recall, "f1": f1, "support": expected[name]}
        return table

    def calibration(self) -> list[tuple[str, int, float]]:
        """How often answers were right, by confidence band: (band, answers, share right). An
        answer is a reply that is not a fallback; confidence is only useful if higher means right."""
        rows = []
        for low, high in CONFIDENCE_BANDS:
            inside = [o for o in self.outcomes if not o.reply.fallback and low <= o.reply.confidence < high]
            if inside:
                rows.append((f"{low:.2f}-{min(high, 1.0):.2f}", len(inside), _share(inside)))
        return rows

    def right_above(self, confidence: float) -> tuple[int, float]:
        """The answers at or above a confidence, and the share of them that were right."""
        inside = [o for o in self.outcomes if not o.reply.fallback and o.reply.confidence >= confidence]
        return len(inside), _share(inside)

    def confusions(self, top: int = 10) -> list[tuple[str, str, int]]:
        """The most frequent (expected, got) pairs among the misses."""
        pairs = Counter((_label(o), _got(o)) for o in self.misses)
        return [(a, b, n) for (a, b), n in pairs.most_common(top)]

    def summary(self) -> dict[str, Any]:
        """The headline figures."""
        return {"questions": len(self.outcomes), "in_scope": len(self.in_scope), "accuracy": round(self.accuracy, 4),
                "fallback_recall": round(self.fallback_rate, 4),
                "fallback_precision": round(self.fallback_precision, 4)}

    def to_dict(self) -> dict[str, Any]:
        """Everything, as JSON-ready values."""
        return {
            "questions": len(self.outcomes),
            "in_scope": len(self.in_scope),
            "accuracy": round(self.accuracy, 4),
            "fallback_recall": round(self.fallback_rate, 4),
            "fallback_precision": round(self.fallback_precision, 4),
            "per_intent": {k: {m: round(v, 4) for m, v in row.items()} for k, row in self.per_intent().items()},
            "confusions": [{"expected": a, "got": b, "count": n} for a, b, n in self.confusions()],
            "calibration": [{"confidence": band, "answers": n, "right": round(share, 4)}
                            for band, n, share in self.calibration()],
            "misses": [_miss(o) for o in self.misses],
            **({"dialogues": [{"name": name, "turns": total, "right": right}
                              for name, (right, total) in self.dialogues().items()]} if self.dialogues() else {}),
        }

    def dialogues(self) -> dict[str, tuple[int, int]]:
        """For dialogue files: turns answered right and turns in all, per dialogue (in file order)."""
        scores: dict[str, tuple[int, int]] = {}
        for outcome in self.outcomes:
            name = outcome.case.dialogue
            if name is not None:
                right, total = scores.get(name, (0, 0))
                scores[name] = (right + outcome.correct, total + 1)
        return scores

    def to_text(self) -> str:
        """The figures for people: summary, per-intent table, confusions, then every miss."""
        fell = [o for o in self.outcomes if o.reply.fallback]
        should = self.out_of_scope
        lines = [
            f"{len(self.outcomes)} {'turns' if self.dialogues() else 'questions'}: {len(self.in_scope)} in scope, "
            f"{len(should)} that should fall back",
            f"accuracy            {_percent(self.accuracy)}  ({len(self.in_scope) - _wrong(self.in_scope)} of "
            f"{len(self.in_scope)} in-scope answered right)",
            f"fallback recall     {_percent(self.fallback_rate)}  ({len(should) - _wrong(should)} of {len(should)} "
            f"that should fall back did)",
            f"fallback precision  {_percent(self.fallback_precision)}  "
            f"({sum(o.case.expects_fallback for o in fell)} of {len(fell)} fallbacks were meant)",
        ]
        dialogues = self.dialogues()
        if dialogues:
            clean = sum(right == total for right, total in dialogues.values())
            lines.append(f"dialogues           {clean} of {len(dialogues)} played through without a miss")
        count, share = self.right_above(0.8)
        lines.append(f"confident answers   {_percent(share)}  right ({count} answers at confidence 0.8 or more)")
        table = self.per_intent()
        width = max([len(name) for name in table] + [10])
        lines += ["", f"{'intent':<{width}}  precision  recall     F1  support"]
        lines += [f"{name:<{width}}  {row['precision']:9.2f}  {row['recall']:6.2f}  {row['f1']:5.2f}  "
                  f"{row['support']:7.0f}" for name, row in table.items()]
        lines += ["", "confidence   answers  right"]
        lines += [f"{band}  {n:8d}  {_percent(share)}" for band, n, share in self.calibration()]
        confusions = self.confusions()
        if confusions:
            lines += ["", "most confused (expected -> got):"]
            lines += [f"  {n:3d}  {a} -> {b}" for a, b, n in confusions]
        if self.misses:
            lines += ["", f"misses ({len(self.misses)}):"]
            for outcome in self.misses:
                case, reply = outcome.case, outcome.reply
                where = f"{case.dialogue!r}, line {case.line}" if case.dialogue else f"line {case.line}"
                expected = "/".join(case.intents) + (f" ({'/'.join(case.items)})" if case.items else "")
                got = reply.intent + (f" ({reply.item})" if reply.item else "")
                lines.append(f"  {where}: {case.question!r}")
                lines.append(f"      expected {expected}; got {got}, confidence {reply.confidence:.2f}"
                             f"{', a fallback' if reply.fallback else ''}")
        return "\n".join(lines)


def load_cases(path: Path) -> list[Case]:
    """Read labelled questions (a list of {q, intent, item}) from a YAML file."""
    return _cases(read_yaml(Path(path), max_bytes=MAX_FILE_BYTES), str(path))


def load_dialogues(path: Path) -> list[tuple[str, list[Case]]]:
    """Read scripted dialogues (a list of {name, turns: [{say, intent, item}]})."""
    return _dialogues(read_yaml(Path(path), max_bytes=MAX_FILE_BYTES), str(path))


def evaluate_file(bot: Chatbot, path: Path) -> Report:
    """Score a file of either kind: dialogues (entries with `turns`) turn by turn, else questions.
    A file that is not a labelled set is an InputError (it is the user's input, not the bot's data)."""
    try:
        data = read_yaml(Path(path), max_bytes=MAX_FILE_BYTES)
        if is_dialogue_file(data):
            return evaluate_dialogues(bot, _dialogues(data, str(path)))
        return evaluate(bot, _cases(data, str(path)))
    except DataError as error:
        raise InputError(f"not a labelled set: {error}") from None


def evaluate_files(bot: Chatbot, paths: list[Path]) -> Report:
    """Score several files as one set."""
    return Report([outcome for path in paths for outcome in evaluate_file(bot, path).outcomes])


def is_dialogue_file(data: Any) -> bool:
    """True for parsed YAML that is a list of dialogues rather than of questions."""
    return isinstance(data, Sequence) and any(isinstance(e, Mapping) and "turns" in e for e in data)


def _cases(data: Any, path: str) -> list[Case]:
    if not isinstance(data, Sequence):
        raise DataError("expected a list of questions", path=path, line=line_of(data))
    return [_case(entry, path, line_of(data, i), "q") for i, entry in enumerate(data)]


def _dialogues(data: Any, path: str) -> list[tuple[str, list[Case]]]:
    if not isinstance(data, Sequence):
        raise DataError("expected a list of dialogues", path=path, line=line_of(data))
    dialogues = []
    for entry in data:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("turns"), Sequence):
            raise DataError("a dialogue needs a name and a list of turns", path=path, line=line_of(entry))
        name = str(entry.get("name", f"line {entry.line}"))
        turns = [_case(t, path, line_of(entry["turns"], i), "say", dialogue=name)
                 for i, t in enumerate(entry["turns"])]
        dialogues.append((name, turns))
    return dialogues


def evaluate(bot: Chatbot, cases: list[Case]) -> Report:
    """Ask every question on its own and score the replies."""
    return Report([_outcome(bot, case, bot.ask(case.question)) for case in cases])


def evaluate_dialogues(bot: Chatbot, dialogues: list[tuple[str, list[Case]]]) -> Report:
    """Replay each dialogue in a fresh conversation and score every turn."""
    outcomes: list[Outcome] = []
    for _, turns in dialogues:
        conversation = Conversation()
        outcomes.extend(_outcome(bot, turn, bot.ask(turn.question, conversation)) for turn in turns)
    return Report(outcomes)


def _outcome(bot: Chatbot, case: Case, reply: Reply) -> Outcome:
    intent = bot.content.intents.get(reply.intent)
    itemized = intent is None or intent.answer in (AnswerKind.ITEM, AnswerKind.ITEMS)
    return Outcome(case, reply, itemized)


def _case(entry: Any, path: str, line: int, key: str, dialogue: str | None = None) -> Case:
    if not isinstance(entry, Mapping) or not isinstance(entry.get(key), str) or not _names(entry.get("intent")):
        raise DataError(f"each entry needs {key!r} (text) and 'intent'", path=path, line=line_of(entry) or line)
    return Case(entry[key], _names(entry["intent"]), _names(entry.get("item")), line_of(entry) or line, dialogue)


def _names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (str(value),)


def _wrong(outcomes: list[Outcome]) -> int:
    return sum(not o.correct for o in outcomes)


def _percent(share: float) -> str:
    return f"{share * 100:5.1f}%"


def _share(outcomes: list[Outcome]) -> float:
    return sum(o.correct for o in outcomes) / len(outcomes) if outcomes else 1.0


def _label(outcome: Outcome) -> str:
    return outcome.case.intents[0]


def _predicted(outcome: Outcome) -> str:
    """What the reply amounts to, in the labels' terms (any fallback to a fallback label)."""
    if outcome.reply.fallback and outcome.case.expects_fallback:
        return _label(outcome)
    if outcome.correct:
        return _label(outcome)
    return outcome.reply.intent


def _got(outcome: Outcome) -> str:
    """The predicted label, with the item when the intent alone looks right (a wrong item)."""
    got = _predicted(outcome)
    return f"{got} ({outcome.reply.item})" if got == _label(outcome) and outcome.reply.item else got


def _miss(outcome: Outcome) -> dict[str, Any]:
    case, reply = outcome.case, outcome.reply
    return {"question": case.question, "line": case.line, "dialogue": case.dialogue,
            "expected": {"intent": list(case.intents), "item": list(case.items)},
            "got": {"intent": reply.intent, "item": reply.item, "confidence": round(reply.confidence, 3),
                    "fallback": reply.fallback}}
