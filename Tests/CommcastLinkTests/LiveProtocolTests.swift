import CommcastCore
import CommcastLink
import Testing

@Suite("Live protocol")
struct LiveProtocolTests {
    @Test func frameRoundTripsAndNamesWhatIsWrong() throws {
        let frame = LiveFrame(stream: 0xA1B2_C3D4, sequence: 70_000, captureMicroseconds: 1_795_000_000_123_456, packet: [0xF8, 1, 2, 3])
        let bytes = frame.bytes
        #expect(bytes.count == LiveFrame.headerSize + 4)
        #expect(Array(bytes[4..<8]) == [0xA1, 0xB2, 0xC3, 0xD4], "stream is big-endian")
        #expect(try LiveFrame(parsing: bytes) == frame)

        #expect(throws: ErrorMessage(code: "malformed", message: "live frame: got 20 bytes, expected a 20-byte header and an Opus packet")) {
            try LiveFrame(parsing: Array(bytes.prefix(20)))
        }
        var wrongVersion = bytes
        wrongVersion[0] = 2
        #expect(throws: ErrorMessage(code: "malformed", message: "live frame: version: got 2, expected 1")) { try LiveFrame(parsing: wrongVersion) }
        let huge = LiveFrame(stream: 1, sequence: 1, captureMicroseconds: 1, packet: Array(repeating: 0, count: 1276)).bytes
        #expect(throws: ErrorMessage.self) { try LiveFrame(parsing: huge) }
    }

    @Test func liveMessagesDecode() throws {
        let start = LiveStartMessage(liveID: "live-1", stream: 7, level: .emergency, jitterMS: 120, nextSequence: 42, volume: 100)
        guard case .liveStart(let decoded) = try LinkCodec.decodeServerMessage(LinkCodec.encode(start)) else {
            Issue.record("not a live_start")
            return
        }
        #expect(decoded == start)
        #expect(LinkCodec.encode(start).contains("\"jitter_ms\":120"))
        let stop = LiveStopMessage(liveID: "live-1", reason: "end of source", endSequence: 300)
        guard case .liveStop(let s) = try LinkCodec.decodeServerMessage(LinkCodec.encode(stop)) else {
            Issue.record("not a live_stop")
            return
        }
        #expect(s == stop)
    }

    @Test func levelsRankAndPreempt() {
        #expect(LiveLevel.relay < .priority && LiveLevel.priority < .emergency)
        #expect(BulletinLevel.allCases.allSatisfy { LiveLevel.emergency.interrupts(airingLevel: $0) })
        #expect(LiveLevel.priority.interrupts(airingLevel: .normal))
        #expect(LiveLevel.priority.interrupts(airingLevel: .priority))
        #expect(!LiveLevel.priority.interrupts(airingLevel: .emergency))
        #expect(!BulletinLevel.allCases.contains { LiveLevel.relay.interrupts(airingLevel: $0) })
    }
}

@Suite("Jitter buffer")
struct JitterBufferTests {
    /// Frames arriving out of step but within the jitter play in order, on time.
    @Test func reordersWithinTheJitter() {
        var buffer = JitterBuffer(jitterMilliseconds: 60)
        buffer.insert(sequence: 10, packet: [10], now: 1_000_000)
        #expect(buffer.playTime(of: 10) == 1_060_000)
        buffer.insert(sequence: 12, packet: [12], now: 1_030_000)
        buffer.insert(sequence: 11, packet: [11], now: 1_035_000)
        #expect(buffer.due(now: 1_059_999).isEmpty)
        #expect(
            buffer.due(now: 1_100_000) == [.play(sequence: 10, packet: [10]), .play(sequence: 11, packet: [11]), .play(sequence: 12, packet: [12])])
        #expect(buffer.lost == 0 && buffer.late == 0 && buffer.played == 3)
    }

    /// A missing frame is concealed at its time; if it comes after, it counts as late, not lost.
    @Test func concealsMissingAndCountsLate() {
        var buffer = JitterBuffer(jitterMilliseconds: 40)
        buffer.insert(sequence: 0, packet: [0], now: 0)
        buffer.insert(sequence: 2, packet: [2], now: 41_000)
        #expect(buffer.due(now: 80_000) == [.play(sequence: 0, packet: [0]), .conceal(sequence: 1), .play(sequence: 2, packet: [2])])
        #expect(buffer.lost == 1)
        buffer.insert(sequence: 1, packet: [1], now: 81_000)
        #expect(buffer.late == 1 && buffer.lost == 0)
        buffer.insert(sequence: 3, packet: [3], now: 82_000)
        buffer.insert(sequence: 3, packet: [3], now: 83_000)
        #expect(buffer.duplicates == 1)
    }

    /// At the end of a broadcast the cluster plays out what it holds at once.
    @Test func drainsToTheEnd() {
        var buffer = JitterBuffer(jitterMilliseconds: 500)
        for s in UInt32(0)..<5 where s != 3 { buffer.insert(sequence: s, packet: [UInt8(s)], now: 0) }
        let slots = buffer.drain(until: 5)
        #expect(slots.count == 5)
        #expect(slots[3] == .conceal(sequence: 3))
        #expect(buffer.played == 4 && buffer.lost == 1)
        #expect(buffer.drain(until: 5).isEmpty)
    }

    @Test func sequenceNumbersWrap() {
        var buffer = JitterBuffer(jitterMilliseconds: 20)
        buffer.insert(sequence: .max, packet: [1], now: 0)
        buffer.insert(sequence: 0, packet: [2], now: 1_000)
        #expect(buffer.due(now: 40_000) == [.play(sequence: .max, packet: [1]), .play(sequence: 0, packet: [2])])
    }
}
