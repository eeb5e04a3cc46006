"""The LaTeX report compiles from the committed sources (CI installs TeX Live), every table and figure
fits the text width, and the main text stays within 8 pages after the title page."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest


def overfull_boxes(log: str) -> list:
    """Widths in pt of the log's 'Overfull \\hbox (X pt too wide)' warnings."""
    return [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]


def main_text_pages(aux: str) -> int:
    """Pages before the appendix: the page numbers restart at 1 after the title page, so the main text
    (with its references) fills pages 1 .. p - 1, p the page of the appendix's first section."""
    page = re.search(r"\\newlabel\{app:record\}\{\{[^}]*\}\{(\d+)\}", aux)
    assert page, "the appendix's first section (label app:record) is missing"
    return int(page.group(1)) - 1


def test_log_and_aux_parsers():
    log = "Overfull \\hbox (113.2pt too wide) in paragraph\nOverfull \\hbox (0.5pt too wide) in alignment"
    assert overfull_boxes(log) == [113.2, 0.5]
    assert main_text_pages("\\newlabel{app:record}{{A}{9}{The record}{appendix.A}{}}") == 8


def test_report_latex_compiles_fits_and_stays_short(root, tmp_path):
    if shutil.which("latexmk") is None:
        if os.environ.get("CI"):
            pytest.fail("latexmk is missing in CI: .ci/run must install TeX Live")
        pytest.skip("latexmk not installed")
    src = tmp_path / "report"
    shutil.copytree(root / "report", src, ignore=shutil.ignore_patterns("build"))
    r = subprocess.run(["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "HW14_Solution.tex"],
                       cwd=src, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:]
    assert (src / "HW14_Solution.pdf").stat().st_size > 10_000
    log = (src / "HW14_Solution.log").read_text(errors="replace")
    assert [w for w in overfull_boxes(log) if w > 1.0] == [], "a table or figure runs off the page"
    assert main_text_pages((src / "HW14_Solution.aux").read_text()) <= 8


def test_every_figure_prints_its_smallest_font_at_7pt_or_more(root):
    """For each \\includegraphics of a PDF figure: printed size of its smallest font = that font (from the
    figure's JSON, written when it was drawn) x printed width / drawn width; the printed width is the given
    fraction of the text width, itself computed from the report's paper and margins."""
    import json
    import re
    main = (root / "report" / "HW14_Solution.tex").read_text()
    assert "a4paper" in main
    margin_cm = float(re.search(r"\\usepackage\[margin=([\d.]+)cm\]\{geometry\}", main).group(1))
    text_width_in = (21.0 - 2 * margin_cm) / 2.54
    sources = [main] + [p.read_text() for p in sorted((root / "report" / "sections").glob("*.tex"))]
    found = re.findall(r"\\includegraphics\[width=([\d.]*)\\linewidth\]\{(figures/[\w-]+)\.pdf\}", "\n".join(sources))
    assert len(found) >= 4
    for factor, stem in found:
        meta = json.loads((root / "report" / f"{stem}.json").read_text())
        printed = meta["min_font_pt"] * float(factor or 1) * text_width_in / meta["width_in"]
        assert printed >= 7.0, (stem, round(printed, 2))


def test_figure_metadata_measures_the_drawn_fonts(tmp_path):
    """save_figure's JSON: the drawn width and the smallest visible font, tick labels included."""
    import json
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    import figure_style
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(4.0, 2.0))
    ax.plot([0, 1], [0, 1], label="a line")
    ax.tick_params(labelsize=6.25)
    ax.legend(fontsize=9)
    ax.set_title("t", fontsize=12)
    figure_style.save_figure(fig, tmp_path, "f")
    assert json.loads((tmp_path / "f.json").read_text()) == {"width_in": 4.0, "min_font_pt": 6.25}
    assert (tmp_path / "f.pdf").stat().st_size > 0
