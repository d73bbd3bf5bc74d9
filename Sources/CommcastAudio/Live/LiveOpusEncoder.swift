import COpus

/// Encodes live 48 kHz mono s16 audio into 20 ms Opus packets, once for every
/// cluster and stream listener (docs/protocol.md, "Live audio frames").
///
/// Voice mode with in-band FEC and a 10 % loss hint: a 4G link that drops one
/// packet lets the decoder rebuild it from the next.
public final class LiveOpusEncoder {
    public static let sampleRate = 48_000
    public static let frameSamples = 960

    private let encoder: OpaquePointer
    private var pending: [Int16] = []
    private var output = [UInt8](repeating: 0, count: 1500)

    public init(bitrate: Int = 32_000) throws(IngestError) {
        var error: Int32 = 0
        guard let e = opus_encoder_create(Int32(Self.sampleRate), 1, OPUS_APPLICATION_VOIP, &error), error == OPUS_OK else {
            throw .encoderFailed("opus_encoder_create: \(String(cString: opus_strerror(error)))")
        }
        encoder = e
        _ = commcast_opus_set_bitrate(e, Int32(bitrate))
        _ = commcast_opus_set_signal_voice(e)
        _ = commcast_opus_set_inband_fec(e, 1)
        _ = commcast_opus_set_packet_loss_perc(e, 10)
        _ = commcast_opus_set_complexity(e, 5)
        pending.reserveCapacity(Self.frameSamples * 4)
    }

    deinit { opus_encoder_destroy(encoder) }

    /// Samples waiting for a whole 20 ms frame.
    public var pendingSamples: Int { pending.count }

    /// Adds samples; returns a packet for every whole 20 ms frame now available.
    public func encode(_ samples: some Collection<Int16>) throws(IngestError) -> [[UInt8]] {
        pending.append(contentsOf: samples)
        var packets: [[UInt8]] = []
        var start = 0
        while pending.count - start >= Self.frameSamples {
            let bytes = pending.withUnsafeBufferPointer { pcm in
                output.withUnsafeMutableBufferPointer { out in
                    opus_encode(encoder, pcm.baseAddress! + start, Int32(Self.frameSamples), out.baseAddress!, Int32(out.count))
                }
            }
            guard bytes > 0 else { throw .encoderFailed("opus_encode: \(String(cString: opus_strerror(bytes)))") }
            packets.append(Array(output[0..<Int(bytes)]))
            start += Self.frameSamples
        }
        pending.removeFirst(start)
        return packets
    }
}

/// Decodes 20 ms Opus packets back to s16 samples: the simulator checks what it plays.
public final class OpusPacketDecoder {
    private let decoder: OpaquePointer
    private var output = [Int16](repeating: 0, count: 5760)

    public init() throws(IngestError) {
        var error: Int32 = 0
        guard let d = opus_decoder_create(48_000, 1, &error), error == OPUS_OK else {
            throw .encoderFailed("opus_decoder_create: \(String(cString: opus_strerror(error)))")
        }
        decoder = d
    }

    deinit { opus_decoder_destroy(decoder) }

    /// Decodes one packet; nil conceals a lost one (packet-loss concealment).
    public func decode(_ packet: [UInt8]?) throws(IngestError) -> [Int16] {
        let samples: Int32
        if let packet {
            samples = packet.withUnsafeBufferPointer { p in
                output.withUnsafeMutableBufferPointer { o in opus_decode(decoder, p.baseAddress, Int32(p.count), o.baseAddress!, 960, 0) }
            }
        } else {
            samples = output.withUnsafeMutableBufferPointer { o in opus_decode(decoder, nil, 0, o.baseAddress!, 960, 0) }
        }
        guard samples >= 0 else { throw .encoderFailed("opus_decode: \(String(cString: opus_strerror(samples)))") }
        return Array(output[0..<Int(samples)])
    }
}
