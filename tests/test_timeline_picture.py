"""The timeline picture: its size, every event drawn, labels apart, formats, and the CLI."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import subprocess
import sys

import pytest

from bot.cli import main
from knowledge.corpus import load_corpus
from knowledge.timeline import build_timeline, filter_events

pytest.importorskip("matplotlib")

from matplotlib.image import imread

from knowledge.timeline.picture import (
    DPI,
    MAX_EVENTS,
    WIDTH_INCHES,
    PictureUnavailable,
    TooManyEvents,
    build_figure,
    render_picture,
)


@pytest.fixture(scope="module")
def events():
    return build_timeline(load_corpus()).events


def artists(figure, gid):
    return figure.findobj(lambda a: a.get_gid() == gid)


def boxes(figure, prefix, count):
    renderer = figure.canvas.get_renderer()
    return [artists(figure, f"{prefix}-{i}")[0].get_window_extent(renderer) for i in range(count)]


def test_png_is_sized_for_discord_and_grows_with_the_events(events):
    few = imread(io.BytesIO(render_picture(events[:5])))
    many = imread(io.BytesIO(render_picture(events)))
    assert few.shape[1] == many.shape[1] == WIDTH_INCHES * DPI  # 1100 px, shown at ~550
    assert many.shape[0] > few.shape[0]


def test_every_event_is_drawn_once_with_its_source_count(events):
    figure = build_figure(events)
    for i, event in enumerate(events):
        assert len(artists(figure, f"event-{i}")) == 1
        (count,) = artists(figure, f"count-{i}")
        assert count.get_text() == f"\u00d7{len({m.source_id for m in event.mentions})}"
        assert bool(artists(figure, f"event-{i}-fuzz")) == event.approximate
    assert not artists(figure, f"event-{len(events)}")


def test_ranges_are_bars_days_are_dots_approximate_dates_are_faint(events):
    figure = build_figure(events)
    kinds = {}
    for i, event in enumerate(events):
        (mark,) = artists(figure, f"event-{i}")
        kinds.setdefault((event.granularity, event.approximate), type(mark).__name__)
        if event.approximate:
            (fuzz,) = artists(figure, f"event-{i}-fuzz")
            assert fuzz.get_alpha() < 0.5
    assert kinds[("day", False)] == "Line2D"
    assert kinds[("year", False)] == "Rectangle"
    assert kinds[("decade", True)] == "Line2D"  # a hollow dot at the guessed year


def test_labels_and_counts_do_not_collide(events):
    figure = build_figure(events)
    figure.canvas.draw()
    labels = boxes(figure, "label", len(events))
    counts = boxes(figure, "count", len(events))
    plot = figure.axes[0].get_window_extent()
    for a, b in itertools.combinations(labels, 2):
        assert not a.overlaps(b)
    for a, b in itertools.combinations(counts, 2):
        assert not a.overlaps(b)
    for label in labels:
        assert label.x1 < plot.x0  # in the left column, clear of the marks
        assert not any(label.overlaps(c) for c in counts)


def test_a_month_range_is_one_bar_across_its_months(tmp_path):
    (tmp_path / "pool.md").write_text(
        "---\ntitle: Pool\ndate: 2024-03-01\n---\n\nThe city pool is open June through "
        "September.\n\nIt first opened in May 2010.\n",
        encoding="utf-8",
    )
    timeline = build_timeline(load_corpus(tmp_path))
    figure = build_figure(timeline.events)
    row = [e.value for e in timeline.events].index("2024-06/2024-09")
    (rect,) = artists(figure, f"event-{row}")
    import matplotlib.dates as mdates

    assert mdates.num2date(rect.get_x()).date() == dt.date(2024, 6, 1)
    assert mdates.num2date(rect.get_x() + rect.get_width()).date() == dt.date(2024, 10, 1)


def test_svg_and_the_empty_picture(events):
    svg = render_picture(events[:3], "svg")
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    empty = build_figure([], "Timeline: 1900")
    assert "No dated events match." in [t.get_text() for t in empty.texts]


def test_too_many_events_is_a_clear_error(events):
    with pytest.raises(TooManyEvents, match="too many for one picture"):
        build_figure(list(events) * (MAX_EVENTS // len(events) + 1))


def test_missing_matplotlib_is_a_clear_message(monkeypatch, events):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(PictureUnavailable, match=r"pip install 'citebot\[picture\]'"):
        render_picture(events[:2])


def test_no_pyplot_no_global_figures():
    code = (
        "import sys\n"
        "from knowledge.corpus import load_corpus\n"
        "from knowledge.timeline import build_timeline\n"
        "from knowledge.timeline.picture import render_picture\n"
        "render_picture(build_timeline(load_corpus()).events[:5])\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- command line ---------------------------------------------------------------------------


def test_cli_writes_png_and_svg_for_the_filters(capsys, tmp_path, events):
    png, svg = tmp_path / "t.png", tmp_path / "t.svg"
    argv = ["timeline", "--year", "2018", "--png", str(png), "--svg", str(svg)]
    code = main([*argv, "--data", str(tmp_path / "data")])
    out, err = capsys.readouterr()
    kept = filter_events(events, year=2018)
    assert code == 0 and err == ""
    assert out.splitlines() == [
        f"wrote {png} ({len(kept)} events)",
        f"wrote {svg} ({len(kept)} events)",
    ]
    assert png.read_bytes() == render_picture(kept, "png", "Timeline: 2018")
    assert b"<svg" in svg.read_bytes()


def test_cli_picture_errors_are_one_line(capsys, tmp_path, monkeypatch):
    code = main(["timeline", "--png", str(tmp_path / "no" / "t.png"), "--data", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1 and "does not exist" in err
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code = main(["timeline", "--png", str(tmp_path / "t.png"), "--data", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2 and "pip install 'citebot[picture]'" in err and "Traceback" not in err
    assert not (tmp_path / "t.png").exists()
