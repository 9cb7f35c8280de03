#!/usr/bin/env bash
# T4: exact recovery rate against c for the exact solver and the gradient baseline (10 seeds per c).
# The fast exact solver runs at N=1000 (suite t4); the direct CNF cannot, so it runs at N=100 (suite t4-small),
# next to the gradient baseline at both sizes. Resumable: rerun to continue.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=1
latentsat bench --suite t4 --solvers fast,gradient --time-limit 120 --out bench/results/t4
latentsat bench --suite t4-small --solvers pysat,gradient --time-limit 60 --out bench/results/t4-small
# The default gradient (2000 Adam steps) stalls at 80% at N=1000; three times the steps, at c=8 and c=16:
latentsat bench --suite t4-c8 --solvers gradient-long --time-limit 120 --out bench/results/t4-c8
latentsat bench --suite t4-c16 --solvers gradient-long --time-limit 120 --out bench/results/t4-c16
