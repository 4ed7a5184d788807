#!/usr/bin/env python3
"""Renders a Chrome trace-event file (as `kiln preprocess --trace` writes it) to an SVG timeline.

    python3 cli/scripts/trace_to_svg.py trace.json docs/images/preprocess-trace.svg [--title TEXT]

One row per track (thread or device queue), grouped under its process (stage) name, the way Perfetto
and chrome://tracing lay it out; one rectangle per complete ("X") event, coloured by stage; a time axis
in milliseconds. Only the standard library is used.
"""
import json
import sys
from xml.sax.saxutils import escape

COLOURS = {"read": "#4e79a7", "decode": "#f28e2b", "assemble": "#76b7b2", "device": "#e15759", "consumer": "#59a14f"}


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    src, dst = argv[1], argv[2]
    title = argv[argv.index("--title") + 1] if "--title" in argv else "kiln preprocess --trace"
    events = json.load(open(src))["traceEvents"]
    procs, threads, spans = {}, {}, []
    for e in events:
        if e["ph"] == "M" and e["name"] == "process_name":
            procs[e["pid"]] = e["args"]["name"]
        elif e["ph"] == "M" and e["name"] == "thread_name":
            threads[(e["pid"], e["tid"])] = e["args"]["name"]
        elif e["ph"] == "X":
            spans.append(e)
    if not spans:
        print("no complete events in " + src, file=sys.stderr)
        return 1
    t0 = min(s["ts"] for s in spans)
    t1 = max(s["ts"] + s["dur"] for s in spans)
    rows = sorted({(s["pid"], s["tid"]) for s in spans})
    label_w, width, row_h, top = 250, 1100, 14, 46
    plot_w = width - label_w - 20
    scale = plot_w / max(t1 - t0, 1e-9)
    y_of, y, last_pid = {}, top, None
    header_rows = []
    for r in rows:
        if r[0] != last_pid:
            header_rows.append((r[0], y))
            y += row_h + 4
            last_pid = r[0]
        y_of[r] = y
        y += row_h
    height = y + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="10">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="10" y="18" font-size="13" font-weight="bold">{escape(title)}</text>',
           f'<text x="10" y="34" fill="#555">{len(spans)} spans, {(t1 - t0) / 1000:.1f} ms; one row per thread or device queue, '
           f'grouped by stage; gaps are waiting</text>']
    # time axis
    step = 10 ** max(0, len(str(int((t1 - t0) / 1000 / 5))) - 1)
    ms = 0
    while ms * 1000 <= t1 - t0:
        x = label_w + ms * 1000 * scale
        out.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{y}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{y + 14}" text-anchor="middle" fill="#555">{ms} ms</text>')
        ms += step
    for pid, hy in header_rows:
        out.append(f'<text x="10" y="{hy + 11}" font-weight="bold">{escape(procs.get(pid, str(pid)))}</text>')
    for r, ry in y_of.items():
        name = threads.get(r, str(r[1]))
        out.append(f'<text x="22" y="{ry + 10}" fill="#333">{escape(name[-34:])}</text>')
        out.append(f'<rect x="{label_w}" y="{ry + 1}" width="{plot_w}" height="{row_h - 2}" fill="#f6f6f6"/>')
    for s in spans:
        x = label_w + (s["ts"] - t0) * scale
        w = max(s["dur"] * scale, 0.6)
        c = COLOURS.get(s.get("cat", ""), "#999")
        out.append(f'<rect x="{x:.2f}" y="{y_of[(s["pid"], s["tid"])] + 1}" width="{w:.2f}" height="{row_h - 2}" fill="{c}">'
                   f'<title>{escape(s["name"])}: {s["dur"] / 1000:.2f} ms</title></rect>')
    out.append("</svg>")
    open(dst, "w").write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
