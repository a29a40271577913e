"""Tools that reach the caller's own data: ``file_search`` stores and remote ``mcp_server`` tools, as steps.

file_search -> ``file_search_call {id}`` + ``file_search_result {call_id, result: [{title, text,
file_search_store, document_uri, page_number}]}`` and one ``file_citation`` per passage;
mcp_server -> ``mcp_server_tool_call {id, name, server_name, arguments: {query}}`` + ``mcp_server_tool_result
{call_id, name, server_name, result: [{type: "text", text}]}`` and a ``url_citation`` of the server.
"""

from __future__ import annotations

import re
import zlib

from .jsontypes import JsonDict, as_list, dicts
from .replies import StepSpec
from .research import topic_of

Citation = tuple[str, JsonDict]  # (the label of its "Source k: <label>." sentence, annotation without offsets)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "document"


def file_search(tool: JsonDict, prompt: str, cid: str) -> tuple[list[StepSpec], str, list[Citation]]:
    """Two passages per store (``top_k`` caps the total): steps, a note for the answer, citations."""
    topic = topic_of(prompt)
    stores = [str(s) for s in as_list(tool.get("file_search_store_names")) or []]
    top_k = tool.get("top_k")
    results: list[JsonDict] = []
    citations: list[Citation] = []
    for store in stores:
        for n in (1, 2):
            name = f"{_slug(topic)}-{n}.pdf"
            page = zlib.crc32(f"{store}:{name}".encode()) % 40 + 1
            document = f"{store}/documents/{_slug(topic)}-{n}"
            results.append(
                {
                    "title": name,
                    "text": f"Passage {n} of {name} about {topic} (page {page}).",
                    "file_search_store": store,
                    "document_uri": document,
                    "page_number": page,
                }
            )
            annotation: JsonDict = {
                "type": "file_citation",
                "document_uri": document,
                "file_name": name,
                "page_number": page,
                "source": store,
            }
            citations.append((f"{name}, page {page}", annotation))
    if isinstance(top_k, int) and top_k >= 1:
        results, citations = results[:top_k], citations[:top_k]
    steps = [
        StepSpec({"type": "file_search_call", "id": cid}),
        StepSpec({"type": "file_search_result", "call_id": cid, "result": results}),
    ]
    note = f"I searched {', '.join(stores)} and found {len(results)} passage{'s' if len(results) != 1 else ''}."
    return steps, note, citations


def mcp_tool_name(tool: JsonDict) -> str:
    for entry in dicts(tool.get("allowed_tools")):
        names = [str(n) for n in as_list(entry.get("tools")) or []]
        if names:
            return names[0]
    return "search"


def mcp_server(tool: JsonDict, prompt: str, cid: str) -> tuple[list[StepSpec], str, list[Citation]]:
    """One call of the server's first allowed tool (else ``search``) with the prompt's topic."""
    server = str(tool.get("name") or "mcp")
    name = mcp_tool_name(tool)
    topic = topic_of(prompt)
    output = f"{name} on {server} found 2 items about {topic}."
    steps = [
        StepSpec(
            {
                "type": "mcp_server_tool_call",
                "id": cid,
                "name": name,
                "server_name": server,
                "arguments": {"query": topic},
            }
        ),
        StepSpec(
            {
                "type": "mcp_server_tool_result",
                "call_id": cid,
                "name": name,
                "server_name": server,
                "result": [{"type": "text", "text": output}],
            }
        ),
    ]
    url = str(tool.get("url") or "")
    citations: list[Citation] = [(f"{server} (MCP)", {"type": "url_citation", "url": url, "title": f"{server} (MCP)"})]
    return steps, f"I called {name} on the MCP server {server}: {output}", citations
