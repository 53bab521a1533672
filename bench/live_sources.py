"""Sources added and removed while citebot serves a 100k-paragraph library.

    python -m bench.live_sources                      # 100k paragraphs; writes RESULTS.md
    python -m bench.live_sources --size 3000 --no-write   # smoke run

The library is SQuAD v1.1 dev's paragraphs repeated under different source ids (as in
bench.answer_scale) but without the last `NEW_ARTICLES` articles, which are kept to be added:
each as one Markdown source of its first 20 paragraphs. The base is built once by
`citebot index` in its own process and reused from the work folder; then, in one process, with
the real service (SQLite store, cache):
- add: one 20-paragraph article, from the file being saved to the first answer quoting it;
- remove: that source, until an answer no longer can quote it;
- load: askers asking all along an add and a remove (failures, answers begun after the removal
  that quote the removed source);
- drift: the held-out questions' first quote after incremental adds against the merged library
  (a full build of the same folder, as the background merge makes it);
- a 200-page PDF read and added (time, RSS).
RSS is the process's resident set (VmRSS) after each step; the machine's load average is noted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.answer_scale import write_section
from bench.speed import ROOT, machine
from bench.squad import HELD_OUT_ARTICLES, iter_subset, squad_path

RESULTS = ROOT / "bench" / "RESULTS.md"
MARK, END_MARK = "<!-- live sources results -->", "<!-- /live sources results -->"
NEW_ARTICLES = 5
ARTICLE_PARAGRAPHS = 20
DRIFT_QUESTIONS = 200
PDF_PAGES = 200


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_base(folder: Path, size: int) -> tuple[Path, list[dict]]:
    """The base corpus (reused when written) and the kept articles, not in it."""
    data = json.loads(squad_path().read_text(encoding="utf-8"))["data"]
    kept, used = data[-NEW_ARTICLES:], data[:-NEW_ARTICLES]
    corpus = folder / f"base-{size}"
    if corpus.is_dir():
        return corpus, kept
    tmp = corpus.with_name(corpus.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    written, copy = 0, 0
    while written < size:
        for a, article in enumerate(used):
            texts = [" ".join(p["context"].split()) for p in article["paragraphs"]]
            texts = texts[: size - written]
            if not texts:
                break
            (tmp / f"r{copy:04d}_a{a:02d}.md").write_text(_markdown(article, texts), "utf-8")
            written += len(texts)
        copy += 1
    tmp.rename(corpus)
    return corpus, kept


def _markdown(article: dict, texts: list[str]) -> str:
    title = json.dumps(article["title"].replace("_", " "))
    return f"---\ntitle: {title}\n---\n\n" + "\n\n".join(texts) + "\n"


def new_article(article: dict) -> tuple[str, str, list[str]]:
    """(file name, text, questions about it) of a kept article's first 20 paragraphs."""
    paragraphs = article["paragraphs"][:ARTICLE_PARAGRAPHS]
    texts = [" ".join(p["context"].split()) for p in paragraphs]
    name = "new-" + article["title"].lower().replace("_", "-")[:40] + ".md"
    asked = [" ".join(qa["question"].split()) for p in paragraphs for qa in p["qas"]]
    return name, _markdown(article, texts), asked


def build_base(corpus: Path, data: Path) -> float:
    """`citebot index` in its own process (reused when saved); its wall time."""
    env = {**os.environ, "CITEBOT_CORPUS": str(corpus), "CITEBOT_DATA": str(data)}
    started = time.perf_counter()
    command = [sys.executable, "-c", "from bot.cli import main; raise SystemExit(main())"]
    subprocess.run([*command, "sources", "--json"], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


async def time_add(service, folder: Path, article: dict) -> dict:
    """From saving the file to the first answer quoting it."""
    name, text, asked = new_article(article)
    source_id = Path(name).stem
    before = rss_mb()
    started = time.perf_counter()
    await service.add_source_file(name, text.encode())
    added = time.perf_counter() - started
    quoted = None
    for question in asked:
        answer = await service.ask(question)
        if any(q.source_id == source_id for q in answer.quotes):
            quoted = time.perf_counter() - started
            break
    return {
        "source": source_id,
        "apply_s": added,
        "until_quoted_s": quoted,
        "rss_before_mb": before,
        "rss_after_mb": rss_mb(),
    }


async def time_remove(service, source_id: str, asked: list[str]) -> dict:
    started = time.perf_counter()
    await service.remove_source(source_id)
    removed = time.perf_counter() - started
    leaks = 0
    for question in asked[:20]:
        answer = await service.ask(question)
        leaks += any(q.source_id == source_id for q in (*answer.quotes, *answer.closest))
    return {"remove_s": removed, "quoted_after": leaks, "rss_after_mb": rss_mb()}


async def load_run(service, article: dict, others: list[str], askers: int = 4) -> dict:
    """Askers asking all along an add and a remove of one article."""
    name, text, asked = new_article(article)
    source_id = Path(name).stem
    stop, removed = asyncio.Event(), asyncio.Event()
    counts = {"asks": 0, "failed": 0, "quoted_removed": 0, "quoted_new": 0}

    async def asking(n: int) -> None:
        i = n
        while not stop.is_set():
            i += askers
            question = (asked + others)[i % (len(asked) + len(others))]
            after_removal = removed.is_set()
            try:
                answer = await service.ask(f"{question} ({i})")
            except Exception:  # a failure is what this counts
                counts["failed"] += 1
                continue
            counts["asks"] += 1
            quoted = {q.source_id for q in (*answer.quotes, *answer.closest)}
            counts["quoted_new"] += source_id in quoted
            counts["quoted_removed"] += after_removal and source_id in quoted

    tasks = [asyncio.ensure_future(asking(n)) for n in range(askers)]
    await asyncio.sleep(2)
    await service.add_source_file(name, text.encode())
    await asyncio.sleep(5)
    await service.remove_source(source_id)
    removed.set()
    await asyncio.sleep(5)
    stop.set()
    await asyncio.gather(*tasks)
    return counts


def _forget_other_builds(data: Path, folder: Path) -> None:
    from knowledge.search.library import corpus_fingerprint

    keep = corpus_fingerprint(folder, data)
    for build in (data / "index").iterdir():
        if build.is_dir() and build.name != keep and not build.name.startswith("."):
            shutil.rmtree(build, ignore_errors=True)


def first_quotes(live, questions: list[str]) -> list[tuple[str, int, str] | None]:
    from knowledge.answering.segments import answer_live

    found = []
    for question in questions:
        answer = answer_live(live, question)
        q = answer.quotes[0] if answer.quotes else None
        found.append((q.source_id, q.paragraph, q.text) if q else None)
    return found


def drift_questions() -> list[str]:
    data = json.loads(squad_path().read_text(encoding="utf-8"))["data"]
    held = [
        " ".join(qa["question"].split())
        for a, article in enumerate(data)
        if a in HELD_OUT_ARTICLES
        for p in article["paragraphs"]
        for qa in p["qas"]
    ]
    return list(iter_subset(held, DRIFT_QUESTIONS))  # type: ignore[arg-type]


async def drift(service, kept: list[dict], folder: Path) -> dict:
    """First quotes after incremental changes against the merged (fully built) library."""
    for article in kept:
        name, text, _ = new_article(article)
        await service.add_source_file(name, text.encode())
    await service.remove_source(sorted(p.stem for p in folder.glob("r*.md"))[0])
    questions = drift_questions()
    live = service.live
    incremental = await asyncio.to_thread(first_quotes, live, questions)
    started = time.perf_counter()
    await service.updates.start_merge()
    merge_s = time.perf_counter() - started
    merged = await asyncio.to_thread(first_quotes, service.live, questions)
    same = sum(a == b for a, b in zip(incremental, merged, strict=True))
    return {
        "questions": len(questions),
        "same_first_quote": same,
        "segment_passages": live.segment_passages,
        "hidden_passages": live.hidden_passages,
        "merge_s": merge_s,
        "rss_after_merge_mb": rss_mb(),
    }


def pdf_file(pages: int) -> bytes:
    """A report of `pages` pages of SQuAD paragraphs, as reportlab lays out text."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    data = json.loads(squad_path().read_text(encoding="utf-8"))["data"]
    texts = [" ".join(p["context"].split()) for a in data for p in a["paragraphs"]]
    style = getSampleStyleSheet()["BodyText"]
    story: list = []
    for page in range(pages):
        story += [Paragraph(texts[(page * 3 + i) % len(texts)], style) for i in range(3)]
        story.append(PageBreak())
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title="Benchmark report").build(story[:-1])
    return out.getvalue()


async def big_pdf(service) -> dict:
    from knowledge.corpus import parse_file

    raw = pdf_file(PDF_PAGES)
    before = rss_mb()
    started = time.perf_counter()
    source = await asyncio.to_thread(parse_file, "report", ".pdf", raw, [])
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    await service.add_source_file("benchmark-report.pdf", raw)
    return {
        "pages": PDF_PAGES,
        "bytes": len(raw),
        "paragraphs": len(source.passages),
        "read_s": read_s,
        "add_s": time.perf_counter() - started,
        "rss_before_mb": before,
        "rss_after_mb": rss_mb(),
    }


async def run(size: int, workdir: Path) -> dict:
    from bot.service import Service
    from bot.settings import Settings

    base, kept = write_base(workdir, size)
    folder = workdir / f"live-{size}"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(base, folder, copy_function=os.link)
    data = workdir / "data"
    result: dict = {"size": size, "machine": machine(), "base_s": build_base(folder, data)}
    _forget_other_builds(data, folder)  # so the merge builds, as it would the first time
    settings = Settings()
    settings.data_dir, settings.corpus_dir = data, folder
    async with await Service.open(settings) as service:
        result["rss_loaded_mb"] = rss_mb()
        others = drift_questions()[:40]
        for question in others[:5]:
            await service.ask(question)
        result["add"] = await time_add(service, folder, kept[0])
        result["remove"] = await time_remove(
            service, result["add"]["source"], new_article(kept[0])[2]
        )
        result["load"] = await load_run(service, kept[1], others)
        result["drift"] = await drift(service, kept[2:], folder)
        result["pdf"] = await big_pdf(service)
    result["load_average_end"] = os.getloadavg()[0]
    return result


def render(r: dict) -> str:
    add, remove, load, drift_, pdf = r["add"], r["remove"], r["load"], r["drift"], r["pdf"]
    same = drift_["same_first_quote"] / max(drift_["questions"], 1)
    quoted = add["until_quoted_s"]
    rows = [
        (
            "add one 20-paragraph article until it answers",
            "\u2264 5 s, RSS bounded",
            f"{quoted:.2f} s (applied in {add['apply_s']:.2f} s); RSS {add['rss_before_mb']:.0f} "
            f"\u2192 {add['rss_after_mb']:.0f} MB"
            if quoted
            else "never quoted",
        ),
        (
            "remove one source",
            "\u2264 5 s",
            f"{remove['remove_s']:.2f} s; quoted after: {remove['quoted_after']}",
        ),
        (
            "asks during an add and a remove",
            "none fails, none quotes a removed passage",
            f"{load['asks']} asks, {load['failed']} failed, {load['quoted_removed']} quoted the "
            f"removed source ({load['quoted_new']} quoted it while it was there)",
        ),
        (
            "incremental vs full rebuild, same first quote",
            "\u2265 99%",
            f"{same:.1%} of {drift_['questions']} held-out questions "
            f"({drift_['segment_passages']} passages in the segment, "
            f"{drift_['hidden_passages']} hidden)",
        ),
        (
            "merge (the background full build)",
            "\u2013",
            f"{drift_['merge_s']:.0f} s; RSS after {drift_['rss_after_merge_mb']:.0f} MB",
        ),
        (
            f"a {pdf['pages']}-page PDF",
            "report time and RSS",
            f"read in {pdf['read_s']:.1f} s ({pdf['paragraphs']} paragraphs), added in "
            f"{pdf['add_s']:.1f} s; RSS {pdf['rss_before_mb']:.0f} \u2192 "
            f"{pdf['rss_after_mb']:.0f} MB",
        ),
    ]
    lines = [
        MARK,
        f"Measured on {r['machine']}; `python -m bench.live_sources --size {r['size']}`. "
        f"Library of {r['size']:,} SQuAD paragraphs (base built or loaded in {r['base_s']:.0f} s, "
        f"RSS {r['rss_loaded_mb']:.0f} MB loaded); load average {r['load_average_end']:.1f} at "
        "the end.",
        "",
        "| | target | measured |",
        "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
        END_MARK,
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "citebot-live"
    )
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    result = asyncio.run(run(args.size, args.workdir))
    (args.workdir / f"live-{args.size}.json").write_text(json.dumps(result, indent=1))
    section = render(result)
    print(section)
    if not args.no_write:
        write_section(RESULTS, "## Adding and removing sources while serving\n\n" + section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
