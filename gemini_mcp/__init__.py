"""gemini-mcp: an MCP server for Google Gemini's Interactions API."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gemini-mcp")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = ["__version__"]
