"""The timeline as a picture: events on a time axis, drawn to PNG or SVG bytes.

One row per event, oldest at the top: on the left its date and a few words of its best quote,
on the right a mark on a shared time axis: a dot for a day or a week, a bar for anything
longer (a month, a year, "June through September"), a light wide band under a hollow dot for
an approximate date (a decade guess shows the whole decade faintly and its best-guess year).
The number of sources telling each event stands beside its mark. Labels are placed in the left
column, measured after drawing and cut a word at a time until they fit it, so none overlaps
another or the axis.

Drawn on a neutral card (a light grey) with dark text, which reads the same on Discord's light
and dark themes. Sized for Discord, which shows images about 550 pixels wide: the picture is
1100 pixels wide (two pixels for each shown), with type no smaller than about 11 shown pixels.

matplotlib is an optional extra (`pip install 'citebot[picture]'`), imported only when a
picture is drawn; a `Figure` is built without pyplot, so no global state is kept or leaked.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from knowledge.errors import UserError
from knowledge.timeline.models import Event
from knowledge.timeline.presentation import best_mention, trim_quote

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PictureFormat = Literal["png", "svg"]
WIDTH_INCHES = 5.5
DPI = 200  # 1100 pixels wide: sharp when Discord shows it at about 550
ROW_INCHES = 0.30
MAX_EVENTS = 60  # more rows than this would not be readable at Discord's width
BACKGROUND = "#eef0f3"
TEXT = "#1e1f22"
MUTED = "#5c5f66"
MARK = "#2f5fb3"
LABEL_COLUMN = 0.56  # share of the width for the labels
FONT_SIZE = 8.5
_QUOTE_CHARS = 60


class PictureUnavailable(UserError):
    """The picture cannot be drawn here (matplotlib is not installed)."""


class TooManyEvents(UserError, ValueError):
    """More events than one picture can show readably."""


def picture_available() -> bool:
    """Whether pictures can be drawn here (the `picture` extra is installed)."""
    return importlib.util.find_spec("matplotlib") is not None


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise PictureUnavailable(
            "drawing the timeline needs matplotlib: pip install 'citebot[picture]'"
        ) from None


def _label(event: Event) -> str:
    mention = best_mention(event)
    words = trim_quote(mention.quote, mention.expression, _QUOTE_CHARS)
    return f"{event.label} \u2013 {words}"


def _mark_span(event: Event) -> tuple[dt.date, dt.date]:
    return event.start, event.end + dt.timedelta(days=1)


def build_figure(events: Sequence[Event], title: str = "Timeline") -> Figure:
    """The timeline figure (no pyplot): one row per event; every artist of event i carries
    gid "event-i" (its mark) or "label-i" / "count-i" (its words)."""
    _require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if len(events) > MAX_EVENTS:
        raise TooManyEvents(
            f"{len(events)} events are too many for one picture (at most {MAX_EVENTS}); "
            "narrow the dates or the words"
        )
    rows = max(len(events), 1)
    height = 0.75 + ROW_INCHES * rows
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(figure)  # measures the labels while they are placed
    top = 1 - 0.45 / height
    bottom = 0.32 / height
    axes = figure.add_axes((LABEL_COLUMN, bottom, 0.97 - LABEL_COLUMN, top - bottom))
    axes.set_facecolor(BACKGROUND)
    figure.text(
        0.02,
        1 - 0.22 / height,
        title,
        color=TEXT,
        fontsize=10,
        weight="bold",
        va="center",
        gid="title",
    )
    if not events:
        figure.text(0.5, 0.5, "No dated events match.", color=MUTED, ha="center", va="center")
        axes.set_axis_off()
        return figure
    _draw_marks(axes, events)
    _style_axes(axes, events)
    figure.text(
        0.02,
        0.1 / height,
        "\u00d7N: sources telling it \u00b7 faint band: approximate",
        color=MUTED,
        fontsize=7.5,
        va="bottom",
        gid="legend",
    )
    _place_labels(figure, axes, events)
    return figure


_FUZZ = {"height": 0.62, "color": MARK, "alpha": 0.16, "linewidth": 0}
_BAR = {"height": 0.42, "color": MARK, "linewidth": 0}
_DOT = {"marker": "o", "markersize": 5.5, "color": MARK, "linestyle": "none"}
_HOLLOW = {"marker": "o", "markersize": 6, "markerfacecolor": BACKGROUND,
           "markeredgecolor": MARK, "markeredgewidth": 1.6, "linestyle": "none"}  # fmt: skip
_COUNT = {"xytext": (4, 0), "textcoords": "offset points", "va": "center", "ha": "left",
          "fontsize": 7.5, "color": MUTED, "annotation_clip": False}  # fmt: skip


def _draw_marks(axes, events: Sequence[Event]) -> None:
    first = min(e.start for e in events)
    last = max(e.end for e in events)
    shortest = max((last - first).days, 60) * 0.012  # a month on a 30-year axis stays visible
    for row, event in enumerate(events):
        end = _draw_mark(axes, row, event, shortest)
        sources = len({m.source_id for m in event.mentions})
        axes.annotate(f"\u00d7{sources}", xy=(end, row), gid=f"count-{row}", **_COUNT)


def _draw_mark(axes, row: int, event: Event, shortest: float) -> float:
    """One event's mark on its row; returns where it ends on the axis (for its count)."""
    import matplotlib.dates as mdates

    start, end = (mdates.date2num(d) for d in _mark_span(event))
    if end - start < shortest:
        middle = (start + end) / 2
        start, end = middle - shortest / 2, middle + shortest / 2
    gid = f"event-{row}"
    if event.approximate:
        likely = (event.likely_start, event.likely_end + dt.timedelta(days=1))
        guess = sum(mdates.date2num(d) for d in likely) / 2
        axes.barh(row, end - start, left=start, gid=f"{gid}-fuzz", **_FUZZ)
        axes.plot([guess], [row], gid=gid, **_HOLLOW)
    elif event.granularity in ("day", "week"):
        axes.plot([(start + end) / 2], [row], gid=gid, **_DOT)
    else:
        axes.barh(row, end - start, left=start, gid=gid, **_BAR)
    return end


def _style_axes(axes, events: Sequence[Event]) -> None:
    import matplotlib.dates as mdates

    first = min(e.start for e in events)
    last = max(e.end for e in events)
    pad = max((last - first).days * 0.06, 20)
    axes.set_xlim(
        mdates.date2num(first - dt.timedelta(days=pad)),
        mdates.date2num(last + dt.timedelta(days=pad * 2.2)),
    )
    axes.set_ylim(len(events) - 0.5, -0.5)
    locator = mdates.AutoDateLocator(minticks=2, maxticks=4)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes.tick_params(axis="x", colors=MUTED, labelsize=7.5, length=3)
    axes.tick_params(axis="y", left=False, labelleft=False)
    axes.grid(axis="x", color=MUTED, alpha=0.25, linewidth=0.6)
    for row in range(len(events)):
        axes.axhline(row, color=MUTED, alpha=0.12, linewidth=0.6, zorder=0)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(MUTED)


def _place_labels(figure: Figure, axes, events: Sequence[Event]) -> None:
    """Each label in the left column, on its row, cut word by word until it fits the column."""
    from matplotlib.transforms import blended_transform_factory

    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]  # Agg's
    room = (LABEL_COLUMN - 0.04) * figure.bbox.width
    place = blended_transform_factory(figure.transFigure, axes.transData)
    for row, event in enumerate(events):
        text = figure.text(
            0.02,
            row,
            _label(event),
            transform=place,
            va="center",
            ha="left",
            fontsize=FONT_SIZE,
            color=TEXT,
            gid=f"label-{row}",
        )
        words = text.get_text()
        while text.get_window_extent(renderer).width > room and " " in words:
            words = words.rsplit(" ", 1)[0].rstrip(" ,;:\u2013\u2026") + "\u2026"
            text.set_text(words)


def render_picture(
    events: Sequence[Event], fmt: PictureFormat = "png", title: str = "Timeline"
) -> bytes:
    """The timeline picture as PNG or SVG bytes."""
    figure = build_figure(events, title)
    out = io.BytesIO()
    if fmt == "svg":
        from matplotlib.backends.backend_svg import FigureCanvasSVG

        FigureCanvasSVG(figure).print_svg(out)
    else:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(figure).print_png(out)
    return out.getvalue()
