"""gemini-mcp benchmarks: every figure is a ratio against a baseline measured in the same run.

Run them all with ``python -m bench`` (``--quick`` for tiny sizes, ``--only NAME`` for one figure).
See docs/benchmarks.md for what each figure measures and how the processes are laid out.
"""
