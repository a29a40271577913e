# pyright: reportAttributeAccessIssue=false, reportArgumentType=false, reportOptionalMemberAccess=false, reportOptionalSubscript=false, reportIndexIssue=false, reportOptionalIterable=false, reportCallIssue=false, reportOptionalOperand=false, reportGeneralTypeIssues=false, reportOperatorIssue=false
"""Deep Research background jobs: polling, streaming with resume, cancel, delete, many at once."""

from __future__ import annotations

import asyncio
import time

import anyio
import httpx
from google import genai
from google.genai import _interactions as gi

from gemini_mcp.emulator import EmulatorConfig, EmulatorThread, running_emulator
from gemini_mcp.emulator.server import Emulator

from .helpers import AGENT, make_client

RESEARCH = {"type": "deep-research", "thinking_summaries": "auto"}


async def test_background_agent_polls_to_completed(genai_client: genai.Client) -> None:
    aio = genai_client.aio.interactions
    with anyio.fail_after(20):
        job = await aio.create(
            agent=AGENT, input="Research the history of tea.", background=True, agent_config=RESEARCH
        )
        assert job.status == "in_progress"
        assert job.agent == AGENT
        seen = {job.status}
        while True:
            got = await aio.get(job.id)
            seen.add(got.status)
            if got.status != "in_progress":
                break
            await asyncio.sleep(0.05)
    assert got.status == "completed"
    assert seen == {"in_progress", "completed"}
    thoughts = [s for s in got.steps if s.type == "thought"]
    assert len(thoughts) == 3
    assert all(t.summary and t.summary[0].text.startswith("**") for t in thoughts)
    report = got.output_text
    assert report.startswith("# Research report: the history of tea")
    assert report.count("\n## ") >= 6 and len(report) > 4000
    annotations = got.steps[-1].content[0].annotations
    assert len(annotations) >= 5
    for ann in annotations:
        assert ann.type == "url_citation" and ann.url.startswith("https://") and ann.title
        cited = report.encode("utf-8")[ann.start_index : ann.end_index].decode("utf-8")
        assert len(cited) > 20 and "\n" not in cited
    assert got.usage.total_tokens > 0


async def test_no_thought_summaries_unless_auto(genai_client: genai.Client, emulator: Emulator) -> None:
    job = await genai_client.aio.interactions.create(agent=AGENT, input="Research rivers.", background=True)
    with anyio.fail_after(10):
        await emulator.wait_finished(job.id)
    got = await genai_client.aio.interactions.get(job.id)
    assert got.status == "completed"
    assert all(not s.summary for s in got.steps if s.type == "thought")


async def test_stream_background_and_resume_after_event(genai_client: genai.Client) -> None:
    aio = genai_client.aio.interactions
    with anyio.fail_after(20):
        stream = await aio.create(
            agent=AGENT, input="Research volcanoes.", background=True, stream=True, agent_config=RESEARCH
        )
        full = [e async for e in stream]
    ids = [e.event_id for e in full]
    assert ids == [f"evt_{i}" for i in range(1, len(full) + 1)]
    kinds = [e.event_type for e in full]
    assert kinds[0] == "interaction.created" and kinds[-1] == "interaction.completed"
    summaries = [
        e.delta.content.text for e in full if e.event_type == "step.delta" and e.delta.type == "thought_summary"
    ]
    assert len(summaries) == 3
    assert any(e.event_type == "step.delta" and e.delta.type == "text_annotation_delta" for e in full)
    job_id = full[0].interaction.id
    for cut in (1, 6, len(full) - 1):
        with anyio.fail_after(10):
            resumed = [e async for e in await aio.get(job_id, stream=True, last_event_id=f"evt_{cut}")]
        assert [e.event_id for e in resumed] == ids[cut:]
        assert [e.event_type for e in resumed] == kinds[cut:]


async def test_resume_a_running_job_replays_then_follows(genai_client: genai.Client, emulator: Emulator) -> None:
    aio = genai_client.aio.interactions
    job = await aio.create(agent=AGENT, input="Research glaciers.", background=True, agent_config=RESEARCH)
    with anyio.fail_after(10):
        first = await aio.get(job.id, stream=True)
        head = []
        async for event in first:
            head.append(event)
            if len(head) == 4:
                break
        await first.aclose() if hasattr(first, "aclose") else None
        rest = [e async for e in await aio.get(job.id, stream=True, last_event_id=head[-1].event_id)]
    assert rest[0].event_id == "evt_5"
    assert rest[-1].event_type == "interaction.completed"
    assert emulator.requests[-1].query == {"last_event_id": "evt_4", "stream": "true"}


async def test_cancel_running_job(genai_client: genai.Client, emulator: Emulator) -> None:
    aio = genai_client.aio.interactions
    job = await aio.create(agent=AGENT, input="Research a long topic.", background=True, agent_config=RESEARCH)
    cancelled = await aio.cancel(job.id)
    assert cancelled.status == "cancelled"
    assert emulator.requests[-1].method == "POST" and emulator.requests[-1].path.endswith(f"/{job.id}/cancel")
    assert emulator.requests[-1].body is None
    got = await aio.get(job.id)
    assert got.status == "cancelled"
    with anyio.fail_after(10):
        events = [e async for e in await aio.get(job.id, stream=True)]
    assert events[-1].event_type == "interaction.status_update" and events[-1].status == "cancelled"
    assert not any(e.event_type == "interaction.completed" for e in events)
    again = await aio.cancel(job.id)  # cancelling an ended interaction returns it unchanged
    assert again.status == "cancelled"


async def test_delete_then_not_found(genai_client: genai.Client) -> None:
    aio = genai_client.aio.interactions
    inter = await aio.create(model="gemini-2.5-flash", input="keep me briefly")
    assert await aio.delete(inter.id) is None
    try:
        await aio.get(inter.id)
    except gi.NotFoundError as exc:
        assert exc.status_code == 404
        assert exc.body["error"]["status"] == "NOT_FOUND"
    else:
        raise AssertionError("get after delete should raise NotFoundError")
    job = await aio.create(agent=AGENT, input="Research ants.", background=True)
    await aio.delete(job.id)
    for call in (aio.get(job.id), aio.cancel(job.id), aio.delete(job.id)):
        try:
            await call
        except gi.NotFoundError:
            pass
        else:
            raise AssertionError("a deleted interaction must be gone")


async def test_two_hundred_concurrent_jobs_complete() -> None:
    """200 background jobs at once in one emulator process: each job is a timed plan driven by the one
    scheduler task, not a thread. The 200 creates go over plain HTTP (the SDK costs 10-100 ms of CPU
    per call on this shared machine, which would only measure the SDK); the SDK then reads some back."""
    # Jobs last 5 s, so a create answered late on a loaded machine still reports in_progress.
    async with running_emulator(EmulatorConfig(research_seconds=5.0, research_steps=2)) as emu:
        client = make_client(emu.base_url)
        headers = {"x-goog-api-key": "k"}
        body = {"agent": AGENT, "background": True, "agent_config": RESEARCH}
        try:
            limits = httpx.Limits(max_connections=20)  # httpcore's pool gets slow with 200 queued requests
            async with httpx.AsyncClient(base_url=emu.base_url, headers=headers, timeout=60, limits=limits) as http:
                with anyio.fail_after(150):
                    started = time.perf_counter()
                    created = await asyncio.gather(
                        *(
                            http.post("/v1/interactions", json={**body, "input": f"Research topic {i}."})
                            for i in range(200)
                        )
                    )
                    jobs = [r.json() for r in created]
                    assert {j["status"] for j in jobs} == {"in_progress"}
                    assert len({j["id"] for j in jobs}) == 200
                    await asyncio.gather(*(emu.wait_finished(j["id"]) for j in jobs))
                    finals = await asyncio.gather(*(http.get(f"/v1/interactions/{j['id']}") for j in jobs))
                    elapsed = time.perf_counter() - started
                    sample = [await client.aio.interactions.get(jobs[i]["id"]) for i in (0, 123, 199)]
        finally:
            await client.aio.aclose()
    bodies = [f.json() for f in finals]
    assert {b["status"] for b in bodies} == {"completed"}
    for i, final in enumerate(bodies):
        assert final["steps"][-1]["content"][0]["text"].startswith(f"# Research report: topic {i}")
        assert [s["type"] for s in final["steps"]] == ["thought", "thought", "model_output"]
    assert [s.status for s in sample] == ["completed"] * 3
    assert sample[1].output_text.startswith("# Research report: topic 123")
    print(f"200 research jobs created, completed and fetched in {elapsed:.2f} s")


def test_sync_client_background_and_cancel() -> None:
    with EmulatorThread(EmulatorConfig(research_seconds=0.3, research_steps=2)) as emu:
        client = make_client(emu.base_url)
        job = client.interactions.create(agent=AGENT, input="Research clouds.", background=True, agent_config=RESEARCH)
        events = list(client.interactions.get(job.id, stream=True))
        assert events[-1].event_type == "interaction.completed"
        assert client.interactions.get(job.id).status == "completed"
        resumed = list(client.interactions.get(job.id, stream=True, last_event_id=events[2].event_id))
        assert [e.event_id for e in resumed] == [e.event_id for e in events[3:]]
        other = client.interactions.create(agent=AGENT, input="Research rain.", background=True)
        assert client.interactions.cancel(other.id).status == "cancelled"
        client.close()
