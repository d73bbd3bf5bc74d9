import CommcastAudio
import CommcastCore
import Foundation
import Logging
import TestSupport
import Testing

@Suite("Text-to-speech hook")
struct TextToSpeechHookTests {
    let logger = Logger(label: "test")

    func hook(_ command: [String], timeout: Duration = .seconds(60), cache: URL? = nil, maxCharacters: Int = 20_000) -> TextToSpeechHook {
        TextToSpeechHook(configuration: .init(command: command, timeout: timeout, maxCharacters: maxCharacters, cacheDirectory: cache))
    }

    @Test func defaultEspeakHookSpeaksVietnameseIntoTheIngestPipeline() throws {
        let text = VietnameseTextNormalizer().normalize("UBND xã thông báo lịch tiêm chủng lúc 7h30 ngày 24/11/2026.")
        let wav = try TextToSpeechHook(configuration: .init()).synthesize(text, logger: logger)
        let result = try IngestPipeline().ingest(data: wav)
        #expect(result.duration > 3, "speech of a full sentence, got \(result.duration) s")
        #expect(try OggOpusDecoder.decode(result.oggOpus).frameCount > 0)
    }

    @Test func hookMayWriteToStdoutAndReadsItsEnvironment() throws {
        let script =
            #"test "$COMMCAST_TTS_VOICE" = vi-vn-x-south && test -w "$COMMCAST_TTS_OUTPUT" && espeak-ng -v "$COMMCAST_TTS_VOICE" -s "$COMMCAST_TTS_RATE" --stdin --stdout"#
        let wav = try hook(["sh", "-c", script]).synthesize("xin chào", logger: logger)
        #expect(WAVFile.looksLikeWAV(wav))
    }

    @Test func failureCarriesTheHooksStderr() {
        #expect(throws: TextToSpeechHook.Failure.failed(status: 3, stderr: "voice server unreachable\n")) {
            try hook(["sh", "-c", "cat >/dev/null; echo 'voice server unreachable' >&2; exit 3"]).synthesize("a", logger: logger)
        }
    }

    @Test func aHookThatHangsIsKilledAtTheTimeout() {
        let started = ContinuousClock.now
        do {
            _ = try hook(["sh", "-c", "sleep 60"], timeout: .seconds(1)).synthesize("a", logger: logger)
            Issue.record("a hanging hook returned")
        } catch {
            guard case .timedOut = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(error.description.contains("tts.timeout_seconds"))
        }
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func outputThatIsNotWAVIsRefused() {
        #expect(throws: TextToSpeechHook.Failure.noAudio(stderr: "")) {
            try hook(["sh", "-c", "cat >/dev/null; echo not audio"]).synthesize("a", logger: logger)
        }
    }

    @Test func missingCommandIsNamed() {
        #expect(throws: TextToSpeechHook.Failure.notFound(command: "no-such-tts")) {
            try hook(["no-such-tts"]).synthesize("a", logger: logger)
        }
    }

    @Test func emptyAndOverlongTextsAreRefusedBeforeRunningAnything() {
        #expect(throws: TextToSpeechHook.Failure.emptyText) { try hook(["false"]).synthesize("  \n", logger: logger) }
        #expect(throws: TextToSpeechHook.Failure.textTooLong(characters: 11, limit: 10)) {
            try hook(["false"], maxCharacters: 10).synthesize("mười một ký", logger: logger)
        }
    }

    @Test func cacheAvoidsRunningTheHookTwice() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let counter = dir.file("runs")
        let h = hook(["sh", "-c", "echo run >> \(counter.path); espeak-ng -v vi --stdin --stdout"], cache: dir.file("cache"))
        let a = try h.synthesize("bản tin", logger: logger)
        let b = try h.synthesize("bản tin", logger: logger)
        _ = try h.synthesize("bản tin khác", logger: logger)
        #expect(a == b)
        #expect(try String(contentsOf: counter, encoding: .utf8).split(separator: "\n").count == 2)
        #expect(h.cacheKey(for: "x") != hook(["other"]).cacheKey(for: "x"), "the key covers the command")
    }
}
