"""career-chatbot: a rule-based chatbot that answers questions from one career guide.

    >>> from chatbot import Chatbot
    >>> bot = Chatbot.load()
    >>> bot.ask("what skills do I need?").intent
    'list_skills'
"""

from importlib import metadata

from .dialogue.bot import Chatbot
from .dialogue.conversation import Conversation
from .dialogue.reply import Reply, Source, Trace
from .errors import ChatbotError, DataError, InputError
from .settings import Settings, Tuning

try:
    __version__ = metadata.version("career-chatbot")
except metadata.PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"

__all__ = ["Chatbot", "ChatbotError", "Conversation", "DataError", "InputError", "Reply", "Settings", "Source",
           "Trace", "Tuning", "__version__"]
