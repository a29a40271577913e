"""Deep Research agents: thought summaries while the job runs, then a cited Markdown report."""

from __future__ import annotations

import re
import zlib
from typing import Any

from .replies import Reply, StepSpec, text_step, thought_step

JsonDict = dict[str, Any]

PHASES = (
    "Planning the research on {topic}",
    "Searching the web for recent, authoritative sources on {topic}",
    "Reading and comparing the sources found so far",
    "Cross-checking figures and claims between sources",
    "Looking for disagreements and open questions about {topic}",
    "Outlining the report and choosing what to cite",
    "Drafting the report sections",
    "Reviewing the draft against the sources",
)


def topic_of(prompt: str) -> str:
    first = prompt.strip().splitlines()[0] if prompt.strip() else "the requested topic"
    first = re.sub(r"^(please\s+)?(research|investigate|write a report on|look into)\s+", "", first, flags=re.I)
    return first.rstrip(" .?!")[:120] or "the requested topic"


def sources_for(topic: str) -> list[tuple[str, str]]:
    slug = re.sub(r"[^a-z0-9]+", "-", topic.lower()).strip("-")[:60] or "topic"
    wiki = re.sub(r"\s+", "_", topic.strip().capitalize())[:60]
    n = zlib.crc32(topic.encode("utf-8")) % 90000 + 10000
    return [
        (f"https://en.wikipedia.org/wiki/{wiki}", f"{topic.capitalize()} - Wikipedia"),
        (f"https://www.nature.com/articles/s41586-025-{n:05d}-x", f"Recent advances in {topic} | Nature"),
        (f"https://arxiv.org/abs/2503.{n:05d}", f"A survey of {topic} (arXiv)"),
        (f"https://www.britannica.com/topic/{slug}", f"{topic.capitalize()} | Britannica"),
        (f"https://ourworldindata.org/{slug}", f"{topic.capitalize()} - Our World in Data"),
        (f"https://www.reuters.com/technology/{slug}-2026-03-14/", f"What's next for {topic} | Reuters"),
    ]


SECTIONS = (
    (
        "Executive summary",
        "This report examines {topic} from several angles: its origins, the current state of knowledge, the "
        "main open questions and the likely developments over the next few years. The evidence reviewed comes "
        "from encyclopedic overviews, peer-reviewed research and recent reporting, and it broadly agrees on "
        "the fundamentals while differing on timelines and on the size of the effects involved.",
    ),
    (
        "Background",
        "Interest in {topic} grew steadily over the last decade, driven by better measurement, cheaper tools "
        "and a wider community of practitioners. Early work concentrated on definitions and on establishing "
        "reliable baselines; later studies moved to comparisons across settings and to long-running "
        "observations, which made it possible to separate lasting trends from short-lived fluctuations.",
    ),
    (
        "Key findings",
        "First, the core mechanisms behind {topic} are well understood and reproducible across independent "
        "groups. Second, reported figures vary by a factor of two or more depending on methodology, so "
        "headline numbers should always be read together with how they were obtained. Third, the most recent "
        "studies point to faster change than earlier projections assumed, although the uncertainty remains "
        "large for anything beyond a five-year horizon.",
    ),
    (
        "Analysis",
        "Comparing the sources shows a consistent pattern: where data collection is systematic, conclusions "
        "about {topic} converge; where it is ad hoc, they diverge. Practitioners emphasise practical "
        "constraints such as cost and skills, while academic work stresses measurement quality. Both "
        "perspectives are needed to judge which claims are robust, and several reviews recommend publishing "
        "raw data alongside summaries so that results can be checked and combined.",
    ),
    (
        "Open questions",
        "Important questions about {topic} remain unresolved. How well do results from controlled settings "
        "transfer to everyday conditions? Which of the competing models best explains the longer-term "
        "behaviour? And how should the benefits and risks be weighed when the evidence is incomplete? These "
        "questions are the subject of active work and of some public disagreement between experts.",
    ),
    (
        "Outlook",
        "Over the next few years, better shared datasets and clearer reporting standards are likely to narrow "
        "the range of estimates about {topic}. Readers who need to act on the findings now should rely on the "
        "points where independent sources agree, plan for the spread of plausible outcomes, and revisit the "
        "question as new evidence is published.",
    ),
)


DETAIL = (
    "Looking more closely at the {section} of {topic}, the sources differ mainly in scope rather than in "
    "substance. Broad overviews summarise the consensus in a few sentences, whereas specialised studies "
    "report the conditions, sample sizes and caveats that make a finding transferable or not. Where only "
    "one source supports a claim, this report says so explicitly, and where figures disagree the more "
    "recent and more transparent measurement is preferred."
)


def report(prompt: str) -> tuple[str, list[JsonDict]]:
    """The Markdown report and its ``url_citation`` annotations (byte offsets into the UTF-8 text)."""
    topic = topic_of(prompt)
    sources = sources_for(topic)
    text = f"# Research report: {topic}\n\n"
    annotations: list[JsonDict] = []
    for i, (title, body) in enumerate(SECTIONS):
        text += f"## {title}\n\n"
        paragraph = body.format(topic=topic)
        url, source_title = sources[i % len(sources)]
        sentence_end = paragraph.index(". ") + 1 if ". " in paragraph else len(paragraph)
        start = len(text.encode("utf-8"))
        end = start + len(paragraph[:sentence_end].encode("utf-8"))
        text += f"{paragraph} [{i + 1}]\n\n{DETAIL.format(topic=topic, section=title.lower())}\n\n"
        annotations.append(
            {"type": "url_citation", "url": url, "title": source_title, "start_index": start, "end_index": end}
        )
    text += "## Sources\n\n"
    for i, (url, title) in enumerate(sources[: len(SECTIONS)]):
        text += f"{i + 1}. [{title}]({url})\n"
    return text, annotations


# What one research step consumes besides the text it shows, sized so that a run costs what Google's public
# rates make a real one cost (a few dollars for the standard agent): pages read (input, much of it cached on
# re-reads), hidden reasoning, drafts, and web searches.
STEP_USAGE = {"input": 60_000, "cached": 40_000, "thought": 10_000, "output": 4_000}
STEP_SEARCHES = 15
MAX_AGENT_FACTOR = 2  # the max agent reads and searches twice as much


def research_reply(prompt: str, steps: int, summaries: bool, agent: str) -> Reply:
    topic = topic_of(prompt)
    specs: list[StepSpec] = []
    thoughts: list[str] = []
    for i in range(max(0, steps)):
        summary = f"**{PHASES[i % len(PHASES)].format(topic=topic)}.** Step {i + 1} of {steps}."
        thoughts.append(summary)
        spec = thought_step(summary, f"{agent}:{prompt}:{i}")
        if not summaries:
            spec.deltas = [d for d in spec.deltas if d["type"] != "thought_summary"]
        specs.append(spec)
    text, annotations = report(prompt)
    specs.append(text_step(text, annotations, chunk_size=600))
    factor = max(0, steps) * (MAX_AGENT_FACTOR if "max" in agent else 1)
    return Reply(
        steps=specs,
        output_text=text,
        thought_text=" ".join(thoughts) if summaries else "",
        tool_tokens=len(annotations) * 50,
        grounding={"google_search": STEP_SEARCHES * factor} if factor else {},
        hidden={kind: count * factor for kind, count in STEP_USAGE.items()},
    )
