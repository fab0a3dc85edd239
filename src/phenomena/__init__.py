"""phenomena: regenerate the famous puzzles of modern deep learning from scratch."""

__version__ = "0.1.0"
