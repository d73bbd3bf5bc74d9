import CommcastAudio
import CommcastCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import TestSupport
import Testing

/// The example hook in docs/examples/tts-http-hook.sh against a real HTTP server in
/// this process, standing in for a province's TTS service.
@Suite("HTTP text-to-speech hook example")
struct HTTPTextToSpeechHookTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/examples/tts-http-hook.sh").path

    /// What the service received.
    struct Seen: Sendable, Equatable {
        var text: String
        var voice: String?
        var rate: String?
        var contentType: String?
    }

    /// Requests the service received, shared with its handler.
    final class Requests: @unchecked Sendable {
        private let lock = NSLock()
        private var seen: [Seen] = []
        func append(_ s: Seen) { lock.withLock { seen.append(s) } }
        var all: [Seen] { lock.withLock { seen } }
    }

    /// Runs a TTS service on 127.0.0.1 for the duration of `body`.
    static func withService(_ body: @Sendable (Int, Requests) async throws -> Void) async throws {
        let seen = Requests()
        let wav = WAVWriter.make(channels: [TestSignals.speechLike(seconds: 1.5, sampleRate: 22_050)], sampleRate: 22_050, format: .pcm16)
        let router = Router()
        router.post("api/tts") { request, _ -> Response in
            let text = String(buffer: try await request.body.collect(upTo: 1 << 20))
            let q = request.uri.queryParameters
            seen.append(Seen(text: text, voice: q.get("voice"), rate: q.get("rate"), contentType: request.headers[.contentType]))
            if q.get("voice") == "not-loaded" {
                return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "voice model not-loaded is still loading")))
            }
            return Response(status: .ok, headers: [.contentType: "audio/wav"], body: .init(byteBuffer: ByteBuffer(bytes: wav)))
        }
        let port = PortBox()
        let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                port.set(channel.localAddress?.port)
                readyContinuation.yield()
            }, logger: Logger(label: "tts-service"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            for await _ in ready { break }
            let p = try #require(port.value)
            try await body(p, seen)
            group.cancelAll()
        }
    }

    final class PortBox: @unchecked Sendable {
        private let lock = NSLock()
        private var port: Int?
        func set(_ p: Int?) { lock.withLock { port = p } }
        var value: Int? { lock.withLock { port } }
    }

    func hook(_ url: String, voice: String = "vi-south-female") -> TextToSpeechHook {
        TextToSpeechHook(configuration: .init(command: [Self.script, url], voice: voice, rate: 160, timeout: .seconds(30)))
    }

    @Test(.enabled(if: ExternalTools.which("curl") != nil, "needs curl"))
    func sendsTextVoiceAndRateAndReturnsTheWAV() async throws {
        try await Self.withService { port, seen in
            let text = "Ủy ban nhân dân xã thông báo: bảy giờ ba mươi sáng mai tiêm chủng & khám sức khỏe?"
            // The hook blocks while curl runs: off the cooperative pool the in-process server needs.
            let wav = try await ExternalTools.offCooperativePool {
                try hook("http://127.0.0.1:\(port)/api/tts").synthesize(text, logger: Logger(label: "test"))
            }
            let result = try IngestPipeline().ingest(data: wav)
            #expect(abs(result.duration - 1.5) < 0.05)
            #expect(seen.all == [Seen(text: text, voice: "vi-south-female", rate: "160", contentType: "text/plain; charset=utf-8")])
        }
    }

    @Test(.enabled(if: ExternalTools.which("curl") != nil, "needs curl"))
    func theServicesErrorReachesTheOperator() async throws {
        try await Self.withService { port, _ in
            do {
                _ = try await ExternalTools.offCooperativePool {
                    try hook("http://127.0.0.1:\(port)/api/tts", voice: "not-loaded").synthesize("xin chào", logger: Logger(label: "test"))
                }
                Issue.record("a 503 produced audio")
            } catch let error as TextToSpeechHook.Failure {
                guard case .failed(let status, let stderr) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(status == 22, "curl's exit for an HTTP error")
                #expect(stderr.contains("voice model not-loaded is still loading"), "\(stderr)")
                #expect(error.description.contains("503"), "\(error.description)")
            }
        }
    }

    @Test(.enabled(if: ExternalTools.which("curl") != nil, "needs curl"))
    func anUnreachableServiceIsNamed() throws {
        // Port 9 (discard) on loopback: nothing listens there on a test machine.
        do {
            _ = try hook("http://127.0.0.1:9/api/tts").synthesize("xin chào", logger: Logger(label: "test"))
            Issue.record("no service, yet audio")
        } catch {
            guard case .failed(let status, let stderr) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(status == 7, "curl: failed to connect")
            #expect(stderr.contains("127.0.0.1:9"), "\(stderr)")
        }
    }
}
