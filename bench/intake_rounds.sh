#!/bin/bash
# Interleaved rounds of bench/complaint_intake.py (issue 13): the commit before the outbox, in a
# worktree given as $1 (`git worktree add ../wt-before d9b0c21 && ln -s $PWD/.venv ../wt-before/`),
# against this checkout with the outbox relay and eagerly; ROUNDS rounds (default 3) of RATE/s
# (default 100) for 30 s each. This checkout's bench script drives both (--root picks the code
# under test), so every side prints the same figures, the whole job's CPU per complaint included.
set -u
before=$(cd "${1:?usage: bench/intake_rounds.sh <worktree of the commit before>}" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
db=postgres://postgres@127.0.0.1:5432
for round in $(seq 1 "${ROUNDS:-3}"); do
  for side in before relay eager; do
    args="--database-url $db/acp_intake_$side"
    [ $side = before ] && args="$args --root $before"
    [ $side = relay ] && args="$args --relay"
    echo "=== round $round: $side  load: $(cut -d' ' -f1-3 /proc/loadavg)"
    (cd "$here" && .venv/bin/python bench/complaint_intake.py --rate "${RATE:-100}" --seconds 30 \
      $args 2>/dev/null | grep -E "outbox:|201 Created|errors|latency|CPU per|count check")
  done
done
