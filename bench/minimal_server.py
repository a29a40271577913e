"""Cold-start baseline: the smallest useful MCPServer (one tool), served over stdio.

Same SDK, same Python, same spawn path as ``gemini-mcp``; whatever gemini-mcp needs on top of this
at start-up is the figure.
"""

from __future__ import annotations

from mcp.server import MCPServer

server = MCPServer("bench-minimal")


@server.tool()
def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


if __name__ == "__main__":
    server.run()
