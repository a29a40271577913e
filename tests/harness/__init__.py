"""The one test harness every suite shares: settings and environments, ports, servers and MCP clients.

settings.py   Settings on the emulator; the environment a server subprocess gets
ports.py      free loopback ports; TCP state of a port (from /proc)
servers.py    the server in this event loop under uvicorn (any ASGI app, or the production HTTP app)
processes.py  `python -m gemini_mcp` as a child process: HTTP (async and threaded) and stdio parameters
clients.py    MCP clients (in-memory, Streamable HTTP with a bearer token) and tool-result readers
"""
