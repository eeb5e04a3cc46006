"""The LaTeX report: HW14_Solution.zip compiles on its own (CI installs TeX Live) and holds the sources in
report/; every table and figure fits the text width; after the cover and the contents page the main text
(references included) takes at most 8 pages and the appendix at most 3; the printed text uses none of our
working vocabulary; every figure the summary draws keeps its text inside the figure, at 7 pt or more."""
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import load_script

FRONT_PAGES = 2  # the cover and the contents page, numbered apart (\pagenumbering{gobble})
MAIN_MAX, APPENDIX_MAX = 8, 3
# words of our research log that a reader of the report is never told (issue 42)
VOCABULARY = [r"\bfloors?\b", r"\banchors?\b", r"\blevers?\b", r"\brules?\b", r"\bverdicts?\b", r"screening seeds?",
              r"pre-?registered", r"protocol fixed", r"linearised over", r"stratum's pair", r"lucky draw", r"thrash"]


def overfull_boxes(log: str) -> list:
    """Widths in pt of the log's 'Overfull \\hbox (X pt too wide)' warnings."""
    return [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]


def page_counts(aux: str, log: str) -> tuple:
    """(main text pages, appendix pages). The PDF's page count is the log's 'Output written on X.pdf (N pages';
    arabic page numbers start at 1 after the cover and the contents page, so the main text fills pages
    1 .. p - 1, p the page of the appendix's first section (label app:hparams), and the appendix the rest."""
    total = int(re.search(r"Output written on \S+\.pdf \((\d+) pages?", log).group(1))
    page = re.search(r"\\newlabel\{app:hparams\}\{\{[^}]*\}\{(\d+)\}", aux)
    assert page, "the appendix's first section (label app:hparams) is missing"
    main = int(page.group(1)) - 1
    return main, total - FRONT_PAGES - main


def test_log_and_aux_parsers():
    log = "Overfull \\hbox (113.2pt too wide) in paragraph\nOverfull \\hbox (0.5pt too wide) in alignment"
    assert overfull_boxes(log) == [113.2, 0.5]
    aux = "\\newlabel{app:hparams}{{A}{9}{Hyperparameters}{appendix.A}{}}"
    assert page_counts(aux, "Output written on build/HW14_Solution.pdf (12 pages, 1 bytes).") == (8, 2)


def test_the_zip_holds_the_report_sources(root):
    """HW14_Solution.zip is report/ (without build/) under HW14_Solution/, byte for byte."""
    with zipfile.ZipFile(root / "HW14_Solution.zip") as z:
        packed = {n.removeprefix("HW14_Solution/"): z.read(n) for n in z.namelist() if not n.endswith("/")}
    files = {str(p.relative_to(root / "report")): p.read_bytes() for p in (root / "report").rglob("*")
             if p.is_file() and "build" not in p.relative_to(root / "report").parts}
    assert sorted(packed) == sorted(files), "HW14_Solution.zip is stale: bash scripts/build_report.sh"
    assert all(packed[n] == files[n] for n in files), "HW14_Solution.zip is stale: bash scripts/build_report.sh"


def test_report_latex_zip_compiles_on_its_own_fits_and_stays_short(root, tmp_path):
    if shutil.which("latexmk") is None:
        if os.environ.get("CI"):
            pytest.fail("latexmk is missing in CI: .ci/run must install TeX Live")
        pytest.skip("latexmk not installed")
    with zipfile.ZipFile(root / "HW14_Solution.zip") as z:
        z.extractall(tmp_path)
    src = tmp_path / "HW14_Solution"
    r = subprocess.run(["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "HW14_Solution.tex"],
                       cwd=src, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:]
    assert (src / "HW14_Solution.pdf").stat().st_size > 10_000
    log = (src / "HW14_Solution.log").read_text(errors="replace")
    assert [w for w in overfull_boxes(log) if w > 1.0] == [], "a table or figure runs off the page"
    main, appendix = page_counts((src / "HW14_Solution.aux").read_text(), log)
    assert main <= MAIN_MAX and appendix <= APPENDIX_MAX, (main, appendix)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "HW14_Solution.pdf", "-"], cwd=src, capture_output=True, text=True).stdout
        found = [w for w in VOCABULARY if re.search(w, text, flags=re.I)]
        assert found == [], f"the report uses our working vocabulary: {found}"


def test_every_figure_prints_its_smallest_font_at_7pt_or_more(root):
    """For each \\includegraphics of a PDF figure: printed size of its smallest font = that font (from the
    figure's JSON, written when it was drawn) x printed width / drawn width; the printed width is the given
    fraction of the text width, itself computed from the report's paper and side margins."""
    main = (root / "report" / "HW14_Solution.tex").read_text()
    assert "a4paper" in main
    geometry = re.search(r"\\usepackage\[([^]]*)\]\{geometry\}", main).group(1)
    side = lambda key: float(re.search(key + r"=([\d.]+)cm", geometry).group(1))
    text_width_in = (21.0 - side("left") - side("right")) / 2.54
    sources = [main] + [p.read_text() for p in sorted((root / "report" / "sections").glob("*.tex"))]
    found = re.findall(r"\\includegraphics\[width=([\d.]*)\\linewidth\]\{(figures/[\w-]+)\.pdf\}", "\n".join(sources))
    assert len(found) >= 4
    for factor, stem in found:
        meta = json.loads((root / "report" / f"{stem}.json").read_text())
        printed = meta["min_font_pt"] * float(factor or 1) * text_width_in / meta["width_in"]
        assert printed >= 7.0, (stem, round(printed, 2))


def test_no_figure_the_summary_draws_cuts_off_text(root, tmp_path):
    """Every figure the summary makes, drawn again from the committed results into a scratch folder: the window
    extent of every text it draws lies inside the saved figure (figure_style.texts_outside is empty)."""
    summ = load_script("summarize_results")
    summary = json.loads(json.dumps(summ.summarize(root / "results")))
    summ.fig_learning_curves(root / "results", tmp_path)
    summ.fig_adaptation(summary, tmp_path)
    summ.fig_velocity(summary["velocity"], tmp_path)
    summ.fig_direction(summ.run_path(root / "results", summ.FINAL) / f"seed{summary['headline']['median_seed']}", tmp_path)
    metas = {p.stem: json.loads(p.read_text()) for p in tmp_path.glob("*.json")}
    assert set(metas) == {"learning_curves", "adaptation", "velocity", "x_position"}
    assert {k: m["texts_outside"] for k, m in metas.items() if m["texts_outside"]} == {}


def test_figure_metadata_measures_the_drawn_fonts_and_what_is_cut_off(tmp_path):
    """save_figure's JSON: the drawn width, the smallest visible font (tick labels included) and the texts
    that leave the figure; labels of ticks outside the axes' limits are not drawn and do not count."""
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
    assert json.loads((tmp_path / "f.json").read_text()) == {"width_in": 4.0, "min_font_pt": 6.25, "texts_outside": []}
    assert (tmp_path / "f.pdf").stat().st_size > 0
    fig, ax = plt.subplots(figsize=(4.0, 2.0))
    ax.plot([0, 1], [0, 1])
    ax.set_ylabel("a long label\nthat runs off\nthe top and\nthe bottom\nof a short\nfigure\nfor sure")
    ax.text(1.3, 0.5, "beyond the right edge", transform=ax.transAxes)
    figure_style.save_figure(fig, tmp_path, "g")
    outside = json.loads((tmp_path / "g.json").read_text())["texts_outside"]
    assert "beyond the right edge" in outside and any(t.startswith("a long label") for t in outside)
