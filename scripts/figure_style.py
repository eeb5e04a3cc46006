"""The report's figures are drawn at the size they are printed: 6.5 in wide for a full text width (A4 with
the report's 2.2 cm margins: 6.54 in), fonts of 7.5-8.5 pt, so every label prints at 7 pt or more.
`save_figure` writes, beside each PDF, a JSON with the drawn width and the smallest font of any visible
text; tests/test_report.py computes from it and the report's \\includegraphics width the size each
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


def save_figure(fig, figdir: Path, stem: str, png_dpi: int | None = None):
    """stem.pdf (and stem.png at png_dpi), and stem.json: {"width_in", "min_font_pt"}."""
    figdir = Path(figdir)
    meta = {"width_in": float(fig.get_figwidth()), "min_font_pt": float(min(font_sizes(fig)))}
    fig.savefig(figdir / f"{stem}.pdf")
    if png_dpi:
        fig.savefig(figdir / f"{stem}.png", dpi=png_dpi)
    (figdir / f"{stem}.json").write_text(json.dumps(meta) + "\n")
    plt.close(fig)
