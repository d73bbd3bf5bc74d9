import CommcastLink
import Testing

/// The station's jitter buffer for a phone's frames, on a clock the test holds
/// (µs): one slot every 20 ms, the jitter after the first frame; late frames dropped
/// so a stall does not add its length to the lag; a new connection placed anew.
@Suite("Uplink playout")
struct UplinkPlayoutTests {
    let ms: Int64 = 1000

    /// Runs the playout tick by tick (every 20 ms) up to `until`, returning each slot with its time.
    func play(_ p: inout UplinkPlayout, from: Int64, until: Int64) -> [(at: Int64, slot: UplinkPlayout.Slot)] {
        var slots: [(at: Int64, slot: UplinkPlayout.Slot)] = []
        for now in stride(from: from, through: until, by: Int64.Stride(20 * ms)) {
            for slot in p.due(now: now) { slots.append((now, slot)) }
        }
        return slots
    }

    @Test func steadyFramesPlayOnceEachAfterTheJitter() {
        var p = UplinkPlayout(jitterMilliseconds: 100)
        #expect(!p.started && p.due(now: 0).isEmpty, "nothing to play before the first frame")
        for i in 0..<10 {
            p.insert(sequence: 1000 + UInt32(i), captureMicroseconds: UInt64(i) * 20_000, payload: [UInt8(i)], now: Int64(i) * 20 * ms)
        }
        let slots = play(&p, from: 0, until: 400 * ms)
        #expect(slots.count == 16)
        #expect(slots.first?.at == 100 * ms, "the first frame plays the jitter after it arrived")
        let frames = slots.compactMap { if case .frame(let payload, let capture) = $0.slot { (payload, capture) } else { nil } }
        #expect(frames.map(\.0) == (0..<10).map { [UInt8($0)] })
        #expect(frames.map(\.1) == (0..<10).map { UInt64($0) * 20_000 }, "each frame keeps its capture time")
        #expect(p.played == 10 && p.late == 0 && p.concealed == 6, "after the phone stops, the slots are concealed")
    }

    @Test func aStallCostsItsWordsNotLagAfterIt() {
        var p = UplinkPlayout(jitterMilliseconds: 100)
        // 1 s of frames arrive on time, then nothing for 2 s, then the 2 s backlog at once, then on time again.
        for i in 0..<50 { p.insert(sequence: UInt32(i), captureMicroseconds: nil, payload: [1], now: Int64(i) * 20 * ms) }
        _ = play(&p, from: 0, until: 3000 * ms)
        for i in 50..<150 { p.insert(sequence: UInt32(i), captureMicroseconds: nil, payload: [2], now: 3000 * ms) }
        for i in 150..<200 { p.insert(sequence: UInt32(i), captureMicroseconds: nil, payload: [3], now: Int64(i) * 20 * ms) }
        let after = play(&p, from: 3020 * ms, until: 4200 * ms)
        // Frames captured after the stall play the same 100 ms after they came.
        let fresh = after.filter { if case .frame([3], _) = $0.slot { true } else { false } }
        #expect(fresh.count == 50)
        #expect(fresh.first?.at == 3100 * ms, "the lag after the stall is the jitter, not the stall's length: \(String(describing: fresh.first?.at))")
        #expect(p.late >= 95, "the frames of the stall came after their time and were dropped (\(p.late))")
    }

    @Test func aNewConnectionIsPlacedAnewOnTheSameTimeline() {
        var p = UplinkPlayout(jitterMilliseconds: 100)
        for i in 0..<25 { p.insert(sequence: 5000 + UInt32(i), captureMicroseconds: nil, payload: [1], now: Int64(i) * 20 * ms) }
        let before = play(&p, from: 0, until: 1000 * ms)
        // The page reloads: numbering starts again at 0, 2 s later.
        p.reconnected()
        for i in 0..<10 { p.insert(sequence: UInt32(i), captureMicroseconds: nil, payload: [2], now: 3000 * ms + Int64(i) * 20 * ms) }
        let after = play(&p, from: 1020 * ms, until: 3600 * ms)
        let slots = before + after
        let times = slots.map(\.at)
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 <= 20 * ms }, "one slot every 20 ms throughout: the clusters never starve")
        let second = after.filter { if case .frame([2], _) = $0.slot { true } else { false } }
        #expect(second.count == 10 && second.first?.at == 3100 * ms, "the new connection plays the jitter after it came")
        #expect(p.late == 0)
    }

    @Test func aPhoneCannotMakeTheStationHoldMinutes() {
        var p = UplinkPlayout(jitterMilliseconds: 100)
        p.insert(sequence: 0, captureMicroseconds: nil, payload: [1], now: 0)
        for i in 1...2000 { p.insert(sequence: UInt32(i), captureMicroseconds: nil, payload: [1], now: 0) }
        #expect(p.early == 2000 - Int(UplinkPlayout.maxAheadFrames), "frames beyond \(UplinkPlayout.maxAheadFrames) slots ahead are dropped")
    }
}
