#!/usr/bin/env bash
# Pack the submission as the assignment asks: DRL_HW14_<StudentNumber>_<FullName>.zip holding
# Notebooks/HW14_MAML.ipynb (with hw14_support.py, the module it imports), HW14_Solution.pdf and HW14_Solution.zip, plus the small files the notebook
# loads so that it runs where it is unpacked without retraining: results/summary.json, the median seed's
# run (checkpoint, config, metrics) and every MAML seed's metrics.jsonl (section 10's curves), with
# requirements.txt and a short README.md (scripts/submission_readme.md: how to run it on macOS, Windows or
# Linux without bash). Nothing else a notebook run may leave in Notebooks/ (the video, a MuJoCo log) goes in.
# Usage: bash scripts/pack_submission.sh 401234567 JaneDoe   (rebuilds the report with these on its
# title page first; SKIP_REPORT_BUILD=1 packs the files as they are)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 2 ] || ! [[ "$1" =~ ^[0-9]+$ ]] || ! [[ "$2" =~ ^[A-Z][A-Za-z]*$ ]]; then
  echo "usage: $0 StudentNumber FullNameInCamelCase   (digits; letters only, starting upper-case)" >&2
  exit 2
fi
if [ "${SKIP_REPORT_BUILD:-0}" != 1 ]; then
  bash scripts/build_report.sh "$1" "$2"  # the title page carries the name and number
fi
for f in Notebooks/HW14_MAML.ipynb Notebooks/hw14_support.py HW14_Solution.pdf HW14_Solution.zip results/summary.json requirements.txt \
         scripts/submission_readme.md; do
  [ -f "$f" ] || { echo "missing $f (build the report first: bash scripts/build_report.sh)" >&2; exit 1; }
done
out="DRL_HW14_$1_$2.zip"
rm -f "$out"
python3 - "$out" <<'PY'
import glob, json, os, sys, zipfile
median = json.load(open("results/summary.json"))["headline"]["median_seed"]
run = f"results/final/maml/seed{median}"
files = ["Notebooks/HW14_MAML.ipynb", "Notebooks/hw14_support.py", "HW14_Solution.pdf", "HW14_Solution.zip", "results/summary.json", "requirements.txt",
         *(f"{run}/{n}" for n in ("checkpoint.pt", "config.json")), *sorted(glob.glob("results/final/maml/seed*/metrics.jsonl"))]
missing = [f for f in files if not os.path.isfile(f)]
if missing:
    sys.exit(f"missing {missing}: the notebook loads them")
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for f in files:
        z.write(f)
    z.write("scripts/submission_readme.md", "README.md")
PY
echo "wrote $out"
