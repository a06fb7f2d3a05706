"""The `chatbot` command: a thin shell over the library. Each command parses its arguments,
calls the library, and prints; errors become a message on stderr and a meaningful exit code.

Exit codes: 0 success, 1 broken data files (or a check that found problems), 2 bad usage or input
(output that cannot be written included).
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
import textwrap
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

from ..errors import ChatbotError, DataError, InputError

if TYPE_CHECKING:
    from pathlib import Path

    from ..dialogue.bot import Chatbot
    from ..dialogue.conversation import Conversation
    from ..tools.evaluation import Report

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2

DESCRIPTION = """\
Answers questions about a career from one guide: by default the bundled guide to becoming a
production (manufacturing) technician; --knowledge and --intents point it at another.
Run `chatbot` with no command for an interactive chat, or `chatbot ask "your question"`."""

EXIT_CODES = """\
exit codes:
  0    success (a "not covered" reply is still an answer)
  1    the data files are broken, or a check found problems (validate, eval --min-accuracy)
  2    bad usage or input: no question, an unreadable or malformed file, a port in use
  130  interrupted (Ctrl-C)"""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions reflowed to the terminal's width, paragraph by paragraph; a paragraph with
    indented lines (examples, tables) is kept as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = []
        for paragraph in text.split("\n\n"):
            lines = paragraph.splitlines()
            if any(line.startswith(" ") for line in lines):
                paragraphs.append("\n".join(indent + line for line in lines))
            else:
                paragraphs.append(textwrap.fill(" ".join(lines), width, initial_indent=indent, subsequent_indent=indent))
        return "\n\n".join(paragraphs)


OUTPUT_ERRORS = {errno.ENOSPC, errno.EIO, errno.EBADF, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    if argv is None:
        argv = [_argument(arg) for arg in sys.argv[1:]]
    _tolerant_output()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        args = parser.parse_args(["chat", *argv])
    if sys.stdout is None and args.command != "serve":
        _error("standard output is closed: there is nowhere to write the answers")
        return EXIT_USAGE
    try:
        code = args.run(args)
        if sys.stdout is not None:
            sys.stdout.flush()
        return code
    except DataError as error:
        _error(str(error))
        return EXIT_DATA
    except InputError as error:
        _error(str(error))
        return EXIT_USAGE
    except ChatbotError as error:
        _error(str(error))
        return EXIT_DATA
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _silence_stdout()  # the reader went away (`| head`): nothing more to say
        return EXIT_OK
    except OSError as error:
        if error.errno not in OUTPUT_ERRORS:
            raise
        _silence_stdout()
        _error(f"cannot write the output: {error.strerror or error}")
        return EXIT_USAGE


def _error(message: str) -> None:
    if sys.stderr is not None:
        sys.stderr.write(f"chatbot: error: {message}\n")


def _argument(arg: str) -> str:
    """A command-line argument as the UTF-8 text it almost always is, even under a locale that
    decoded it as ASCII (`LC_ALL=POSIX PYTHONUTF8=0`), where "whát" arrives as escaped bytes."""
    try:
        return os.fsencode(arg).decode("utf-8", "replace")
    except UnicodeError:
        return arg


def _tolerant_output() -> None:
    """Text the terminal's encoding cannot show (an ASCII locale, PYTHONIOENCODING=ascii) is
    replaced rather than a crash; JSON output escapes it instead (see `_json`)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def _json(value: Any, **options: Any) -> str:
    """`value` as JSON, with non-ASCII text as is where standard output can carry it, escaped where not."""
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        "\u00e9\u2019\U0001f600".encode(encoding)
        unicode = True
    except (UnicodeError, LookupError):
        unicode = False
    return json.dumps(value, ensure_ascii=not unicode, **options)


def _silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so that Python's last flush at exit cannot fail again
    with a second message (only for the real standard output, never a test's capture)."""
    stdout = sys.stdout
    if stdout is not None and stdout is sys.__stdout__:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stdout.fileno())  # type: ignore[union-attr]
            os.close(devnull)
        except (OSError, ValueError):
            pass


class Version(argparse.Action):
    """--version, reading the version only when asked (the package metadata is slow to import)."""

    def __init__(self, option_strings: list[str], dest: str, **options: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from .. import __version__

        print(f"chatbot {__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """All commands and their options; each command module adds its own subparser."""
    parser = argparse.ArgumentParser(prog="chatbot", description=DESCRIPTION, epilog=EXIT_CODES,
                                     formatter_class=HelpFormatter)
    parser.add_argument("--version", action=Version)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(commands)
    return parser


def data_options(parser: argparse.ArgumentParser) -> None:
    """--knowledge and --intents, shared by every command that loads the bot."""
    parser.add_argument("--knowledge", metavar="DIR",
                        help="folder of knowledge YAML files (default: the bundled guide; env CHATBOT_KNOWLEDGE_DIR)")
    parser.add_argument("--intents", metavar="DIR",
                        help="folder of intent YAML files (default: the bundled intents; env CHATBOT_INTENTS_DIR)")


def load_bot(args: argparse.Namespace, **overrides: object) -> Chatbot:
    """The bot for these arguments."""
    from ..dialogue.bot import Chatbot
    from ..settings import Settings

    settings = Settings.from_env(knowledge_dir=args.knowledge, intents_dir=args.intents, **overrides)
    return Chatbot.load(settings=settings)


# --- chatbot ask -----------------------------------------------------------------------------

def add_ask(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "ask", help="answer one question, or a file of them (one per line)",
        description="Answer a question given as an argument, or one question per line from a file or "
                    "standard input. Blank lines are skipped. Questions are independent unless "
                    "--conversation is given.",
        epilog='examples:\n  chatbot ask "what skills do i need?"\n  chatbot ask --json "do I need a degree?"\n'
               "  chatbot ask --json < questions.txt\n  chatbot ask --conversation < dialogue.txt",
        formatter_class=HelpFormatter)
    parser.add_argument("question", nargs="*", help="the question (omit it to read questions from standard input)")
    parser.add_argument("--file", "-f", metavar="PATH", help="read questions from PATH, one per line ('-' for stdin)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per question, one per line")
    parser.add_argument("--conversation", "-c", action="store_true",
                        help="treat the questions as one conversation, so follow-ups use context")
    parser.add_argument("--explain", action="store_true",
                        help="show why each answer was chosen: tokens, slots found, top candidates, threshold")
    parser.add_argument("--log-unanswered", metavar="PATH",
                        help="append fallbacks and unsure answers to PATH as JSON lines, for `chatbot review` "
                             "(env CHATBOT_UNANSWERED_LOG)")
    data_options(parser)
    parser.set_defaults(run=run_ask)


def run_ask(args: argparse.Namespace) -> int:
    from ..settings import Settings

    limits = Settings.from_env(knowledge_dir=args.knowledge, intents_dir=args.intents)
    questions = _questions(args, limits.max_question_chars, limits.max_line_bytes)  # usage errors before loading
    bot = load_bot(args, unanswered_log=args.log_unanswered)
    from ..dialogue.bot import printable
    from ..dialogue.conversation import Conversation
    from ..tools import unanswered

    path = bot.settings.unanswered_log
    log = unanswered.UnansweredLog(path, max_bytes=bot.settings.unanswered_log_max_bytes) if path else None
    unsure_below = bot.settings.tuning.unsure_below
    conversation = Conversation() if args.conversation else None
    several = not args.question
    out = sys.stdout
    asked = 0
    for question in questions:
        asked += 1
        try:
            if args.explain:
                _explain(bot, question, conversation, as_json=args.json)
                continue
            reply = bot.ask(question, conversation, trace=log is not None)
        except InputError as error:
            if not several:
                raise
            _skipped(error)  # the rest are still answered
            continue
        if log is not None and unanswered.worth_logging(reply, unsure_below):
            log.record(bot.clean(question), reply, unanswered.best_guess(reply))
        if args.json:
            out.write(_json({"question": question, **reply.to_dict()}) + "\n")
        elif several:
            out.write(f"> {printable(question).strip()}\n{reply.text}\n\n")
        else:
            out.write(reply.text + "\n")
        out.flush()
    if not asked:
        raise InputError("no question given: the input has no line with a question on it")
    return EXIT_OK


def _explain(bot: Chatbot, question: str, conversation: Conversation | None, *, as_json: bool) -> None:
    from ..tools.explain import explain

    explanation = explain(bot, question, conversation)
    if as_json:
        sys.stdout.write(_json(explanation.to_dict()) + "\n")
    else:
        sys.stdout.write(explanation.to_text() + "\n\n")
    sys.stdout.flush()


def _skipped(error: InputError) -> None:
    if sys.stderr is not None:
        sys.stderr.write(f"chatbot: skipped a line: {error}\n")


def _questions(args: argparse.Namespace, max_chars: int, max_line_bytes: int) -> Iterator[str]:
    """The question from the arguments, or the non-blank lines of the file or stdin, each cut to
    the `max_chars` characters the bot reads (so that is also all `--json` echoes)."""
    if args.question:
        if args.file:
            raise InputError("give a question or --file, not both")
        question = " ".join(args.question)
        if not question.strip():
            raise InputError("the question is empty")
        return iter([question])
    if args.file and args.file != "-":
        try:
            stream: BinaryIO = open(args.file, "rb")  # noqa: SIM115
        except OSError as error:
            raise InputError(f"cannot read {args.file}: {error.strerror}") from None
        name = args.file
    elif sys.stdin is None or sys.stdin.isatty():
        raise InputError('no question given: try chatbot ask "your question", or one question a line on standard input')
    else:
        stream, name = _stdin_bytes(), "standard input"
    lines = _lines(stream, max_chars, max_line_bytes, name)
    return (line.strip() for line in lines if line.strip())


def _lines(stream: BinaryIO, max_chars: int, max_line_bytes: int, name: str) -> Iterator[str]:
    """Each line as text (bytes that are not UTF-8 become U+FFFD), cut to `max_chars` characters;
    a line over `max_line_bytes` stops the reading with an InputError."""
    from ..tools.lines import read_lines

    for head, _ in read_lines(stream, 4 * max_chars, limit=max_line_bytes, name=name):
        yield head.decode("utf-8", "replace")[:max_chars]


def _stdin_bytes() -> BinaryIO:
    """Standard input as bytes, or an InputError when it is closed."""
    if sys.stdin is None:
        raise InputError("standard input is closed: there is nothing to read")
    return sys.stdin.buffer


# --- chatbot chat ----------------------------------------------------------------------------

def add_chat(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "chat", help="talk with the bot in the terminal (what `chatbot` alone does)",
        description="An interactive chat with history, Tab completion and numbered quick picks; "
                    "type /help inside it. When standard input is not a terminal, each line is "
                    "answered in turn as one conversation, in plain text.",
        epilog='examples:\n  chatbot\n  printf "what skills do i need?\\ntell me more\\n" | chatbot chat',
        formatter_class=HelpFormatter)
    data_options(parser)
    parser.set_defaults(run=run_chat)


def run_chat(args: argparse.Namespace) -> int:
    bot = load_bot(args)
    from . import repl  # prompt-toolkit loads only here, so `chatbot ask` starts fast

    terminal = sys.stdin is not None and sys.stdin.isatty() and sys.stdout.isatty()
    if terminal:
        return repl.chat(bot, None)
    settings = bot.settings
    lines = _lines(_stdin_bytes(), settings.max_question_chars, settings.max_line_bytes, "standard input")
    return repl.chat(bot, (line.rstrip("\r") for line in lines))


# --- chatbot serve ---------------------------------------------------------------------------

def add_serve(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "serve", help="run the HTTP service and the web chat widget",
        description="Serve the JSON chat API (POST /v1/chat), a Rasa-compatible webhook and a chat\n"
                    "widget for web pages (a demo at /; embed /widget.js). Every option can also be\n"
                    'set by an environment variable. Needs the server extra: pip install -e ".[server]"',
        epilog="examples:\n  chatbot serve\n  chatbot serve --port 8080 --allow-origin https://help.example.com\n"
               "  CHATBOT_HOST=0.0.0.0 chatbot serve   # listen on every interface (behind a proxy)\n"
               "  chatbot serve --workers 2 --sessions redis://localhost:6379/0   # 2 processes, one Redis",
        formatter_class=HelpFormatter)
    parser.add_argument("--host", help="address to listen on (default: 127.0.0.1, this machine only; env CHATBOT_HOST)")
    parser.add_argument("--port", type=int, help="port to listen on (default: 8000; env CHATBOT_PORT)")
    parser.add_argument("--allow-origin", action="append", metavar="ORIGIN",
                        help="a web page origin whose scripts may call the API, such as https://help.example.com; "
                             "repeat for several (env CHATBOT_ALLOWED_ORIGINS, comma-separated)")
    parser.add_argument("--sessions", metavar="URL",
                        help="where conversations are kept: 'memory' (default, this process only) or a Redis URL "
                             "such as redis://localhost:6379/0 that several workers and hosts share (env CHATBOT_SESSIONS)")
    parser.add_argument("--sessions-prefix", metavar="TEXT",
                        help="start of the Redis keys, so several bots can share one Redis "
                             "(default: chatbot:; env CHATBOT_SESSIONS_PREFIX)")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="worker processes on the one port (default: 1; more need --sessions redis://...; "
                             "env CHATBOT_WORKERS)")
    parser.add_argument("--log-unanswered", metavar="PATH",
                        help="append fallbacks and unsure answers to PATH as JSON lines, for `chatbot review` "
                             "(env CHATBOT_UNANSWERED_LOG)")
    parser.add_argument("--log-feedback", metavar="PATH",
                        help="append visitors' thumbs up or down on answers to PATH as JSON lines, for "
                             "`chatbot review` (env CHATBOT_FEEDBACK_LOG)")
    data_options(parser)
    parser.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    try:
        from .server import app as server  # Starlette and uvicorn load only here
    except ModuleNotFoundError as error:
        if error.name not in SERVER_MODULES:
            raise
        raise InputError(f"the HTTP service needs {error.name}: {server_install_hint()}") from None
    origins = tuple(args.allow_origin) if args.allow_origin else None
    # Not kept in a variable: with several workers, each loads its own and this one can be freed.
    server.serve(load_bot(args, host=args.host, port=args.port, allowed_origins=origins, sessions=args.sessions,
                          sessions_prefix=args.sessions_prefix, workers=args.workers,
                          unanswered_log=args.log_unanswered, feedback_log=args.log_feedback))
    return EXIT_OK


SERVER_MODULES = ("starlette", "uvicorn", "httptools", "socketio", "engineio", "prometheus_client")
"""What the server extra brings; the top-level module names as ModuleNotFoundError reports them."""


def server_install_hint() -> str:
    """How to add the server extra, for the way this copy was installed: from a checkout (editable,
    or run in place), from a folder or an address, or from a package index."""
    from importlib import metadata
    from pathlib import Path
    from urllib.parse import unquote, urlsplit

    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file():
        return f'pip install -e "{checkout}[server]"'
    try:
        origin = json.loads(metadata.distribution("career-chatbot").read_text("direct_url.json") or "null")
    except (metadata.PackageNotFoundError, ValueError):
        origin = None
    if not isinstance(origin, dict) or not isinstance(origin.get("url"), str):
        return 'pip install "career-chatbot[server]"'
    url = origin["url"]
    if url.startswith("file://"):
        return f'pip install "{unquote(urlsplit(url).path)}[server]"'
    return f'pip install "career-chatbot[server] @ {url}"'


# --- chatbot validate / eval / review: tools for maintainers --------------------------------

def add_validate(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "validate", help="check the knowledge and intent files for mistakes",
        description="Load the data and report every problem with its file, line and field: schema errors, "
                    "references to items or categories that do not exist, duplicate ids, examples two "
                    "intents share or nearly share, phrases two things claim, and knowledge items no "
                    "intent can reach. Exit status 0 when the data is clean, 1 when it is not.",
        epilog="examples:\n  chatbot validate\n  chatbot validate --knowledge my/knowledge --intents my/intents",
        formatter_class=HelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the problems as a JSON list")
    data_options(parser)
    parser.set_defaults(run=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    from ..settings import Settings
    from ..tools.checks import check, report

    problems = check(Settings.from_env(knowledge_dir=args.knowledge, intents_dir=args.intents))
    if args.json:
        print(_json([problem.to_dict() for problem in problems], indent=2))
    else:
        print(report(problems))
    return EXIT_DATA if problems else EXIT_OK


def add_eval(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "eval", help="score the bot on labelled question or dialogue files",
        description="Ask every labelled question (or replay every dialogue, turn by turn) and report "
                    "accuracy, fallback precision and recall, per-intent precision/recall/F1, the most "
                    "confused intents and every miss. Several files are scored together. The file format "
                    "is that of tests/data/. --set tries other tuning values; --sweep compares several.",
        epilog="examples:\n  chatbot eval tests/data/questions.yaml\n  chatbot eval tests/data/dialogues.yaml --json\n"
               "  chatbot eval tests/data/questions.yaml --min-accuracy 0.9   # exit 1 below 90%\n"
               "  chatbot eval tests/data/questions.yaml --set threshold=0.5\n"
               "  chatbot eval tests/data/more/*.yaml --sweep threshold=0.4,0.45,0.5\n\n"
               f"tuning values: {', '.join(_tuning_names())}",
        formatter_class=HelpFormatter)
    parser.add_argument("files", nargs="+", metavar="FILE", help="a YAML list of {q, intent, item} or of {name, turns}")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    parser.add_argument("--min-accuracy", type=float, metavar="X",
                        help="exit with status 1 when the accuracy is below X (a share, such as 0.9)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="use another value for one tuning number (repeatable)")
    parser.add_argument("--sweep", metavar="NAME=V1,V2,...",
                        help="score once per value of one tuning number and print a table")
    data_options(parser)
    parser.set_defaults(run=run_eval)


def _tuning_names() -> list[str]:
    from ..settings import tuning_names

    return tuning_names()


def _assignment(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise InputError(f"expected NAME=VALUE, such as threshold=0.5, not {text!r}")
    return name.strip(), value.strip()


def run_eval(args: argparse.Namespace) -> int:
    from pathlib import Path

    paths = [Path(name) for name in args.files]
    for path in paths:
        if not path.is_file():
            raise InputError(f"cannot read {path}: no such file")
    bot = load_bot(args)
    tuning = bot.settings.tuning.replace(**dict(_assignment(text) for text in args.set))
    if args.sweep:
        name, values = _assignment(args.sweep)
        rows = []
        for value in values.split(","):
            report = _evaluate(bot.with_tuning(tuning.replace(**{name: value})), paths)
            rows.append((value, report))
        if args.json:
            print(json.dumps([{"value": v, **r.summary()} for v, r in rows], indent=2))
        else:
            print(f"{name:>12}  accuracy  fallback recall  fallback precision")
            for value, report in rows:
                print(f"{value:>12}  {report.accuracy:8.1%}  {report.fallback_rate:15.1%}  {report.fallback_precision:18.1%}")
        return EXIT_OK
    if tuning != bot.settings.tuning:
        bot = bot.with_tuning(tuning)
    report = _evaluate(bot, paths)
    print(_json(report.to_dict(), indent=2) if args.json else report.to_text())
    if args.min_accuracy is not None and report.accuracy < args.min_accuracy:
        print(f"chatbot: accuracy {report.accuracy:.3f} is below {args.min_accuracy:g}", file=sys.stderr)
        return EXIT_DATA
    return EXIT_OK


def _evaluate(bot: Chatbot, paths: list[Path]) -> Report:
    """Score the labelled files; files with no labelled question in them are bad input (exit 2)."""
    from ..tools.evaluation import evaluate_files

    report = evaluate_files(bot, paths)  # a file that is not a labelled set is an InputError too
    if not report.outcomes:
        raise InputError(f"no labelled questions in {', '.join(map(str, paths))}: nothing to score")
    return report


def add_schema(commands: argparse._SubParsersAction) -> None:
    from ..tools.reference import FILES

    parser = commands.add_parser(
        "schema", help="print the JSON Schema of a kind of data file, for editors",
        description="Print the JSON Schema of one kind of data file, generated from the same model the "
                    "loader checks against (docs/data-format.md describes the same fields).",
        epilog="examples:\n  chatbot schema guide > guide.schema.json\n  chatbot schema category",
        formatter_class=HelpFormatter)
    parser.add_argument("kind", choices=list(FILES), help="which kind of file")
    parser.set_defaults(run=run_schema)


def run_schema(args: argparse.Namespace) -> int:
    from ..tools.reference import json_schema

    print(json.dumps(json_schema(args.kind), indent=2))
    return EXIT_OK


def add_review(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "review", help="group the unanswered questions and the answers marked wrong by what people asked",
        description="Read a log written by `chatbot ask --log-unanswered` or `chatbot serve --log-unanswered` "
                    "(CHATBOT_UNANSWERED_LOG) and group similar questions, most frequent first, with the intent "
                    "each group came closest to: what users ask that the bot cannot answer yet. Given the "
                    "feedback log too (`chatbot serve --log-feedback`, CHATBOT_FEEDBACK_LOG), it lists beside "
                    "them the answers visitors marked wrong, grouped the same way, with the intent that answered.",
        epilog="examples:\n  chatbot review unanswered.jsonl\n  chatbot review unanswered.jsonl feedback.jsonl\n"
               "  chatbot review unanswered.jsonl --min-score 85 --json",
        formatter_class=HelpFormatter)
    parser.add_argument("logs", nargs="+", metavar="LOG",
                        help="a JSON-lines log: the unanswered log, the feedback log, or both")
    parser.add_argument("--json", action="store_true", help="print the groups as JSON")
    parser.add_argument("--min-score", type=float, metavar="N",
                        help="how alike (0-100) two questions must be to share a group (default: 75)")
    parser.set_defaults(run=run_review)


def run_review(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..tools.review import MIN_SCORE, review

    terminal = sys.stderr is not None and sys.stderr.isatty()
    bar = ProgressBar(sys.stderr) if terminal else None
    try:
        result = review([Path(log) for log in args.logs],
                        min_score=MIN_SCORE if args.min_score is None else args.min_score, progress=bar)
    finally:
        if bar is not None:
            bar.clear()
    if result.skipped and sys.stderr is not None:
        print(f"chatbot: warning: skipped {result.skipped} malformed line(s) in {', '.join(args.logs)}", file=sys.stderr)
    print(_json(result.to_dict(), indent=2) if args.json else result.to_text())
    return EXIT_OK


class ProgressBar:
    """`grouping  [#########           ]  45% of 78,632 questions` on one terminal line, redrawn
    at most every tenth of a second, for a log big enough to take a while."""

    WIDTH, SHOW_FROM = 30, 5_000

    def __init__(self, stream: Any) -> None:
        import time

        self.stream, self.clock = stream, time.monotonic
        self.drawn = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if total < self.SHOW_FROM or (now - self.drawn < 0.1 and done < total):
            return
        self.drawn, self.shown = now, True
        filled = self.WIDTH * done // max(total, 1)
        self.stream.write(f"\rgrouping  [{'#' * filled}{' ' * (self.WIDTH - filled)}]  "
                          f"{100 * done // max(total, 1):3d}% of {total:,} questions")
        self.stream.flush()

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [add_ask, add_chat, add_serve, add_validate,
                                                                add_eval, add_review, add_schema]


if __name__ == "__main__":
    sys.exit(main())
