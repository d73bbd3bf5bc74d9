import CommcastAudio
import CommcastControlAPI
import CommcastLink
import Foundation
import Logging
import ServiceLifecycle

/// Plays each phone-fed broadcast into the air (docs/live.md, "From a phone"):
/// every 20 ms on the station's clock, the uplink's due slots are decoded (Opus
/// from WebCodecs, or the 16 kHz PCM fallback brought to 48 kHz) and fed to the
/// broadcast; a slot the phone missed is concealed, so the clusters get one frame
/// every 20 ms. Ends the broadcast when the phone is gone past the grace.
struct PhoneUplinkService: Service {
    let uplinks: PhoneUplinks
    let onAir: OnAir
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for await uplink in uplinks.started {
                    group.addTask { await pace(uplink) }
                }
            }
        }
    }

    /// Feeds `uplink`'s broadcast until it ends.
    func pace(_ uplink: PhoneUplink) async {
        defer { uplinks.end(uplink) }
        let clock = ContinuousClock()
        var tick = clock.now
        var decoder = UplinkDecoder()
        while !Task.isCancelled, onAir.isRunning(uplink.liveID) {
            tick += .milliseconds(20)
            try? await Task.sleep(until: tick, clock: clock)
            let now = Date()
            if let reason = uplink.endReason(now: now) {
                onAir.end(uplink.liveID, reason: reason, actor: OnAir.station)
                logger.notice("phone broadcast ended", metadata: ["live_id": "\(uplink.liveID)", "reason": "\(reason)"])
                return
            }
            // The uplink decides when the broadcast is silent, not the watchdog.
            onAir.broadcaster.touch(uplink.liveID, now: now)
            for slot in uplink.due(now: now) {
                let (samples, captured) = decoder.samples(for: slot)
                guard (try? onAir.feed(uplink.liveID, samples: samples, capturedAt: captured)) == true else { return }
            }
        }
    }
}

/// Turns the uplink's slots into 48 kHz samples: Opus decoded by libopus (its
/// concealment for a missed slot), PCM brought from 16 kHz by libsoxr.
struct UplinkDecoder {
    private var opus: OpusPacketDecoder?
    private var resampler: Resampler?
    private var lastFormat: PhoneUplinkMessage.Format?
    /// Slots concealed in a row: Opus conceals the first few, then it is silence.
    private var concealedInARow = 0

    static let silence = [Int16](repeating: 0, count: LiveOpusEncoder.frameSamples)

    mutating func samples(for slot: UplinkPlayout.Slot) -> ([Int16], Date?) {
        switch slot {
        case .frame(let payload, let capture):
            concealedInARow = 0
            let captured = capture.map { Date(timeIntervalSince1970: Double($0) / 1_000_000) }
            guard let first = payload.first, let format = PhoneUplinkMessage.Format(rawValue: first) else { return (Self.silence, captured) }
            lastFormat = format
            let body = payload.dropFirst()
            switch format {
            case .opus:
                if opus == nil { opus = try? OpusPacketDecoder() }
                return ((try? opus?.decode(Array(body))) ?? Self.silence, captured)
            case .pcm16k:
                let floats = stride(from: body.startIndex, to: body.endIndex - 1, by: 2).map { i in
                    Float(Int16(bitPattern: UInt16(body[i]) | UInt16(body[i + 1]) << 8)) / 32768
                }
                return (upsample(floats), captured)
            }
        case .conceal:
            concealedInARow += 1
            if lastFormat == .opus, concealedInARow <= 5, let concealed = try? opus?.decode(nil) { return (concealed, nil) }
            if lastFormat == .pcm16k { return (upsample([Float](repeating: 0, count: 320)), nil) }
            return (Self.silence, nil)
        }
    }

    private mutating func upsample(_ floats: [Float]) -> [Int16] {
        if resampler == nil { resampler = try? Resampler(inputRate: 16_000, outputRate: 48_000) }
        let out = (try? resampler?.process(floats)) ?? []
        return out.map { Int16(max(-32768, min(32767, ($0 * 32768).rounded()))) }
    }
}
