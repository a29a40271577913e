"""The MCP surface: server factory, tools, resources, prompts, HTTP app, auth, call log."""
