"""Shared fixtures: the bundled bot is loaded once per test session (loading is the slow part)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chatbot import Chatbot

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def bot() -> Chatbot:
    return Chatbot.load()


@pytest.fixture()
def data_copy(tmp_path: Path) -> tuple[Path, Path]:
    """A writable copy of the bundled knowledge and intents, for tests that break them."""
    knowledge, intents = tmp_path / "knowledge", tmp_path / "intents"
    shutil.copytree(ROOT / "knowledge", knowledge)
    shutil.copytree(ROOT / "intents", intents)
    return knowledge, intents
