"""`python -m chatbot`: the same as the `chatbot` command."""

import sys

from .shells.cli import main

sys.exit(main())
