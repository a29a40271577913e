"""Before a Deep Research run: the spend checks, then the user's confirmation through MCP elicitation.

`Confirmation` is a resolver parameter of start_deep_research (not part of its input schema): the SDK runs
`confirm_research` before the tool body, and sends the form as `elicitation/create` (2025 protocol) or inside an
`InputRequiredResult` (2026-07-28), so nothing reaches Gemini until it resolves. GEMINI_MCP_CONFIRM_RESEARCH:
`auto` asks when the client declared elicitation and proceeds otherwise; `always` refuses a client that cannot
be asked; `never` does not ask. The budget and the running-research cap apply in every mode, before any question.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.elicitation import AcceptedElicitation, ElicitationResult
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resolve import Elicit, Resolve
from pydantic import BaseModel, Field

from gemini_mcp import errors
from gemini_mcp.core.prices import PriceTable
from gemini_mcp.core.results import ResearchStarted
from gemini_mcp.server.state import Ctx, owner, state

CONFIRM_ENV = "GEMINI_MCP_CONFIRM_RESEARCH"


class StartResearch(BaseModel):
    """The form the user answers (accept with start=true to run it; decline to start nothing)."""

    start: bool = Field(default=True, title="Start this research run", description="Untick (or decline) to cancel.")


def question(query: str, agent: str, estimate: tuple[float, float] | None, table: PriceTable) -> str:
    """The form's text: what would run, for how long, at what estimated cost (the same every time it is asked)."""
    lines = ["Start a Gemini Deep Research run?", "", f"Query: {query[:500]}", f"Agent: {agent}"]
    price = table.agent(agent)
    if estimate is not None and price is not None:
        (low, high), (fast, slow) = estimate, price.minutes
        lines.append(f"Estimated cost: ${low:.2f}-${high:.2f} (price table as of {table.as_of})")
        lines.append(f"Duration: about {fast:g}-{slow:g} minutes, in the background")
    else:
        lines.append("Estimated cost: unknown (this agent or service tier is not in the price table)")
    lines += ["", "Accept to start it; decline and nothing is sent to Gemini."]
    return "\n".join(lines)


def can_elicit(ctx: Ctx) -> bool:
    capabilities = ctx.client_capabilities
    return capabilities is not None and capabilities.elicitation is not None


async def confirm_research(
    query: str, agent: str | None, service_tier: str | None, ctx: Ctx
) -> StartResearch | Elicit[StartResearch]:
    """Spend checks (refusals are tool errors), then the question, or a plain yes when none is to be asked."""
    app = state(ctx)
    mode = app.settings.confirm_research
    try:
        agent_id, _ = app.models.resolve_agent(agent)
        await app.spend.check_research(owner(), agent_id, service_tier)
        if mode == "always" and not can_elicit(ctx):
            raise errors.ConfirmationRequiredError(
                f"This server asks the user before every Deep Research run ({CONFIRM_ENV}=always), and this "
                "client cannot show the question (it did not declare MCP elicitation). Nothing was started. Use a "
                f"client that supports elicitation, or have the server's operator set {CONFIRM_ENV}=auto."
            )
    except errors.GeminiMcpError as err:
        raise ToolError(str(err)) from err
    if mode == "never" or not can_elicit(ctx):
        return StartResearch()
    return Elicit(question(query, agent_id, app.spend.estimate(agent_id, service_tier), app.spend.table), StartResearch)


Confirmation = Annotated[ElicitationResult[StartResearch], Resolve(confirm_research)]


def accepted(confirmation: ElicitationResult[StartResearch]) -> bool:
    return isinstance(confirmation, AcceptedElicitation) and confirmation.data.start


def not_started(
    confirmation: ElicitationResult[StartResearch],
    agent: str,
    conversation_id: str | None,
    estimate: tuple[float, float] | None,
) -> ResearchStarted:
    """The (non-error) result when the user did not confirm: nothing was started or sent."""
    return ResearchStarted(
        conversation_id=conversation_id,
        agent=agent,
        status="not_started",
        started=False,
        estimated_cost_usd=estimate,
        notes=[f"The user did not confirm the run ({confirmation.action})."],
    )
