"""The version of sklearn-lstmae: its one source (pyproject.toml reads it from here)."""

__version__ = "0.4.0"
