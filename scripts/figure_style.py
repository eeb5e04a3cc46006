"""The report's figures are drawn at the size they are printed: 6.5 in wide for a full text width (A4 with
the report's 2.2 cm margins: 6.54 in), fonts of 7.5-8.5 pt, so every label prints at 7 pt or more.
`save_figure` writes, beside each PDF, a JSON with the drawn width, the smallest font of any visible
text and the texts that leave the figure (cut off when saved); tests/test_report.py computes from it and the report's \\includegraphics width the size each
figure's smallest font prints at."""
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.text import Text  # noqa: E402

WIDTH_IN = 6.5  # drawn width of a figure printed at \linewidth
PRINT_STYLE = {"font.size": 8, "axes.titlesize": 8.5, "axes.labelsize": 8, "xtick.labelsize": 7.5,
               "ytick.labelsize": 7.5, "legend.fontsize": 7.5, "figure.titlesize": 8.5}
plt.rcParams.update(PRINT_STYLE)


def font_sizes(fig) -> list:
    """Font sizes (pt) of every visible, non-empty text of a drawn figure (tick labels included)."""
    fig.canvas.draw()
    return [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def texts_outside(fig) -> list:
    """The visible, non-empty texts of a drawn figure whose window extent leaves the figure (what savefig, which
    saves the whole canvas, would cut off), each as its text."""
    fig.canvas.draw()
    renderer, box = fig.canvas.get_renderer(), fig.bbox
    undrawn = set()  # labels of ticks outside their axis's view interval: matplotlib keeps them but does not draw them
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            tol = 1e-9 * max(1.0, abs(hi - lo))
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - tol <= tick.get_loc() <= hi + tol:
                    undrawn.update({id(tick.label1), id(tick.label2)})
    out = []
    for t in fig.findobj(Text):
        if t.get_visible() and t.get_text().strip() and id(t) not in undrawn:
            e = t.get_window_extent(renderer)
            if e.x0 < box.x0 - 0.5 or e.y0 < box.y0 - 0.5 or e.x1 > box.x1 + 0.5 or e.y1 > box.y1 + 0.5:
                out.append(t.get_text())
    return out


def save_figure(fig, figdir: Path, stem: str, png_dpi: int | None = None):
    """stem.pdf (and stem.png at png_dpi), and stem.json: {"width_in", "min_font_pt", "texts_outside"}."""
    figdir = Path(figdir)
    meta = {"width_in": float(fig.get_figwidth()), "min_font_pt": float(min(font_sizes(fig))),
            "texts_outside": texts_outside(fig)}
    fig.savefig(figdir / f"{stem}.pdf")
    if png_dpi:
        fig.savefig(figdir / f"{stem}.png", dpi=png_dpi)
    (figdir / f"{stem}.json").write_text(json.dumps(meta) + "\n")
    plt.close(fig)
