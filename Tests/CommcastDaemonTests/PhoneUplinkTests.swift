import CommcastControlAPI
import CommcastLink
import Foundation
import Testing

@testable import CommcastDaemon

/// A phone's uplink on the station's side, the time in the test's hand: the wire
/// format, who feeds the broadcast, and when the broadcast must end.
@Suite("Phone uplink")
struct PhoneUplinkTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func uplink() -> PhoneUplink {
        PhoneUplink(liveID: "live-1", operatorName: "Hùng", settings: .init(jitterMilliseconds: 100, grace: .seconds(10)), now: Self.t0)
    }

    func opus(_ sequence: UInt32, frames: Int = 2, capture: UInt64? = nil) -> [UInt8] {
        PhoneUplinkMessage(
            format: .opus,
            frames: (0..<frames).map { .init(sequence: sequence + UInt32($0), captureMicroseconds: capture, payload: [0xF8, 0xFF, 0xFE]) }
        ).bytes
    }

    @Test func messagesRoundTripAndNameWhatIsWrong() throws {
        let capture: UInt64 = 1_800_000_000_000_000
        let message = try PhoneUplinkMessage(parsing: opus(7, frames: 3, capture: capture))
        #expect(message.format == .opus && message.frames.map(\.sequence) == [7, 8, 9])
        #expect(
            message.frames.map(\.captureMicroseconds) == [capture, capture + 20_000, capture + 40_000], "each frame is 20 ms after the one before")
        let pcm = PhoneUplinkMessage(
            format: .pcm16k, frames: [.init(sequence: 1, captureMicroseconds: nil, payload: Array(repeating: 0, count: 640))])
        #expect(try PhoneUplinkMessage(parsing: pcm.bytes) == pcm)

        func refusal(_ bytes: [UInt8]) -> String {
            do {
                _ = try PhoneUplinkMessage(parsing: bytes)
                return "accepted"
            } catch { return error.description }
        }
        #expect(refusal([1, 1, 0]) == "uplink: message: got 3 bytes, expected a 14-byte header and at least one frame")
        var wrong = opus(0)
        wrong[0] = 9
        #expect(refusal(wrong) == "uplink: format: got 9, expected 1 (Opus) or 2 (PCM 16 kHz)")
        wrong = opus(0)
        wrong[1] = 11
        #expect(refusal(wrong) == "uplink: frames: got 11, expected 1 to 10")
        #expect(refusal(Array(opus(0).dropLast())) == "uplink: frame 2: got 2 bytes, expected 3")
        #expect(refusal(opus(0) + [0]) == "uplink: message: 1 bytes after the last of its 2 frames")
        #expect(refusal(Array(pcm.bytes.dropLast(2))) == "uplink: frame 1: got 638 bytes, expected 640")
        var empty = PhoneUplinkMessage(format: .opus, frames: [.init(sequence: 0, captureMicroseconds: nil, payload: [])]).bytes
        #expect(refusal(empty) == "uplink: frame 1: length: got 0, expected 1 to 1275 bytes")
        empty[1] = 0
        #expect(refusal(Array(empty.prefix(14))) == "uplink: frames: got 0, expected 1 to 10")
    }

    @Test func onlyTheNewestConnectionFeedsTheBroadcast() throws {
        let u = uplink()
        let first = try #require(u.opened(now: Self.t0))
        try u.receive(opus(0), from: first, now: Self.t0)
        let second = try #require(u.opened(now: Self.t0.addingTimeInterval(1)))
        #expect(!u.isCurrent(first) && u.isCurrent(second))
        try u.receive(opus(100), from: first, now: Self.t0.addingTimeInterval(1))
        #expect(u.counts.bytes == PhoneUplink.webSocketFrameBytes(payload: opus(0).count), "the older connection's frames are ignored")
        #expect(u.counts.reconnects == 1 && u.counts.format == "opus")
        u.closed(first)
        #expect(u.isCurrent(second), "the older connection closing does not stop the newer one")
    }

    @Test func theBroadcastEndsOnlyPastTheGrace() throws {
        let u = uplink()
        #expect(u.endReason(now: Self.t0.addingTimeInterval(9)) == nil)
        #expect(u.endReason(now: Self.t0.addingTimeInterval(11)) == "the phone did not connect within 10 s")
        let c = try #require(u.opened(now: Self.t0.addingTimeInterval(5)))
        try u.receive(opus(0), from: c, now: Self.t0.addingTimeInterval(6))
        u.closed(c)
        #expect(u.endReason(now: Self.t0.addingTimeInterval(15)) == nil, "within the grace of its last frame")
        #expect(u.endReason(now: Self.t0.addingTimeInterval(16.5)) == "the phone's connection was lost for more than 10 s")
        // Open but bringing nothing (a 4G connection left half-open) is as lost.
        let d = try #require(u.opened(now: Self.t0.addingTimeInterval(16)))
        #expect(u.isCurrent(d))
        #expect(u.endReason(now: Self.t0.addingTimeInterval(27)) == "no audio from the phone for more than 10 s")
        u.finish()
        #expect(u.opened(now: Self.t0.addingTimeInterval(28)) == nil, "an ended broadcast takes no connection")
    }

    @Test func slotsBecomeTwentyMillisecondsOfAudio() throws {
        var decoder = UplinkDecoder()
        let tone = (0..<320).map { Int16(10_000 * sin(2 * Double.pi * 1000 * Double($0) / 16_000)) }
        let payload =
            [PhoneUplinkMessage.Format.pcm16k.rawValue] + tone.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
        var total = 0
        for _ in 0..<10 { total += decoder.samples(for: .frame(payload: payload, captureMicroseconds: nil)).0.count }
        // libsoxr holds back its filter's delay at the start; over ten frames the count is 48 kHz's.
        #expect(total > 8_500 && total <= 9_600, "\(total)")
        let concealed = (0..<10).flatMap { _ in decoder.samples(for: .conceal).0 }
        #expect(concealed.count > 8_500 && concealed.count <= 9_800, "missed PCM slots go on at 48 kHz (\(concealed.count))")
        #expect(concealed.suffix(4800).allSatisfy { abs($0) < 50 }, "and are silence once the filter has let the tone out")
        var silent = UplinkDecoder()
        #expect(silent.samples(for: .conceal).0 == UplinkDecoder.silence, "nothing heard yet: 20 ms of silence")
    }
}
