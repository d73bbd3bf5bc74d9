#!/usr/bin/env bash
# Ingest benchmark: commcast's encoder vs opusenc on 10 minutes of espeak-ng
# Vietnamese speech, and the whole ingest pipeline as x real time.
# Usage: Benchmarks/run-ingest.sh [runs]      (figures go in docs/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")"
../scripts/setup.sh --with-test-tools
work=.bench-data
mkdir -p "$work"
if [[ ! -f "$work/speech-10min.wav" ]]; then
    text="Ủy ban nhân dân xã thông báo: từ ngày 22/11/2026, bà con các thôn đưa trẻ em dưới năm tuổi đến trạm y tế xã để tiêm chủng. \
Ban chỉ huy phòng chống thiên tai đề nghị các hộ gia đình gia cố nhà cửa, chuẩn bị lương thực và nước uống trước mùa mưa bão."
    espeak-ng -v vi-vn-x-south -w "$work/part.wav" "$text"
    parts=(); total=0
    len=$(soxi -D "$work/part.wav")
    n=$(python3 -c "import math; print(math.ceil(600/$len))")
    for ((i = 0; i < n; i++)); do parts+=("$work/part.wav"); done
    sox "${parts[@]}" "$work/speech-long.wav"
    sox "$work/speech-long.wav" "$work/speech-10min.wav" trim 0 600
    sox "$work/speech-10min.wav" -r 48000 -c 1 -b 16 "$work/speech-10min-48k.wav"
fi
swift build -c release --product IngestBenchmark
echo "command: Benchmarks/run-ingest.sh ${1:-5}   ($(nproc) cores, $(date -u +%Y-%m-%d))"
.build/release/IngestBenchmark "$work/speech-10min.wav" "$work/speech-10min-48k.wav" "${1:-5}"
