"""The dashboard's charts as SVG drawn on the server: no script, no CDN, the same on a tablet and
in a printout, and readable by a screen reader (a title and a table beside each).

Colours follow the pages' tags: on time blue, late red, done on time green, done late gold.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from ecabinet.tasks.figures import STANDINGS

COLOURS = {"on_time": "#0b5394", "late": "#a50e0e", "done_on_time": "#1e6b34",
           "done_late": "#b58100", "assigned": "#56606b"}


def _text(x, y, value, *, anchor="start", size=12, weight="normal", fill="#1b1f24") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}">{escape(value)}</text>')


def _legend(labels: dict[str, str], keys, y: float) -> list[str]:
    parts, x = [], 0.0
    for key in keys:
        parts.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" '
                     f'fill="{COLOURS[key]}"/>')
        parts.append(_text(x + 16, y, labels[key], size=12))
        x += 24 + 7.2 * len(labels[key])
    return parts


def by_organisation(figures, labels: dict[str, str], title: str, *, width: int = 640) -> Markup:
    """One stacked bar per lead organisation: on time, late, done on time, done late."""
    rows = figures[:15]
    label_w, bar_h, gap, top = 230, 20, 8, 34
    height = top + len(rows) * (bar_h + gap) + 10
    most = max((f.total for f in rows), default=0) or 1
    scale = (width - label_w - 40) / most
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    parts += _legend(labels, [s.value for s in STANDINGS], 14)
    for n, entry in enumerate(rows):
        y = top + n * (bar_h + gap)
        name = entry.name if len(entry.name) <= 32 else entry.name[:31] + "…"
        parts.append(_text(label_w - 8, y + 15, name, anchor="end"))
        x = float(label_w)
        for standing in STANDINGS:
            count = entry.counts[standing.value]
            if not count:
                continue
            w = count * scale
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                         f'fill="{COLOURS[standing.value]}"><title>{escape(name)}: '
                         f'{escape(labels[standing.value])} {count}</title></rect>')
            if w >= 18:
                parts.append(_text(x + w / 2, y + 15, str(count), anchor="middle",
                                   fill="#ffffff", weight="bold"))
            x += w
        parts.append(_text(x + 6, y + 15, str(entry.total), size=12))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def by_month(months, labels: dict[str, str], title: str, *, width: int = 640) -> Markup:
    """Per month: tasks assigned (grey) beside tasks done (on time green, late gold, stacked)."""
    top, bottom, left = 34, 28, 30
    height = 240
    plot_h = height - top - bottom
    most = max((max(m.assigned, m.done_on_time + m.done_late) for m in months), default=0) or 1
    slot = (width - left - 10) / max(len(months), 1)
    bar_w = max(4.0, slot / 2 - 4)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    parts += _legend(labels, ["assigned", "done_on_time", "done_late"], 14)
    base = top + plot_h
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" '
                 f'stroke="#8c96a2"/>')
    parts.append(_text(left - 4, top + 10, str(most), anchor="end", size=10))
    for n, month in enumerate(months):
        x = left + n * slot + 2
        for value, colour, offset, dx in (
                (month.assigned, COLOURS["assigned"], 0, 0),
                (month.done_on_time, COLOURS["done_on_time"], 0, bar_w + 2),
                (month.done_late, COLOURS["done_late"], month.done_on_time, bar_w + 2)):
            if not value:
                continue
            h = value / most * plot_h
            y = base - offset / most * plot_h - h
            parts.append(f'<rect x="{x + dx:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                         f'height="{h:.1f}" fill="{colour}"><title>{month.label}: '
                         f'{value}</title></rect>')
        parts.append(_text(x + bar_w, base + 16, month.label[:2] + "/" + month.label[-2:],
                           anchor="middle", size=10))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()
