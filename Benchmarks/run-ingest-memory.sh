#!/usr/bin/env bash
# Ingest memory and time by length: `commcast encode` (release) on 3 minutes and on one
# hour of Vietnamese espeak-ng speech, as a 44.1 kHz stereo WAV (a recorder's file) and
# as an MP3 (through ffmpeg), each under /usr/bin/time: peak RSS, wall and CPU time, and
# what the stored Opus measures (ffmpeg's ebur128 through libopus).
# Usage: Benchmarks/run-ingest-memory.sh [minutes...]     (default: 3 60)
set -euo pipefail
cd "$(dirname "$0")"
../scripts/setup.sh --with-test-tools
work=.bench-data
mkdir -p "$work"
(cd .. && swift build -c release --product commcast >/dev/null)
commcast=../.build/release/commcast
minutes=("$@")
((${#minutes[@]})) || minutes=(3 60)
if [[ ! -f "$work/part44.wav" ]]; then
    espeak-ng -v vi-vn-x-south -w "$work/part.wav" "Ủy ban nhân dân xã thông báo: từ ngày 22/11/2026, bà con các thôn đưa trẻ em dưới năm tuổi đến trạm y tế xã để tiêm chủng. \
Ban chỉ huy phòng chống thiên tai đề nghị các hộ gia đình gia cố nhà cửa, chuẩn bị lương thực và nước uống trước mùa mưa bão."
    sox "$work/part.wav" -r 44100 -c 2 "$work/part44.wav"
fi
echo "command: Benchmarks/run-ingest-memory.sh ${minutes[*]}   ($(nproc) cores, $(date -u +%Y-%m-%d))"
printf '%-28s %10s %10s %10s %9s %9s %s\n' input "peak RSS" wall CPU LUFS dBTP encoded
for m in "${minutes[@]}"; do
    wav="$work/speech-${m}min-44k-stereo.wav"
    if [[ ! -f "$wav" ]]; then
        len=$(soxi -D "$work/part44.wav")
        n=$(python3 -c "import math; print(math.ceil($m * 60 / $len))")
        parts=(); for ((i = 0; i < n; i++)); do parts+=("$work/part44.wav"); done
        sox "${parts[@]}" "$work/long.wav" && sox "$work/long.wav" "$wav" trim 0 $((m * 60)) && rm "$work/long.wav"
    fi
    mp3="$work/speech-${m}min.mp3"
    [[ -f "$mp3" ]] || ffmpeg -nostdin -v error -i "$wav" -c:a libmp3lame -b:a 128k "$mp3"
    for input in "$wav" "$mp3"; do
        out="$work/out.opus"
        /usr/bin/time -f '%M %e %U %S' -o "$work/time.txt" "$commcast" encode "$input" "$out" --json >"$work/encode.json"
        read -r rss wall user sys <"$work/time.txt"
        measured=$(ffmpeg -nostdin -hide_banner -nostats -c:a libopus -i "$out" -af ebur128=peak=true -f null - 2>&1 | awk '/I:/ {i=$2} /Peak:/ {p=$2} END {print i, p}')
        printf '%-28s %7.1f MB %8.0f s %8.0f s %9s %9s %s\n' "$(basename "$input")" "$(awk -v r="$rss" 'BEGIN {print r / 1024}')" \
            "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')" $measured "$(python3 -c "import json; r = json.load(open('$work/encode.json')); print(r['output_bytes'], 'bytes,', 'on target' if r['meets_target'] else 'NOT on target')")"
    done
done
