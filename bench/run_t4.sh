#!/usr/bin/env bash
# T4: exact recovery rate against c for the exact solver and the gradient baseline (10 seeds per c).
# The direct CNF does not finish N=1000 within 120 s on 2 shared cores, so it runs at N=100 (suite t4-small);
# the gradient baseline runs at both sizes. Resumable: rerun to continue. Add `fast` to SOLVERS once it lands.
set -euo pipefail
cd "$(dirname "$0")/.."
SOLVERS="${SOLVERS:-pysat,gradient}"
export OMP_NUM_THREADS=1
latentsat bench --suite t4-small --solvers "$SOLVERS" --time-limit 60 --out bench/results/t4-small
latentsat bench --suite t4 --solvers gradient --time-limit 120 --out bench/results/t4
# The default gradient (2000 Adam steps) stalls at 80% at N=1000; three times the steps, at c=8 and c=16:
latentsat bench --suite t4-c8 --solvers gradient-long --time-limit 120 --out bench/results/t4-c8
latentsat bench --suite t4-c16 --solvers gradient-long --time-limit 120 --out bench/results/t4-c16
