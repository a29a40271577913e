"""What the product does, with no MCP and no SDK in it."""
