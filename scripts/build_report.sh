#!/usr/bin/env bash
# Regenerate the report's figures and numbers from results/, build HW14_Solution.pdf and pack its
# LaTeX source (with figures, compilable on its own) as HW14_Solution.zip, both at the repo root.
# Needs Debian's latexmk, texlive-latex-recommended, texlive-latex-extra, texlive-fonts-recommended.
# Usage: bash scripts/build_report.sh [StudentNumber FullName]   (without them the cover shows the course
# template's fields [Full Name] and [Student Number]; scripts/pack_submission.sh passes its own).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="$PWD/.venv/bin/python"
[ -x "$PY" ] || { bash scripts/setup.sh; }
if ! command -v latexmk >/dev/null; then
  echo "latexmk not found: apt-get install latexmk texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended" >&2
  exit 1
fi
$PY scripts/summarize_results.py --results results --report report
if [ $# -eq 2 ]; then name=$(sed 's/\([a-z]\)\([A-Z]\)/\1 \2/g' <<< "$2") number="$1"; else  # JaneDoe -> Jane Doe
  name='[Full Name]' number='[Student Number]'; fi  # the course template's fields, to fill in
printf '\\newcommand{\\studentname}{%s}\n\\newcommand{\\studentnumber}{%s}\n' "$name" "$number" \
  > report/generated/student.tex
(cd report && latexmk -pdf -interaction=nonstopmode -halt-on-error -output-directory=build HW14_Solution.tex >/dev/null) \
  || { tail -40 report/build/HW14_Solution.log >&2; exit 1; }
cp report/build/HW14_Solution.pdf HW14_Solution.pdf
rm -f HW14_Solution.zip
(cd report && $PY - <<'PYEOF'
import zipfile, pathlib
with zipfile.ZipFile("../HW14_Solution.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for p in sorted(pathlib.Path(".").rglob("*")):
        if p.is_file() and "build" not in p.parts:
            z.write(p, pathlib.Path("HW14_Solution") / p)
PYEOF
)
echo "built HW14_Solution.pdf and HW14_Solution.zip"
