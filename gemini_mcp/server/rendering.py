"""A result model as a tool's `CallToolResult`: its readable text block, structured content, and media."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mcp.types import CallToolResult, ImageContent, TextContent
from pydantic import BaseModel


def tool_result(model: BaseModel, images: Iterable[tuple[str, str]] = ()) -> CallToolResult:
    """`model.render()` as text (JSON without one), the model as structured content, images as image content."""
    render = getattr(model, "render", None)
    text = str(render()) if callable(render) else model.model_dump_json()
    result = CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=model.model_dump(mode="json", by_alias=True)
    )
    result.content.extend(ImageContent(type="image", data=data, mime_type=mime) for mime, data in images)
    return result


def wire(result: CallToolResult) -> dict[str, Any]:
    """A `CallToolResult` as the JSON a client receives on the 2025-11-25 wire."""
    data = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    data.pop("resultType", None)
    return data
