"""`python -m gemini_mcp`: the same entry point as the `gemini-mcp` console script."""

from gemini_mcp.cli.main import main

if __name__ == "__main__":
    main()
