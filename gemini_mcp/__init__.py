"""gemini-mcp: an MCP server for Google Gemini's Interactions API (distribution `gemini-interactions-mcp`)."""

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "gemini-interactions-mcp"  # the name on PyPI (import package: gemini_mcp; command: gemini-mcp)

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = ["DISTRIBUTION", "__version__"]
