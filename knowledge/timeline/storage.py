"""The timeline saved once per corpus fingerprint, written atomically, rebuilt when missing,
unreadable or made by another version."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pydantic import ValidationError

from knowledge.corpus import Corpus
from knowledge.files import write_atomically
from knowledge.search.build_once import load_or_build, lock_path
from knowledge.temporal import TAGGER_VERSION
from knowledge.timeline.merging import build_timeline
from knowledge.timeline.models import TIMELINE_FORMAT, Timeline

log = logging.getLogger(__name__)


def timeline_path(data_dir: Path, fingerprint: str) -> Path:
    """Beside the index folder: data_dir/timeline/<fingerprint>.json."""
    return Path(data_dir) / "timeline" / f"{fingerprint}.json"


def save_timeline(timeline: Timeline, path: Path) -> None:
    """Write atomically, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, timeline.model_dump_json())


def load_timeline(path: Path, fingerprint: str) -> Timeline | None:
    """The saved timeline, or None when it is missing, unreadable or made by another version."""
    try:
        timeline = Timeline.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, ValidationError) as exc:
        log.warning("cannot read the saved timeline %s (%s); rebuilding", path, exc)
        return None
    if (timeline.format, timeline.tagger, timeline.fingerprint) != (
        TIMELINE_FORMAT,
        TAGGER_VERSION,
        fingerprint,
    ):
        return None
    return timeline


def load_or_build_timeline(corpus: Corpus, data_dir: Path | None) -> Timeline:
    """Computed once per corpus fingerprint; with no data folder, built in memory."""
    if data_dir is None:
        return build_timeline(corpus)
    path = timeline_path(data_dir, corpus.fingerprint)

    def build() -> Timeline:
        timeline = build_timeline(corpus)
        try:
            save_timeline(timeline, path)
        except OSError as exc:
            log.warning("cannot save the timeline to %s (%s)", path, exc.strerror or exc)
        return timeline

    lock = lock_path(data_dir, "timeline", corpus.fingerprint)
    return load_or_build(
        lock, lambda: load_timeline(path, corpus.fingerprint), build, what=f"the timeline {path}"
    )
