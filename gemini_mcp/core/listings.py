"""The list_interactions and list_conversations results: one summary per interaction or conversation."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class InteractionHead(BaseModel):
    """What names an interaction in every result about one: id, conversation, kind, model or agent, status."""

    interaction_id: str
    conversation_id: str | None = None
    kind: Literal["model", "agent"]
    model: str | None = None
    agent: str | None = None
    status: str


class InteractionSummary(InteractionHead):
    prompt: str = Field(description="The start of the prompt or query.")
    created: str
    updated: str


class InteractionList(BaseModel):
    interactions: list[InteractionSummary]

    def render(self) -> str:
        if not self.interactions:
            return "No interactions."
        return "\n".join(
            f"{i.interaction_id}  {i.status:<11} {i.agent or i.model}  {i.updated}  {i.prompt}"
            for i in self.interactions
        )


class ConversationSummary(BaseModel):
    conversation_id: str
    title: str
    turns: int
    last_interaction_id: str | None = None
    model: str | None = None
    created: str
    updated: str


class ConversationList(BaseModel):
    conversations: list[ConversationSummary]

    def render(self) -> str:
        if not self.conversations:
            return "No conversations."
        return "\n".join(f"{c.conversation_id}  {c.turns} turn(s)  {c.updated}  {c.title}" for c in self.conversations)
