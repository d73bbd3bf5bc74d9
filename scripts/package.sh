#!/usr/bin/env bash
# Builds the executables a station host runs, commcastd and commcast, and puts them in
# OUT (default dist/): stripped of symbols and debug information, which go to
# OUT/debug/NAME.debug, compressed, named in the executable's .gnu_debuglink and
# matched to it by its GNU build ID (OUT/BUILD-IDS). A crash report from a station —
# a backtrace with addresses, a core dump — is read against those files here:
#   addr2line -f -C -e dist/debug/commcastd.debug 0x1234      gdb dist/commcastd core
# Usage: scripts/package.sh [release|debug] [OUT] [--check]
#   --check: the stripped executables run, carry no symbols, and the debug files
#   resolve `main` to its source line (scripts/test.sh runs it on the debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=${1:-release}
out=${2:-dist}
check=${3:-}
if [[ "$configuration" == release ]]; then
    for product in commcastd commcast; do swift build -c release --product "$product" >/dev/null; done
fi
bin=.build/$configuration
mkdir -p "$out/debug"
: >"$out/BUILD-IDS"
for name in commcastd commcast; do
    objcopy --only-keep-debug --compress-debug-sections=zlib "$bin/$name" "$out/debug/$name.debug"
    # --strip-all keeps what the loader and the Swift runtime read (.dynsym, the
    # swift5_* metadata sections); it drops the symbol table and the DWARF.
    objcopy --strip-all --add-gnu-debuglink="$out/debug/$name.debug" "$bin/$name" "$out/$name.tmp"
    mv "$out/$name.tmp" "$out/$name"
    id=$(readelf -n "$out/$name" | awk '/Build ID/ {print $3}')
    echo "$name $id" >>"$out/BUILD-IDS"
    awk -v n="$name" -v s="$(stat -c %s "$out/$name")" -v u="$(stat -c %s "$bin/$name")" -v d="$(stat -c %s "$out/debug/$name.debug")" -v id="$id" \
        'BEGIN { printf "%-10s %6.1f MB shipped (%.1f MB unstripped), debug information %.1f MB apart, build ID %s\n", n, s / 1048576, u / 1048576, d / 1048576, id }'
done
[[ "$check" == --check ]] || exit 0
for name in commcastd commcast; do
    "$out/$name" --version >/dev/null || { echo "package: $out/$name does not run" >&2; exit 1; }
    if readelf -S "$out/$name" | grep -qE '\.symtab|\.debug_info'; then echo "package: $out/$name still has symbols" >&2; exit 1; fi
    [[ "$(readelf -n "$out/debug/$name.debug" 2>/dev/null | awk '/Build ID/ {print $3}')" == "$(awk -v n="$name" '$1 == n {print $2}' "$out/BUILD-IDS")" ]] ||
        { echo "package: $name.debug has another build ID" >&2; exit 1; }
    [[ "$(readelf --string-dump=.gnu_debuglink "$out/$name" | awk 'NR == 3 {print $3}')" == "$name.debug" ]] ||
        { echo "package: $out/$name does not name $name.debug" >&2; exit 1; }
    main=$(nm "$out/debug/$name.debug" | awk '$3 == "main" {print $1}')
    where=$(addr2line -e "$out/debug/$name.debug" "0x$main")
    [[ "$where" == *"/Sources/$name/"*".swift:"* ]] || { echo "package: main of $name resolves to '$where'" >&2; exit 1; }
    echo "package: $name checked: stripped, runs, main at ${where##*/Sources/}"
done
