"""Answer-cache and report speed through the service, on a real SQLite file.

    python -m bench.store_speed [--questions N]

Prints median latencies of a computed answer (cache miss), a cached answer (hit) and a report,
the wall time of 100 concurrent asks and 100 concurrent reports, and the file size.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.service import Asker, Service
from bot.settings import Settings
from bot.store import DB_FILENAME
from knowledge.search.library import open_library


def _questions(library, count: int) -> list[str]:
    seen: list[str] = []
    for passage in library.passages:
        words = passage.text.split()[:7]
        question = f"What about {' '.join(words)}?"
        if question not in seen:
            seen.append(question)
    return (seen * (count // max(len(seen), 1) + 1))[:count]


async def _timed(coro) -> tuple[float, object]:
    start = time.perf_counter()
    result = await coro
    return (time.perf_counter() - start) * 1000, result


async def run(count: int) -> None:
    library = open_library(None, None)
    questions = list(dict.fromkeys(_questions(library, count)))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings()
        settings.data_dir = Path(tmp)
        async with await Service.open(settings, library=library) as service:
            misses = [(await _timed(service.ask(q)))[0] for q in questions]
            hits = [(await _timed(service.ask(q)))[0] for q in questions]
            first = await service.ask(questions[0])
            reports = [
                (
                    await _timed(
                        service.report(
                            first.answer_id, Asker(display_name=f"r{n}"), "wrong", "bench"
                        )
                    )
                )[0]
                for n in range(len(questions))
            ]
            await service.clear_cache()
            start = time.perf_counter()
            await asyncio.gather(*(service.ask(q) for q in (questions * 5)[:100]))
            concurrent_asks = time.perf_counter() - start
            start = time.perf_counter()
            await asyncio.gather(
                *(
                    service.report(first.answer_id, Asker(display_name=f"c{n}"), "other", "x")
                    for n in range(100)
                )
            )
            concurrent_reports = time.perf_counter() - start
        size = (Path(tmp) / DB_FILENAME).stat().st_size
    print(f"questions: {len(questions)} distinct")
    print(f"ask, computed (miss): median {statistics.median(misses):.2f} ms")
    print(f"ask, cached (hit):    median {statistics.median(hits):.2f} ms")
    print(f"report (committed):   median {statistics.median(reports):.2f} ms")
    print(f"100 concurrent asks (cold cache): {concurrent_asks * 1000:.0f} ms")
    print(f"100 concurrent reports:           {concurrent_reports * 1000:.0f} ms")
    print(f"database file: {size / 1024:.0f} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=40)
    asyncio.run(run(parser.parse_args().questions))


if __name__ == "__main__":
    main()
