"""Plain functions: paging, error translation details (model choice: tests/core/test_models.py)."""

from __future__ import annotations

from pathlib import Path

from gemini_mcp import errors
from gemini_mcp.config import Settings
from gemini_mcp.core.shaping import citations, function_calls, page
from gemini_mcp.gemini.port import interaction_from_json


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings.model_validate({"api_key": None, "data_dir": tmp_path, **values})


def test_paging_walks_the_text_exactly_once() -> None:
    text = "x" * 250
    assert page(text, 0, 100) == ("x" * 100, 100)
    assert page(text, 200, 100) == ("x" * 50, None)
    assert page(text, 300, 100) == ("", None)
    assert page("", 0, 100) == ("", None)


def test_citations_and_function_calls_are_read_from_steps() -> None:
    steps = [
        {"type": "function_call", "id": "old", "name": "f", "arguments": {}},
        {"type": "user_input", "content": []},
        {
            "type": "model_output",
            "content": [
                {
                    "type": "text",
                    "text": "See [1].",
                    "annotations": [
                        {"type": "url_citation", "url": "https://a.example/", "title": "A"},
                        {"type": "url_citation", "url": "https://a.example/", "title": "A"},
                    ],
                }
            ],
        },
        {"type": "function_call", "id": "c1", "name": "get_weather", "arguments": {"city": "Oslo"}},
    ]
    assert [(c.url, c.title) for c in citations(steps)] == [("https://a.example/", "A")]
    assert [(f.id, f.name, f.arguments) for f in function_calls(steps)] == [("c1", "get_weather", {"city": "Oslo"})]
    assert interaction_from_json({"id": "v1", "status": "completed", "steps": steps}).text == "See [1]."


def test_rate_limit_message_without_a_known_delay() -> None:
    assert str(errors.RateLimitedError(None)) == "Gemini rate limit or quota exceeded. Retry in a minute."
    assert (
        str(errors.RateLimitedError(2.5, "x"))
        == "Gemini rate limit or quota exceeded. Retry after 2.5 s. Gemini said: x"
    )
