#!/usr/bin/env bash
# Builds the fuzzers with libFuzzer and AddressSanitizer and runs each target for
# SECONDS (default 600), starting from the committed seeds in Fuzz/Corpus/TARGET.
# What a run learns goes to .build-fuzz/corpus/TARGET (not committed); a crash is
# saved as .build-fuzz/crash-TARGET-*: copy it to Fuzz/Crashes/TARGET/, fix the cause,
# and the normal tests replay it from then on (CommcastFuzzTargetsTests).
#
# Usage: Fuzz/run.sh [SECONDS] [TARGET…]   (FUZZ_NO_BUILD=1: run the fuzzer already built)
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
    targets=(wav sniff link-codec range cluster-csv configuration control-request province-bulletin)
fi
if [[ -z "${FUZZ_NO_BUILD:-}" ]]; then
    swift build -c release --sanitize=fuzzer --sanitize=address --scratch-path ../.build-fuzz
fi
fuzzer=../.build-fuzz/release/commcast-fuzz
printf '%-18s %8s %10s %9s %8s %s\n' target seconds runs exec/s corpus crashes
for t in "${targets[@]}"; do
    mkdir -p "../.build-fuzz/corpus/$t"
    log="../.build-fuzz/$t.log"
    set +e
    # TOMLKit 0.6.0 leaks about 1 KB a parse in its C++ bridge (docs/reliability.md):
    # not ours to fix, so leaks are not findings for the configuration loader.
    leaks=1
    [[ $t == configuration ]] && leaks=0
    COMMCAST_FUZZ_TARGET=$t "$fuzzer" -detect_leaks=$leaks -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=65536 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="../.build-fuzz/crash-$t-" "../.build-fuzz/corpus/$t" "Corpus/$t" > "$log" 2>&1
    status=$?
    set -e
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    corpus=$(find "../.build-fuzz/corpus/$t" -type f | wc -l)
    crashes=$(find ../.build-fuzz -maxdepth 1 -name "crash-$t-*" | wc -l)
    printf '%-18s %8s %10s %9s %8s %s\n' "$t" "$seconds" "$runs" "$rate" "$corpus" "$crashes$([[ $status -ne 0 ]] && echo " (exit $status: $log)")"
done
