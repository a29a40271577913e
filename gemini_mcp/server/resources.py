"""gemini:// resources: interaction records, full reports, conversations, the model catalog."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError

from gemini_mcp import errors
from gemini_mcp.core import generated, shaping
from gemini_mcp.core.interactions import describe, summarize
from gemini_mcp.core.results import iso
from gemini_mcp.core.turn import TurnConfig
from gemini_mcp.gemini.port import RUNNING_STATUSES
from gemini_mcp.server.state import AppState, Ctx, Running, owner, state
from gemini_mcp.store.port import InteractionRecord


async def interaction_record(interaction_id: str, ctx: Ctx) -> str:
    """The interaction's full record (status, progress, complete output, usage) as JSON."""
    try:
        record = await state(ctx).interactions.load(owner(), interaction_id)
    except errors.NotFoundError as err:
        raise ResourceNotFoundError(str(err)) from err
    result = describe(record, 0, max(len(record.output_text), 1))
    return result.model_dump_json(indent=2)


async def interaction_report(interaction_id: str, ctx: Ctx) -> str:
    """The interaction's complete output as Markdown, with its sources."""
    try:
        record = await state(ctx).interactions.load(owner(), interaction_id)
    except errors.NotFoundError as err:
        raise ResourceNotFoundError(str(err)) from err
    if record.status in RUNNING_STATUSES:
        return f"# {shaping.shorten(record.prompt)}\n\n_Still running (status {record.status}); no report yet._\n"
    output = record.output_text or f"_No output (status {record.status})._"
    has_title = output.lstrip().startswith("# ")  # Deep Research reports open with their own H1: keep just that one
    lines = [output] if has_title else [f"# {shaping.shorten(record.prompt)}", "", output]
    sources = shaping.citations(record.steps)
    if sources:
        lines += ["", "## Sources", ""] + [f"- [{c.title or c.url}]({c.url})" for c in sources]
    return "\n".join(lines) + "\n"


async def conversation(conversation_id: str, ctx: Ctx) -> str:
    """A conversation: title, turns, remembered settings and its interactions, as JSON."""
    app = state(ctx)
    try:
        conv = await app.conversations.load(owner(), conversation_id)
    except errors.NotFoundError as err:
        raise ResourceNotFoundError(str(err)) from err
    records = await app.store.list_interactions(owner(), status=None, limit=1000, conversation_id=conversation_id)
    return json.dumps(
        {
            "conversation_id": conv.id,
            "title": conv.title,
            "turns": conv.turns,
            "cost_usd": conversation_cost(records),
            "last_interaction_id": conv.last_interaction_id,
            "remembered": TurnConfig.from_stored(conv.config).redacted(),
            "created": iso(conv.created),
            "updated": iso(conv.updated),
            "interactions": [summarize(r).model_dump(mode="json") for r in reversed(records)],
        },
        indent=2,
    )


def conversation_cost(records: list[InteractionRecord]) -> float | None:
    """The sum of the turns' estimated costs (null when no turn could be priced)."""
    costs = [c for r in records if isinstance(c := (r.usage or {}).get("cost_usd"), int | float)]
    return round(sum(costs), 6) if costs else None


def usage_resource(running: Running) -> Callable[[], Awaitable[str]]:
    async def usage() -> str:
        """Your estimated spend over the last 24 h and 30 days, by model and agent, and the daily budget left."""
        report = await running.get().spend.report(owner())
        return report.model_dump_json(indent=2)

    return usage


async def _media(interaction_id: str, index: str, kind: str, ctx: Ctx) -> generated.MediaData:
    try:
        record = await state(ctx).interactions.load(owner(), interaction_id)
    except errors.NotFoundError as err:
        raise ResourceNotFoundError(str(err)) from err
    items = generated.images(record.steps) if kind == "image" else generated.audio(record.steps)
    digits = index.isascii() and index.isdigit()
    if not (digits and len(index) <= 6) or int(index) >= len(items):
        shown = index if digits and len(index) <= 12 else shaping.shown_id(index, 12)
        raise ResourceNotFoundError(
            f"Interaction {shaping.shown_id(interaction_id)} has no {kind} {shown} (it has {len(items)}; "
            "numbering starts at 0, in ASCII digits)."
        )
    item = items[int(index)]
    if item.data is None:
        raise ResourceNotFoundError(f"Gemini gave {kind} {index} only as a link; read it there: {item.uri}")
    return item


async def interaction_image(interaction_id: str, index: str, ctx: Ctx) -> bytes:
    """Image number `index` (0-based) that the interaction generated."""
    return base64.b64decode((await _media(interaction_id, index, "image", ctx)).data or "")


async def interaction_audio(interaction_id: str, index: str, ctx: Ctx) -> bytes:
    """Audio clip number `index` (0-based) that the interaction generated (WAV)."""
    return base64.b64decode((await _media(interaction_id, index, "audio", ctx)).data or "")


def register(server: MCPServer[AppState], running: Running) -> None:
    async def models() -> str:
        """The models and Deep Research agents on offer (Gemini's live list, or the shipped fallback, which says
        so), with the defaults, what each supports, and the retired ids this server replaces."""
        return json.dumps(await running.get().models.describe(), indent=2)

    server.resource("gemini://models", name="models", mime_type="application/json")(models)
    server.resource("gemini://usage", name="usage", mime_type="application/json")(usage_resource(running))
    server.resource("gemini://interactions/{interaction_id}", name="interaction", mime_type="application/json")(
        interaction_record
    )
    server.resource(
        "gemini://interactions/{interaction_id}/report", name="interaction-report", mime_type="text/markdown"
    )(interaction_report)
    server.resource(
        "gemini://interactions/{interaction_id}/images/{index}", name="interaction-image", mime_type="image/png"
    )(interaction_image)
    server.resource(
        "gemini://interactions/{interaction_id}/audio/{index}", name="interaction-audio", mime_type="audio/wav"
    )(interaction_audio)
    server.resource("gemini://conversations/{conversation_id}", name="conversation", mime_type="application/json")(
        conversation
    )
