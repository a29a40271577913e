"""The code's shape rules (issue 10): no module in gemini_mcp/ over ~300 lines, no function over ~60 lines.

Counted from the source with `ast`: a module by its physical lines, a function from its `def` (or first
decorator) to its last line, docstring included. Each failure lists every offender, largest first.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "gemini_mcp"
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


def modules() -> list[Path]:
    found = sorted(PACKAGE.rglob("*.py"))
    assert len(found) > 20, f"expected the package's modules under {PACKAGE}, found {len(found)}"
    return found


def function_lengths(path: Path) -> list[tuple[str, int, int]]:
    """(qualified name, first line, line count) of every function and method in one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                    found.append((name, first, (child.end_lineno or child.lineno) - first + 1))
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def where(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def test_no_module_is_over_300_lines() -> None:
    sizes = [(len(path.read_text(encoding="utf-8").splitlines()), where(path)) for path in modules()]
    over = sorted(((lines, name) for lines, name in sizes if lines > MAX_MODULE_LINES), reverse=True)
    assert not over, f"modules over {MAX_MODULE_LINES} lines (split them by job):\n" + "\n".join(
        f"  {name}: {lines} lines" for lines, name in over
    )


def test_no_function_is_over_60_lines() -> None:
    over = sorted(
        (
            (length, f"{where(path)}:{line} {name}")
            for path in modules()
            for name, line, length in function_lengths(path)
            if length > MAX_FUNCTION_LINES
        ),
        reverse=True,
    )
    assert not over, f"functions over {MAX_FUNCTION_LINES} lines (split them):\n" + "\n".join(
        f"  {name}: {length} lines" for length, name in over
    )


def test_the_measure_counts_a_long_function(tmp_path: Path) -> None:
    """The checker itself: a 61-line function is seen with its decorator, nested ones by qualified name."""
    body = "\n".join(f"    x{i} = {i}" for i in range(59))
    source = f"class A:\n    @staticmethod\n    def long():\n    {body.replace(chr(10), chr(10) + '    ')}\n"
    source += "\n\ndef outer():\n    def inner():\n        return 1\n    return inner\n"
    path = tmp_path / "sample.py"
    path.write_text(source, encoding="utf-8")
    lengths = {name: length for name, _, length in function_lengths(path)}
    assert lengths == {"A.long": 61, "outer": 4, "outer.inner": 2}
