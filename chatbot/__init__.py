"""career-chatbot: answers questions about becoming a production technician, from one guide.

    >>> from chatbot import Chatbot
    >>> bot = Chatbot.load()
    >>> bot.ask("what skills do I need?").intent
    'list_skills'
"""

from .bot import Chatbot
from .conversation import Conversation
from .errors import ChatbotError, DataError, InputError
from .reply import Reply, Source
from .settings import Settings

__all__ = ["Chatbot", "ChatbotError", "Conversation", "DataError", "InputError", "Reply", "Settings", "Source"]
