#!/bin/sh
# commcast text-to-speech hook for an HTTP TTS service (docs/tts-hook.md).
#
# In commcastd.toml:
#   [tts]
#   command = ["/usr/local/lib/commcast/tts-http-hook.sh", "http://tts.example.vn:5002/api/tts"]
#   voice = "vi-north-female"      # whatever voice names the service knows
#
# The text arrives on stdin (UTF-8) and is POSTed as text/plain; the voice and rate
# go in the query string; the WAV the service answers with is written to the path
# commcastd gives in COMMCAST_TTS_OUTPUT. Any failure exits non-zero with a message
# on stderr, which commcastd puts in the operator's error.
set -eu

url=${1:?usage: tts-http-hook.sh URL}
: "${COMMCAST_TTS_OUTPUT:?run by commcastd, which sets COMMCAST_TTS_OUTPUT}"
voice=${COMMCAST_TTS_VOICE:-}
rate=${COMMCAST_TTS_RATE:-150}

# Voice names are URL-safe in practice; refuse the rest rather than mis-encode them.
case $voice$rate in
    *[!A-Za-z0-9._-]*) echo "tts-http-hook: voice '$voice' or rate '$rate' has characters this hook does not encode" >&2; exit 2 ;;
esac
case $url in
    *\?*) sep='&' ;;
    *) sep='?' ;;
esac

# --fail-with-body: an HTTP error exits 22 and shows the service's own message.
# commcastd enforces tts.timeout_seconds itself; --max-time is a second guard.
curl --silent --show-error --fail-with-body --max-time 300 \
     --header 'Content-Type: text/plain; charset=utf-8' \
     --header 'Accept: audio/wav' \
     --data-binary @- \
     --output "$COMMCAST_TTS_OUTPUT" \
     "${url}${sep}voice=${voice}&rate=${rate}" || {
    status=$?
    # With --fail-with-body the error body went to the output file: show it, keep no audio.
    if [ -s "$COMMCAST_TTS_OUTPUT" ]; then head -c 500 "$COMMCAST_TTS_OUTPUT" >&2; echo >&2; fi
    : > "$COMMCAST_TTS_OUTPUT"
    echo "tts-http-hook: request to $url failed (curl exit $status)" >&2
    exit "$status"
}
