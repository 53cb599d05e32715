#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 600), two at a time, with libFuzzer.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Stable Rust is enough: RUSTC_BOOTSTRAP=1 lets it take the nightly-only flags cargo-fuzz
# passes (-Zsanitizer=address). Corpora grow in fuzz/corpus/<target>/ (not committed; they
# start from the committed seeds in fuzz/seeds/<target>/), crashes land in
# fuzz/artifacts/<target>/, and each run's log in fuzz/logs/<target>.log, whose last line
# says how many executions it made. JOBS=1 runs one at a time; MAX_LEN, RSS_LIMIT_MB and
# TIMEOUT override the libFuzzer limits; CARGO_TARGET_DIR is honoured.
set -euo pipefail

cd "$(dirname "$0")"
SECONDS_EACH="${1:-600}"
shift || true
export RUSTC_BOOTSTRAP=1
JOBS="${JOBS:-2}"
MAX_LEN="${MAX_LEN:-65536}"
RSS_LIMIT_MB="${RSS_LIMIT_MB:-2048}"
TIMEOUT="${TIMEOUT:-10}"
# -a: debug assertions and overflow checks, so an arithmetic overflow is a finding too.
BUILD_FLAGS=(--release -a)

if [ "$#" -gt 0 ]; then
    TARGETS=("$@")
else
    mapfile -t TARGETS < <(cargo fuzz list)
fi

cargo fuzz build "${BUILD_FLAGS[@]}"
mkdir -p logs

run_one() {
    local target="$1"
    mkdir -p "corpus/$target" "artifacts/$target"
    local seeds=()
    [ -d "seeds/$target" ] && seeds=("seeds/$target")
    # -fork=1 with -ignore_*: a crash, timeout or OOM is saved in fuzz/artifacts/<target>/
    # and the run goes on, so one finding does not hide the others.
    cargo fuzz run "${BUILD_FLAGS[@]}" "$target" "corpus/$target" "${seeds[@]}" -- \
        -rss_limit_mb="$RSS_LIMIT_MB" -timeout="$TIMEOUT" -max_len="$MAX_LEN" \
        -max_total_time="$SECONDS_EACH" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 \
        -ignore_ooms=1 >"logs/$target.log" 2>&1 || true
    # The last fork-mode status line: "#<executions>: cov: … oom/timeout/crash: a/b/c time: …".
    local last findings
    last="$(grep -E '^#[0-9]+: cov:' "logs/$target.log" | tail -n 1 || true)"
    findings="$(find "artifacts/$target" -type f | wc -l)"
    echo "$target: ${last:-no status line, see fuzz/logs/$target.log}; artifacts: $findings"
    [ "$findings" -eq 0 ]
}

status=0
running=0
for target in "${TARGETS[@]}"; do
    run_one "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n || status=1
        running=$((running - 1))
    fi
done
while [ "$running" -gt 0 ]; do
    wait -n || status=1
    running=$((running - 1))
done
exit "$status"
