"""MCP prompts: ready-made starting points for the common flows.

`register_prompts(server)` adds them to an `MCPServer`. A prompt only produces text for the user's
model; it calls nothing by itself, so it needs no settings, backend or store.

- `research_brief`: turn a topic into a Deep Research run (start, poll with `wait_seconds`, read the report).
- `second_opinion`: ask Gemini to review something and keep the conversation for follow-ups.
"""

from __future__ import annotations

from typing import Annotated

from mcp import MCPError
from mcp.server import MCPServer
from mcp_types import INVALID_PARAMS
from pydantic import Field

RESEARCH_BRIEF_TITLE = "Research brief (Gemini Deep Research)"
SECOND_OPINION_TITLE = "Second opinion from Gemini"


def research_brief_text(topic: str, audience: str = "", focus: str = "", length: str = "") -> str:
    """The user message the `research_brief` prompt sends; plain function so it is testable alone."""
    topic = topic.strip()
    if not topic:
        raise ValueError("topic: give the subject to research, e.g. 'heat pumps in cold climates'")
    lines = [
        f"Research this topic with Gemini Deep Research and give me a sourced brief: {topic}",
        "",
        "Do it this way:",
        "1. Write one precise research query for `start_deep_research`: the question, the scope, what to compare,",
        "   and the time range if it matters. Call `start_deep_research` with it; it returns an `interaction_id`",
        "   at once while the research runs in the background (typically several minutes).",
        "2. Call `get_interaction` with that `interaction_id` and `wait_seconds=45`, again and again, until its",
        "   status is `completed`, `failed` or `cancelled`. Tell me the progress summaries as they arrive.",
        "   Do not start a second run for the same question while one is running.",
        "3. When it completes, read the whole report: page through `get_interaction` with `offset`, or read the",
        "   resource `gemini://interactions/{interaction_id}/report`.",
        "4. Give me the brief: a short summary first, then the key findings with their sources (keep the URLs),",
        "   open questions, and anything the sources disagree on. Do not add facts the report does not contain.",
    ]
    if audience.strip():
        lines.append(f"Audience: {audience.strip()}.")
    if focus.strip():
        lines.append(f"Focus on: {focus.strip()}.")
    if length.strip():
        lines.append(f"Length of the brief: {length.strip()}.")
    lines.append("If the research fails or is cancelled, say so and show the error; do not invent a report.")
    return "\n".join(lines)


def second_opinion_text(subject: str, question: str = "") -> str:
    """The user message the `second_opinion` prompt sends."""
    subject = subject.strip()
    if not subject:
        raise ValueError("subject: paste the text, plan or code Gemini should review")
    ask = question.strip() or "What is wrong, risky or missing here, and what would you do instead?"
    return "\n".join(
        [
            "Get a second opinion from Gemini on the material below, using the `ask_gemini` tool.",
            f"Send Gemini the material and this question: {ask}",
            "Keep the `conversation_id` it returns, so that follow-up questions continue the same conversation.",
            "Then show me Gemini's answer, and say where you agree or disagree with it and why.",
            "",
            "Material:",
            subject,
        ]
    )


def register_prompts(server: MCPServer) -> None:
    """Add the prompts to `server` (called once from `build_server`)."""

    @server.prompt(
        name="research_brief",
        title=RESEARCH_BRIEF_TITLE,
        description=(
            "Research a topic with Gemini Deep Research in the background (start, poll with wait_seconds, "
            "read the report) and turn the result into a sourced brief."
        ),
    )
    def research_brief(  # pyright: ignore[reportUnusedFunction]
        topic: Annotated[str, Field(description="What to research, in a sentence.")],
        audience: Annotated[str, Field(description="Who the brief is for, e.g. 'engineering managers'.")] = "",
        focus: Annotated[str, Field(description="Aspects to emphasise, e.g. 'costs and risks'.")] = "",
        length: Annotated[str, Field(description="How long the brief should be, e.g. 'one page'.")] = "",
    ) -> str:
        try:
            return research_brief_text(topic, audience, focus, length)
        except ValueError as exc:
            raise MCPError(INVALID_PARAMS, str(exc)) from exc

    @server.prompt(
        name="second_opinion",
        title=SECOND_OPINION_TITLE,
        description="Ask Gemini to review a text, plan or piece of code, in a conversation you can continue.",
    )
    def second_opinion(  # pyright: ignore[reportUnusedFunction]
        subject: Annotated[str, Field(description="The text, plan or code to review.")],
        question: Annotated[str, Field(description="What you want to know about it.")] = "",
    ) -> str:
        try:
            return second_opinion_text(subject, question)
        except ValueError as exc:
            raise MCPError(INVALID_PARAMS, str(exc)) from exc
