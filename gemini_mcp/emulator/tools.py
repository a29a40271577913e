"""Built-in tools (google_search, code_execution, url_context, file_search, mcp_server) and declared function
tools, as steps."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from .jsontypes import JsonDict, as_dict, dicts
from .replies import StepSpec
from .research import sources_for, topic_of
from .retrieval import Citation, file_search, mcp_server
from .schema_instance import instance

URL_RE = re.compile(r"https?://[^\s<>\"')\]]+")
SUBJECT_RE = re.compile(r"\b(?:in|for|at|about|of|to|near)\s+([A-Z][\w-]*(?:\s+[A-Z][\w-]*)*)")


def call_id(prefix: str, seed: str) -> str:
    return f"{prefix}_{hashlib.sha256(seed.encode('utf-8')).hexdigest()[:16]}"


def subject_of(prompt: str) -> str:
    match = SUBJECT_RE.search(prompt)
    if match:
        return match.group(1)
    words = re.findall(r"[\w-]+", prompt)
    return words[-1] if words else "example"


@dataclass
class ToolRun:
    """What the built-in tools did on a turn: steps before the answer, answer text, citations."""

    steps: list[StepSpec] = field(default_factory=list[StepSpec])
    notes: list[str] = field(default_factory=list[str])
    citations: list[Citation] = field(default_factory=list[Citation])
    counts: dict[str, int] = field(default_factory=dict[str, int])


def tool_types(tools: object) -> list[str]:
    return [str(t.get("type")) for t in dicts(tools)]


def run_builtin_tools(tools: object, prompt: str, seed: str) -> ToolRun:
    run = ToolRun()
    kinds = tool_types(tools)
    if "google_search" in kinds:
        _google_search(run, prompt, seed)
    if "code_execution" in kinds:
        numbers = [int(n) for n in re.findall(r"-?\d+", prompt)] or [1, 2, 3]
        code = f"numbers = {numbers!r}\nprint(sum(numbers))\n"
        output = f"{sum(numbers)}\n"
        cid = call_id("code", seed)
        run.steps.append(
            StepSpec({"type": "code_execution_call", "id": cid, "arguments": {"language": "python", "code": code}})
        )
        run.steps.append(StepSpec({"type": "code_execution_result", "call_id": cid, "result": output}))
        run.notes.append(f"I ran Python code that summed {numbers} and printed {sum(numbers)}.")
        run.counts["code_execution"] = 1
    if "url_context" in kinds:
        urls = [u.rstrip(".,;:!?") for u in URL_RE.findall(prompt)]
        if urls:
            cid = call_id("url", seed)
            run.steps.append(StepSpec({"type": "url_context_call", "id": cid, "arguments": {"urls": urls}}))
            run.steps.append(
                StepSpec(
                    {
                        "type": "url_context_result",
                        "call_id": cid,
                        "result": [{"url": u, "status": "success"} for u in urls],
                    }
                )
            )
            run.notes.append(f"I read {len(urls)} page{'s' if len(urls) != 1 else ''}: {', '.join(urls)}.")
            run.citations.extend(url_citation(u, page_title(u)) for u in urls)
            run.counts["url_context"] = 1
    _retrieval_tools(run, tools, prompt, seed)
    return run


def _google_search(run: ToolRun, prompt: str, seed: str) -> None:
    topic = topic_of(prompt)
    queries = [topic, f"{topic} latest news"]
    cid = call_id("search", seed)
    found = sources_for(topic)[:3]
    # Like Google: the result (and citation) url is a grounding redirect link and the title is the site's
    # domain; the emulator also names the real page in target_url so clients can resolve the link.
    results: list[JsonDict] = [
        {"title": domain_of(url), "url": redirect_link(url), "target_url": url, "page_title": title}
        for url, title in found
    ]
    results[0]["search_suggestions"] = (
        '<div class="gs-suggestions">' + "".join(f"<span>{q}</span>" for q in queries) + "</div>"
    )
    run.steps.append(
        StepSpec(
            {
                "type": "google_search_call",
                "id": cid,
                "arguments": {"queries": queries},
                "search_type": "web_search",
            }
        )
    )
    run.steps.append(StepSpec({"type": "google_search_result", "call_id": cid, "result": results}))
    run.notes.append(f"I searched the web for {', '.join(repr(q) for q in queries)}.")
    run.citations.extend(url_citation(redirect_link(url), domain_of(url)) for url, _ in found)
    run.counts["google_search"] = 1


def _retrieval_tools(run: ToolRun, tools: object, prompt: str, seed: str) -> None:
    for i, tool in enumerate(dicts(tools)):
        kind = tool.get("type")
        if kind not in ("file_search", "mcp_server"):
            continue
        action = file_search if kind == "file_search" else mcp_server
        steps, note, citations = action(tool, prompt, call_id(str(kind), f"{seed}:{i}"))
        run.steps.extend(steps)
        run.notes.append(note)
        run.citations.extend(citations)
        run.counts[str(kind)] = run.counts.get(str(kind), 0) + 1


def url_citation(url: str, title: str) -> Citation:
    return title, {"type": "url_citation", "url": url, "title": title}


def domain_of(url: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", url).split("/", 1)[0]


def redirect_link(url: str) -> str:
    token = base64.urlsafe_b64encode(hashlib.sha256(url.encode("utf-8")).digest()).decode("ascii").rstrip("=")
    return f"https://vertexaisearch.cloud.google.com/grounding-api-redirect/AUZIYQ{token}"


def page_title(url: str) -> str:
    host = re.sub(r"^https?://(www\.)?", "", url).split("/", 1)[0]
    path = url.split(host, 1)[-1].strip("/").split("/")[-1] if host in url else ""
    words = re.sub(r"[-_]+", " ", path.rsplit(".", 1)[0]).strip()
    return f"{words.capitalize()} | {host}" if words else host


def cite(text: str, citations: list[Citation]) -> tuple[str, list[JsonDict]]:
    """Append one sentence per citation and annotate it (byte offsets, like the API)."""
    annotations: list[JsonDict] = []
    for i, (label, annotation) in enumerate(citations):
        sentence = f" Source {i + 1}: {label}."
        start = len(text.encode("utf-8")) + 1
        text += sentence
        end = len(text.encode("utf-8"))
        annotations.append({**annotation, "start_index": start, "end_index": end})
    return text, annotations


@dataclass
class FunctionCalls:
    steps: list[StepSpec]
    names: list[str]


def declared_functions(tools: object) -> list[JsonDict]:
    return [t for t in dicts(tools) if t.get("type") == "function" and isinstance(t.get("name"), str)]


def choice_mode(tool_choice: object) -> str:
    """``auto`` | ``any`` | ``none`` | ``validated`` from a tool_choice string or ``{allowed_tools: {mode}}``."""
    if isinstance(tool_choice, str):
        return tool_choice
    mode = (as_dict((as_dict(tool_choice) or {}).get("allowed_tools")) or {}).get("mode")
    return mode if isinstance(mode, str) else "auto"


def forces_call(tool_choice: object) -> bool:
    """``any`` / ``validated``: the model must call a function, even right after function results."""
    return choice_mode(tool_choice) in ("any", "validated")


def function_calls(tools: object, tool_choice: object, prompt: str, seed: str) -> FunctionCalls | None:
    """The calls a model makes when functions are declared: the ones named in the prompt, else the first."""
    functions = declared_functions(tools)
    allowed = as_dict((as_dict(tool_choice) or {}).get("allowed_tools")) or {}
    if not functions or choice_mode(tool_choice) == "none":
        return None
    names_allowed = allowed.get("tools")
    if isinstance(names_allowed, list):
        functions = [f for f in functions if f["name"] in names_allowed] or functions
    lowered = prompt.lower()
    chosen = [f for f in functions if str(f["name"]).lower() in lowered] or functions[:1]
    subject = subject_of(prompt)
    steps: list[StepSpec] = []
    for i, fn in enumerate(chosen):
        params: Any = fn.get("parameters") or {"type": "object", "properties": {}}
        value: Any = instance(params, subject=subject)
        arguments = as_dict(value)
        if arguments is None:
            arguments = {"value": value}
        step: JsonDict = {
            "type": "function_call",
            "id": call_id("call", f"{seed}:{i}"),
            "name": fn["name"],
            "arguments": arguments,
        }
        steps.append(StepSpec(step))
    return FunctionCalls(steps=steps, names=[str(f["name"]) for f in chosen])
