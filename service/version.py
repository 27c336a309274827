"""The one version source is ``pyproject.toml``; this reads it from the installed metadata."""

from importlib.metadata import version

__version__ = version("fairfile")
