"""chorectl: household chores and pocket money from the terminal."""

__version__ = "0.2.0.dev0"
