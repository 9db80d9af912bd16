#!/usr/bin/env bash
# One campaign of one target: `bash campaign.sh <target> [seconds] [extra libFuzzer flags…]`.
# Runs `cargo +nightly fuzz run` over corpus/<target> (created if missing; not committed) and
# seeds/<target>, with the limits this shared machine needs, keeps the whole log in
# logs/<target>-<UTC time>.log (not committed), and prints the figures CAMPAIGNS.md records.
# FUZZ_BUILD_FLAGS passes build options to cargo-fuzz, e.g. "-s none --target-dir target/nosan".
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?usage: campaign.sh <target> [seconds] [libFuzzer flags...]}
seconds=${2:-200}
shift $(( $# < 2 ? $# : 2 ))
mkdir -p "corpus/$target" logs
started=$(date -u +%Y-%m-%dT%H:%MZ)
log="logs/$target-$started.log"
status=0
# shellcheck disable=SC2086 # FUZZ_BUILD_FLAGS is a list of words.
cargo +nightly fuzz run ${FUZZ_BUILD_FLAGS:-} "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=60 -print_final_stats=1 "$@" >"$log" 2>&1 || status=$?
last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
echo "target:     $target"
echo "started:    $started (UTC), $seconds s, build flags: ${FUZZ_BUILD_FLAGS:-(default: ASan)}"
echo "executions: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
echo "last:       $last"
echo "corpus:     $(ls "corpus/$target" | wc -l) files"
echo "exit:       $status (0: no finding; see $log)"
grep -E 'panicked at|ERROR: libFuzzer|SUMMARY|Test unit written' "$log" | head -n 5 || true
