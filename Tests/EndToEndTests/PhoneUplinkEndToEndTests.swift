import AsyncHTTPClient
import CommcastControlAPI
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOWebSocket
import TestSupport
import Testing

/// The phone's side of a live broadcast over the real daemon's console: who may
/// open the uplink, what it answers, what a bad message costs (that connection
/// only), a reconnect within the grace period, and the end past it.
/// (scripts/live_browser_test.py does the same from a real browser, with audio.)
@Suite("Live from a phone end to end", .serialized)
struct PhoneUplinkEndToEndTests {
    typealias Browser = WebConsoleEndToEndTests.Browser
    static let rescuePassword = "báo động lũ quét 2026"

    /// `frames` 20 ms PCM frames of a 1 kHz tone from `first`, two per message.
    static func toneMessages(first: UInt32, frames: Int) -> [[UInt8]] {
        stride(from: 0, to: frames, by: 2).map { start in
            let message = (start..<min(frames, start + 2)).map { i in
                let samples = (0..<320).map { n in Int16(8000 * sin(2 * Double.pi * 1000 * Double(i * 320 + n) / 16_000)) }
                return PhoneUplinkMessage.Frame(
                    sequence: first + UInt32(i), captureMicroseconds: nil,
                    payload: samples.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] })
            }
            return PhoneUplinkMessage(format: .pcm16k, frames: message).bytes
        }
    }

    static func decode(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test(.timeLimit(.minutes(3)))
    func uplinkDoorGraceAndEnd() async throws {
        // The grace is a matter of seconds: never beside the simulators (ExclusiveTests).
        try await ExclusiveTests.cpuHeavy.exclusive { try await uplinkDoorGraceAndEndBody() }
    }

    func uplinkDoorGraceAndEndBody() async throws {
        let (station, address) = try WebConsoleEndToEndTests().station(extra: "[live]\nreconnect_grace_seconds = 10\n")
        defer { station.stop() }
        let set = try station.commcast(["operator", "passwd", "Ban chỉ huy"], stdin: Data("\(Self.rescuePassword)\n".utf8))
        #expect(set.status == 0, "\(set.stderr)")
        let rescue = Browser(address)
        #expect(try await rescue.login("Ban chỉ huy", Self.rescuePassword).status == 200)
        let lan = Browser(address)
        #expect(try await lan.login("Lan", WebConsoleEndToEndTests.lanPassword).status == 200)

        let start: [String: Any] = ["level": "emergency", "zones": [], "clusters": [], "source": "phone", "title": "Lũ quét"]
        let refused = try await lan.request(.POST, "/v1/live", json: start)
        #expect(refused.status == 403 && refused.body.contains("emergency role"), "\(refused.body)")
        let started = try await rescue.request(.POST, "/v1/live", json: start)
        #expect(started.status == 201, "\(started.body)")
        let liveID = try #require(started.json?["live_id"] as? String)
        let uplink = "/v1/live/\(liveID)/uplink"

        // The door: a plain GET meets the same checks as the upgrade, and says which failed.
        let noToken = try await rescue.request(.GET, uplink)
        #expect(noToken.status == 403 && noToken.json?["code"] as? String == "csrf", "\(noToken.body)")
        let query = "?csrf=\(rescue.csrf ?? "")"
        let otherSite = try await rescue.request(.GET, uplink + query, headers: [("Origin", "https://evil.example")])
        #expect(otherSite.status == 403 && otherSite.json?["code"] as? String == "origin", "\(otherSite.body)")
        let notHers = try await lan.request(.GET, uplink + "?csrf=\(lan.csrf ?? "")")
        #expect(notHers.status == 403 && notHers.body.contains("started by Ban chỉ huy"), "\(notHers.body)")
        let notASocket = try await rescue.request(.GET, uplink + query, headers: [("Origin", "http://\(address)")])
        #expect(notASocket.status == 426, "\(notASocket.body)")
        let nothing = try await rescue.request(.GET, "/v1/live/live-00000000/uplink" + query)
        #expect(nothing.status == 404, "\(nothing.body)")

        // A real WebSocket: the clock, frames that play, a status; then a malformed
        // message closes this connection and nothing else.
        let url = "ws://\(address)\(uplink)\(query)"
        let headers: HTTPFields = [.cookie: rescue.cookie ?? ""]
        let seen = NIOLockedValueBox<(clock: Double?, played: Int, reconnects: Int)>((nil, 0, 0))
        let closed = try await WebSocketClient.connect(
            url: url, configuration: .init(additionalHeaders: headers), logger: Logger(label: "e2e-phone")
        ) { inbound, outbound, _ in
            let asked = (Date().timeIntervalSince1970 * 1000).rounded()
            try await outbound.writeTextMessage(#"{"type":"clock","sent":\#(asked)}"#)
            for message in Self.toneMessages(first: 0, frames: 100) { try await outbound.writeBinaryMessage(ByteBuffer(bytes: message)) }
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message else { continue }
                let notice = try Self.decode(text)
                if notice["type"] as? String == "clock" {
                    seen.withLockedValue { $0.clock = notice["station"] as? Double }
                    #expect(notice["sent"] as? Double == asked)
                } else if notice["type"] as? String == "status", let counts = notice["uplink"] as? [String: Any] {
                    let played = counts["played"] as? Int ?? 0
                    seen.withLockedValue { $0.played = played }
                    if played > 0 { #expect(counts["format"] as? String == "pcm16k") }
                    if played >= 20 { try await outbound.writeBinaryMessage(ByteBuffer(bytes: [9, 1, 0, 0])) }
                }
            }
        }
        let first = seen.withLockedValue { $0 }
        #expect(abs((first.clock ?? 0) - Date().timeIntervalSince1970 * 1000) < 5_000, "the station answers with its clock")
        #expect(first.played >= 20, "the station plays the phone's frames (\(first.played))")
        #expect(closed?.closeCode == .dataInconsistentWithMessage, "a malformed message closes the connection (\(String(describing: closed)))")
        let onAir = try await rescue.request(.GET, "/v1/live")
        #expect(onAir.json?["ended_at"] == nil, "the broadcast goes on through a bad message: \(onAir.body)")

        // Back within the grace: the same broadcast, counted as a reconnect.
        _ = try await WebSocketClient.connect(url: url, configuration: .init(additionalHeaders: headers), logger: Logger(label: "e2e-phone")) {
            inbound, outbound, _ in
            for message in Self.toneMessages(first: 5000, frames: 20) { try await outbound.writeBinaryMessage(ByteBuffer(bytes: message)) }
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message, let counts = try Self.decode(text)["uplink"] as? [String: Any] else { continue }
                seen.withLockedValue { $0.reconnects = counts["reconnects"] as? Int ?? 0 }
                try await outbound.close(.normalClosure, reason: nil)
            }
        }
        #expect(seen.withLockedValue { $0.reconnects } == 1)

        // A session that ends (logged out elsewhere) stops feeding: the connection closes.
        let second = Browser(address)
        #expect(try await second.login("Ban chỉ huy", Self.rescuePassword).status == 200)
        let loggedOut = try await WebSocketClient.connect(
            url: "ws://\(address)\(uplink)?csrf=\(second.csrf ?? "")", configuration: .init(additionalHeaders: [.cookie: second.cookie ?? ""]),
            logger: Logger(label: "e2e-phone")
        ) { inbound, outbound, _ in
            for message in Self.toneMessages(first: 9000, frames: 10) { try await outbound.writeBinaryMessage(ByteBuffer(bytes: message)) }
            var first = true
            for try await _ in inbound.messages(maxSize: 1 << 20) where first {
                first = false
                #expect(try await second.request(.DELETE, "/v1/session").status == 204)
            }
        }
        #expect(loggedOut?.closeCode == .policyViolation, "\(String(describing: loggedOut))")

        // Gone past the grace (10 s: long enough for a loaded CI machine between the
        // connections above): the station ends it, with the reason, in the audit too.
        var ended: [String: Any]?
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let live = try await rescue.request(.GET, "/v1/live")
            if live.json?["ended_at"] != nil {
                ended = live.json
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(ended?["end_reason"] as? String == "the phone's connection was lost for more than 10 s", "\(String(describing: ended))")
        let audit = try #require(try station.json(["audit", "--limit", "20"]) as? [[String: Any]])
        let stopped = audit.first { $0["action"] as? String == "live_stopped" }
        #expect((stopped?["details"] as? [String: String])?["reason"] == "the phone's connection was lost for more than 10 s", "\(audit)")
        let gone = try await rescue.request(.GET, uplink + query)
        #expect(gone.status == 404, "an ended broadcast takes no more audio: \(gone.body)")
    }
}
