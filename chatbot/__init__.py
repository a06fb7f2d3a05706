"""career-chatbot: a rule-based chatbot that answers questions from one career guide.

    >>> from chatbot import Chatbot
    >>> bot = Chatbot.load()
    >>> bot.ask("what skills do I need?").intent
    'list_skills'
"""

from .dialogue.bot import Chatbot
from .dialogue.conversation import Conversation
from .dialogue.reply import Reply, Source, Trace
from .errors import ChatbotError, DataError, InputError
from .settings import Settings, Tuning

__all__ = ["Chatbot", "ChatbotError", "Conversation", "DataError", "InputError", "Reply", "Settings", "Source",
           "Trace", "Tuning", "__version__"]


def __getattr__(name: str) -> str:
    """`chatbot.__version__`, read from the installed package's metadata when first asked for
    (importlib.metadata costs a cold `chatbot ask` about 30 ms)."""
    if name != "__version__":
        raise AttributeError(f"module 'chatbot' has no attribute {name!r}")
    from importlib import metadata

    try:
        return metadata.version("career-chatbot")
    except metadata.PackageNotFoundError:  # running from a checkout that was never installed
        return "0.0.0"
