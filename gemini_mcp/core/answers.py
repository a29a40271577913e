"""From an interaction's steps to the parts of a result: tool activity, citations, thoughts, JSON
(generated images and audio: `core/generated.py`).

Step shapes are those of an Interactions API interaction's ``steps`` (the emulator serves the same):
``google_search_call {id, arguments{queries}}``, ``code_execution_call {id, arguments{language, code}}``
+ ``code_execution_result {call_id, result}``, ``url_context_call {id, arguments{urls}}``
+ ``url_context_result {call_id, result[{url, status}]}``, ``mcp_server_tool_call``/``_result``,
``thought {summary[]}``, ``model_output {content[]}`` whose text blocks carry ``url_citation``
annotations and whose image blocks carry ``data`` or ``uri``.
Knows nothing about MCP.
"""

from __future__ import annotations

import json
import re
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from gemini_mcp.core import schema_check
from gemini_mcp.core.parts import ToolActivity, UrlRead
from gemini_mcp.core.results import Citation
from gemini_mcp.errors import StructuredOutputError
from gemini_mcp.gemini.jsonwalk import as_dict, as_list

#: Google wraps grounding sources in redirect links on these hosts; the real page is the target.
REDIRECT_HOSTS = frozenset({"vertexaisearch.cloud.google.com", "grounding-api-redirect.googleapis.com"})
#: Fields in which the API (or the emulator) may give a redirect link's real target.
TARGET_KEYS = ("target_url", "resolved_url", "original_url", "source_url", "target_uri")
_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*)\n\s*```\s*$", re.DOTALL)
_RESULT_LIMIT = 4000


def is_redirect(url: str) -> bool:
    parts = urlsplit(url)
    return (parts.hostname or "").lower() in REDIRECT_HOSTS or "grounding-api-redirect" in parts.path


def _target(item: dict[str, Any]) -> str | None:
    for key in TARGET_KEYS:
        value = item.get(key)
        if isinstance(value, str) and value.startswith(("https://", "http://")) and not is_redirect(value):
            return value
    return None


def _query_target(url: str) -> str | None:
    """A redirect link that names its target in the query string (``?url=`` / ``?q=``)."""
    for key in ("url", "q", "target"):
        for value in parse_qs(urlsplit(url).query).get(key, []):
            if value.startswith(("https://", "http://")) and not is_redirect(value):
                return value
    return None


def _search_items(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for step in steps:
        if step.get("type") == "google_search_result":
            items.extend(i for i in map(as_dict, as_list(step.get("result"))) if i)
    return items


def citations(steps: list[dict[str, Any]]) -> list[Citation]:
    """Sources: url_citation annotations and web search results, redirect links resolved, de-duplicated."""
    search = _search_items(steps)
    targets: dict[str, str] = {}
    titles: dict[str, str] = {}
    for item in search:
        url = str(item.get("url") or item.get("uri") or "")
        target = _target(item)
        if url and target:
            targets[url] = target
        if item.get("title") and (target or url):
            titles.setdefault(target or url, str(item["title"]))
    found: dict[str, Citation] = {}

    def add(url: str, title: object, item: dict[str, Any]) -> None:
        real = _target(item) or targets.get(url) or (_query_target(url) if is_redirect(url) else None) or url
        name = str(title) if title else titles.get(real)
        known = found.get(real)
        if known is None:
            found[real] = Citation(url=real, title=name)
        elif not known.title and name:
            known.title = name

    for step in steps:
        if step.get("type") != "model_output":
            continue
        for content in map(as_dict, as_list(step.get("content"))):
            for note in map(as_dict, as_list(content.get("annotations"))):
                if note.get("type") == "url_citation" and note.get("url"):
                    add(str(note["url"]), note.get("title"), note)
                elif note.get("type") == "file_citation" and (note.get("document_uri") or note.get("file_name")):
                    _add_file(found, note)
    for item in search:
        url = item.get("url") or item.get("uri")
        if isinstance(url, str) and url:
            add(url, item.get("title"), item)
    return list(found.values())


def _add_file(found: dict[str, Citation], note: dict[str, Any]) -> None:
    """A File Search citation: the document (its name in the store) with the file name and page cited."""
    document = str(note.get("document_uri") or note.get("file_name"))
    page = note.get("page_number")
    key = f"{document}#{page}"
    if key not in found:
        title = str(note["file_name"]) if note.get("file_name") else None
        found[key] = Citation(url=document, title=title, page_number=page if isinstance(page, int) else None)


def _text_of(value: object) -> str:
    """A tool result as text: strings as they are, content lists as their text, anything else as JSON."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, list) and all(isinstance(v, dict) for v in cast(list[object], value)):
        blocks = [as_dict(v) for v in cast(list[object], value)]
        text = "".join(str(b.get("text", "")) for b in blocks if b.get("type") == "text")
        if not text:
            text = json.dumps(value, sort_keys=True, default=str)
    else:
        text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= _RESULT_LIMIT else text[: _RESULT_LIMIT - 1] + "…"


def _call(step: dict[str, Any], tool: str) -> ToolActivity:
    args = as_dict(step.get("arguments"))
    activity = ToolActivity(tool=tool, call_id=str(step.get("id") or "") or None)
    if tool == "google_search":
        activity.queries = [str(q) for q in as_list(args.get("queries"))]
    elif tool == "code_execution":
        activity.language = str(args["language"]) if args.get("language") else None
        activity.code = str(args["code"]) if args.get("code") is not None else None
    elif tool == "url_context":
        activity.urls = [UrlRead(url=str(u)) for u in as_list(args.get("urls"))]
    elif tool == "mcp_server":
        activity.name = str(step.get("name") or "") or None
        activity.server_name = str(step.get("server_name") or "") or None
        activity.arguments = args
    return activity


def _apply_result(activity: ToolActivity, step: dict[str, Any]) -> None:
    activity.is_error = bool(step.get("is_error"))
    result = step.get("result")
    if activity.tool == "url_context":
        reads = [as_dict(r) for r in as_list(result)]
        known = {u.url: u for u in activity.urls}
        for read in reads:
            url = str(read.get("url") or "")
            if not url:
                continue
            status = str(read["status"]) if read.get("status") else None
            if url in known:
                known[url].status = status
            else:
                activity.urls.append(UrlRead(url=url, status=status))
    elif activity.tool == "google_search":
        return  # results become citations
    elif activity.tool == "file_search" and isinstance(result, list):
        passages = [as_dict(p) for p in cast(list[object], result)]
        found = [f"{p.get('title') or p.get('document_uri') or '?'}: {p.get('text') or ''}".strip() for p in passages]
        activity.output = _text_of("\n".join(found)) if found else None
    elif result is not None:
        activity.output = _text_of(result)


_CALL_TYPES = {
    "google_search_call": "google_search",
    "code_execution_call": "code_execution",
    "url_context_call": "url_context",
    "mcp_server_tool_call": "mcp_server",
    "file_search_call": "file_search",
    "google_maps_call": "google_maps",
    "retrieval_call": "retrieval",
}
_RESULT_TYPES = {kind.replace("_call", "_result"): tool for kind, tool in _CALL_TYPES.items()}


def tool_activity(steps: list[dict[str, Any]]) -> list[ToolActivity]:
    """Built-in and remote tool calls, each with its result folded in (matched by call_id), in order."""
    out: list[ToolActivity] = []
    by_id: dict[str, ToolActivity] = {}
    for step in steps:
        kind = str(step.get("type") or "")
        if kind in _CALL_TYPES:
            activity = _call(step, _CALL_TYPES[kind])
            out.append(activity)
            if activity.call_id:
                by_id[activity.call_id] = activity
        elif kind in _RESULT_TYPES:
            call_id = str(step.get("call_id") or "")
            activity = by_id.get(call_id)
            if activity is None:  # a result without its call (e.g. a trimmed stream)
                activity = ToolActivity(tool=_RESULT_TYPES[kind], call_id=call_id or None)
                out.append(activity)
            _apply_result(activity, step)
    return out


def thoughts(steps: list[dict[str, Any]]) -> list[str]:
    """Thought summaries (text parts), one entry per thought step."""
    out: list[str] = []
    for step in steps:
        if step.get("type") != "thought":
            continue
        parts = [as_dict(p) for p in as_list(step.get("summary"))]
        text = "".join(str(p.get("text", "")) for p in parts if p.get("type") == "text").strip()
        if text:
            out.append(text)
    return out


def check_schema(schema: dict[str, Any]) -> None:
    """Reject a response_schema that is not a valid JSON Schema or breaks the size/regex limits
    (`schema_check`), before Gemini is called."""
    schema_check.check_schema(schema, "response_schema")


def parse_json(text: str, schema: dict[str, Any] | None, *, interaction_id: str) -> Any:
    """The answer parsed as JSON and validated against `schema` (when given); StructuredOutputError says what
    is wrong."""
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1)
    if not body:
        raise StructuredOutputError(
            f"Gemini returned no text for the JSON turn (interaction {interaction_id}); "
            "nothing to parse as JSON. Ask again, or simplify the schema."
        )
    try:
        value = json.loads(body)
    except json.JSONDecodeError as exc:
        preview = body[:200] + ("…" if len(body) > 200 else "")
        raise StructuredOutputError(
            f"Gemini's answer is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}; interaction "
            f"{interaction_id}). It began: {preview!r}. Ask again, or simplify the schema."
        ) from None
    if schema is None:
        return value
    problems = schema_check.problems(value, schema)
    if problems:
        where, message = problems[0]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise StructuredOutputError(
            f"Gemini's JSON answer does not match response_schema: {message} at {where}{more} "
            f"(interaction {interaction_id}). Ask again, or relax the schema."
        )
    return value
