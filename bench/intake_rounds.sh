#!/bin/bash
# Interleaved rounds of bench/complaint_intake.py (issue 13): the commit before the outbox, in a
# worktree given as $1 (`git worktree add ../wt-before d9b0c21 && ln -s $PWD/.venv ../wt-before/`),
# against this checkout with the outbox relay and eagerly; 3 rounds of 100/s for 30 s each.
set -u
before=${1:?usage: bench/intake_rounds.sh <worktree of the commit before>}
here=$(cd "$(dirname "$0")/.." && pwd)
db=postgres://postgres@127.0.0.1:5432
for round in 1 2 3; do
  for side in before relay eager; do
    dir=$here; args="--database-url $db/acp_intake_main"
    [ $side = before ] && dir=$before && args="--database-url $db/acp_intake_before"
    [ $side = relay ] && args="$args --relay"
    echo "=== round $round: $side  load: $(cut -d' ' -f1-3 /proc/loadavg)"
    (cd "$dir" && .venv/bin/python bench/complaint_intake.py --rate 100 --seconds 30 $args 2>/dev/null \
      | grep -E "outbox:|201 Created|errors|latency|count check")
  done
done
