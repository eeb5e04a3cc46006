#!/usr/bin/env bash
# Pack the submission as the assignment asks: DRL_HW14_<StudentNumber>_<FullName>.zip holding
# Notebooks/HW14_MAML.ipynb, HW14_Solution.pdf and HW14_Solution.zip.
# Usage: bash scripts/pack_submission.sh 401234567 JaneDoe
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 2 ] || ! [[ "$1" =~ ^[0-9]+$ ]] || ! [[ "$2" =~ ^[A-Z][A-Za-z]*$ ]]; then
  echo "usage: $0 StudentNumber FullNameInCamelCase   (digits; letters only, starting upper-case)" >&2
  exit 2
fi
for f in Notebooks/HW14_MAML.ipynb HW14_Solution.pdf HW14_Solution.zip; do
  [ -f "$f" ] || { echo "missing $f (build the report first: bash scripts/build_report.sh)" >&2; exit 1; }
done
out="DRL_HW14_$1_$2.zip"
rm -f "$out"
python3 -m zipfile -c "$out" Notebooks HW14_Solution.pdf HW14_Solution.zip
echo "wrote $out"
