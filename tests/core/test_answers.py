"""Steps -> tool activity, citations (redirects resolved), thoughts, images; JSON against a schema."""

from __future__ import annotations

from typing import Any

import pytest

from gemini_mcp.core.answers import (
    check_schema,
    citations,
    parse_json,
    thoughts,
    tool_activity,
)
from gemini_mcp.core.generated import images
from gemini_mcp.errors import InvalidRequestError, StructuredOutputError

REDIRECT = "https://vertexaisearch.cloud.google.com/grounding-api-redirect/AbC123"

STEPS: list[dict[str, Any]] = [
    {"type": "thought", "summary": [{"type": "text", "text": "Planning the search."}], "signature": "c2ln"},
    {"type": "google_search_call", "id": "s1", "arguments": {"queries": ["tallest building 2026"]}},
    {
        "type": "google_search_result",
        "call_id": "s1",
        "result": [
            {"search_suggestions": "<div>chips</div>"},
            {"url": REDIRECT, "title": "skyscrapers.example", "target_url": "https://skyscrapers.example/list"},
        ],
    },
    {"type": "code_execution_call", "id": "c1", "arguments": {"language": "PYTHON", "code": "print(828 * 2)"}},
    {"type": "code_execution_result", "call_id": "c1", "result": "1656\n"},
    {"type": "url_context_call", "id": "u1", "arguments": {"urls": ["https://a.example/page"]}},
    {
        "type": "url_context_result",
        "call_id": "u1",
        "result": [{"url": "https://a.example/page", "status": "URL_RETRIEVAL_STATUS_SUCCESS"}],
    },
    {
        "type": "model_output",
        "content": [
            {
                "type": "text",
                "text": "The Burj Khalifa.",
                "annotations": [
                    {"type": "url_citation", "url": REDIRECT, "title": "skyscrapers.example", "start_index": 0},
                    {"type": "url_citation", "url": "https://b.example/x", "title": "B"},
                    {"type": "url_citation", "url": "https://b.example/x"},
                ],
            },
            {"type": "image", "data": "iVBORw0K", "mime_type": "image/png"},
        ],
    },
]


def test_tool_activity_pairs_each_call_with_its_result() -> None:
    acts = tool_activity(STEPS)
    assert [a.tool for a in acts] == ["google_search", "code_execution", "url_context"]
    assert acts[0].queries == ["tallest building 2026"]
    assert (acts[1].language, acts[1].code, acts[1].output) == ("PYTHON", "print(828 * 2)", "1656\n")
    assert [(u.url, u.status) for u in acts[2].urls] == [("https://a.example/page", "URL_RETRIEVAL_STATUS_SUCCESS")]
    assert acts[0].render() == "searched: tallest building 2026"


def test_citations_resolve_grounding_redirects_and_deduplicate() -> None:
    cites = citations(STEPS)
    assert [(c.url, c.title) for c in cites] == [
        ("https://skyscrapers.example/list", "skyscrapers.example"),
        ("https://b.example/x", "B"),
    ]


def test_an_unresolvable_redirect_is_kept_as_given() -> None:
    steps = [
        {
            "type": "model_output",
            "content": [
                {
                    "type": "text",
                    "text": "x",
                    "annotations": [{"type": "url_citation", "url": REDIRECT, "title": "site.example"}],
                }
            ],
        }
    ]
    assert [(c.url, c.title) for c in citations(steps)] == [(REDIRECT, "site.example")]


def test_thoughts_and_images_are_read_from_their_steps() -> None:
    assert thoughts(STEPS) == ["Planning the search."]
    assert [(i.mime_type, i.data, i.uri) for i in images(STEPS)] == [("image/png", "iVBORw0K", None)]


def test_mcp_server_and_unpaired_results_are_reported() -> None:
    steps = [
        {
            "type": "mcp_server_tool_call",
            "id": "m1",
            "name": "weather",
            "server_name": "wx",
            "arguments": {"c": "Oslo"},
        },
        {"type": "mcp_server_tool_result", "call_id": "m1", "result": [{"type": "text", "text": "rain"}]},
        {"type": "code_execution_result", "call_id": "zz", "result": "orphan", "is_error": True},
    ]
    acts = tool_activity(steps)
    assert (acts[0].tool, acts[0].server_name, acts[0].name, acts[0].arguments, acts[0].output) == (
        "mcp_server",
        "wx",
        "weather",
        {"c": "Oslo"},
        "rain",
    )
    assert (acts[1].tool, acts[1].output, acts[1].is_error) == ("code_execution", "orphan", True)


SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "pop": {"type": "integer"}},
    "required": ["city", "pop"],
}


def test_valid_json_is_parsed_even_inside_a_code_fence() -> None:
    assert parse_json('{"city": "Oslo", "pop": 700000}', SCHEMA, interaction_id="v1_a") == {
        "city": "Oslo",
        "pop": 700000,
    }
    assert parse_json('```json\n{"city": "Oslo", "pop": 1}\n```', SCHEMA, interaction_id="v1_a")["pop"] == 1


def test_invalid_json_is_a_clear_error_naming_the_parse_problem() -> None:
    with pytest.raises(StructuredOutputError, match=r"not valid JSON \(Expecting .* interaction v1_a\)"):
        parse_json('{"city": "Oslo",', SCHEMA, interaction_id="v1_a")


def test_json_that_misses_the_schema_names_the_field() -> None:
    with pytest.raises(
        StructuredOutputError, match=r"does not match response_schema: 'x' is not of type 'integer' at pop"
    ):
        parse_json('{"city": "Oslo", "pop": "x"}', SCHEMA, interaction_id="v1_a")


def test_an_invalid_schema_is_rejected_with_where_it_is_wrong() -> None:
    with pytest.raises(
        InvalidRequestError, match=r"response_schema is not a valid JSON Schema: .* \(at properties/a/type\)"
    ):
        check_schema({"type": "object", "properties": {"a": {"type": "strnig"}}})
    with pytest.raises(InvalidRequestError, match="empty schema"):
        check_schema({})
    check_schema(SCHEMA)
