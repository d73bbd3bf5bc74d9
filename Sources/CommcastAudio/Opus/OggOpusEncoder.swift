import COpusEnc
import CommcastCore
import Foundation

/// Encodes 48 kHz mono float audio into an Ogg Opus file (RFC 7845), in memory
/// or straight to a file.
///
/// libopusenc does the Ogg framing: pre-skip, granule positions, end trimming and
/// the OpusHead/OpusTags headers, exactly as `opusenc` writes them, so there is no
/// hand-written muxer to get wrong.
public final class OggOpusEncoder {
    /// Collects the bytes libopusenc writes through its callback.
    private final class Sink {
        var data = Data()
        /// Where the bytes go instead of `data`, when writing to a file.
        var file: FileHandle?
        /// Why the file could not be written, reported by the next call.
        var failure: String?

        func write(_ bytes: UnsafePointer<UInt8>, count: Int) -> Int32 {
            guard let file else {
                data.append(bytes, count: count)
                return 0
            }
            do {
                try file.write(contentsOf: UnsafeBufferPointer(start: bytes, count: count))
                return 0
            } catch {
                failure = "cannot write the encoded file: \((error as NSError).localizedDescription)"
                return 1
            }
        }
    }

    private let encoder: OpaquePointer
    private let sink: Sink
    private let sinkRef: Unmanaged<Sink>
    private var finished = false

    /// Metadata written into OpusTags.
    public struct Metadata: Sendable {
        /// `TITLE` tag.
        public var title: String?
        /// `COMMCAST_LEVEL` tag.
        public var level: BulletinLevel?

        public init(title: String? = nil, level: BulletinLevel? = nil) {
            self.title = title
            self.level = level
        }
    }

    /// Creates an encoder with the station's settings.
    ///
    /// - Parameters:
    ///   - serialNumber: the Ogg stream serial. Fixed by default so that the same
    ///     input always yields the same bytes, and so the same content address.
    ///   - file: where to write the Ogg pages as they come; nil keeps them in memory
    ///     for `finish()`.
    public init(
        settings: EncoderSettings, metadata: Metadata = .init(), serialNumber: Int32 = 0x636D_6374, file: FileHandle? = nil
    ) throws(IngestError) {
        let problems = settings.validate()
        guard problems.isEmpty else { throw .invalidSettings(problems) }

        guard let comments = ope_comments_create() else { throw .encoderFailed("cannot allocate OpusTags") }
        defer { ope_comments_destroy(comments) }
        ope_comments_add(comments, "ENCODER", "commcast \(CommcastVersion.current)")
        if let title = metadata.title, !title.isEmpty { ope_comments_add(comments, "TITLE", title) }
        if let level = metadata.level { ope_comments_add(comments, "COMMCAST_LEVEL", level.rawValue) }

        let sink = Sink()
        sink.file = file
        let ref = Unmanaged.passRetained(sink)
        var callbacks = OpusEncCallbacks(
            write: { user, ptr, len in
                guard let user, let ptr else { return 1 }
                return Unmanaged<Sink>.fromOpaque(user).takeUnretainedValue().write(ptr, count: Int(len))
            },
            close: { _ in 0 }
        )
        var error: Int32 = 0
        guard
            let enc = ope_encoder_create_callbacks(
                &callbacks, ref.toOpaque(), comments,
                Int32(EncoderSettings.sampleRate), 1, 0, &error)
        else {
            ref.release()
            throw .encoderFailed(String(cString: ope_strerror(error)))
        }
        self.encoder = enc
        self.sink = sink
        self.sinkRef = ref

        let results = [
            commcast_ope_set_serialno(enc, serialNumber),
            commcast_ope_set_bitrate(enc, Int32(settings.bitrate)),
            commcast_ope_set_complexity(enc, Int32(settings.complexity)),
            commcast_ope_set_signal_voice(enc),
            commcast_ope_set_frame_duration_20ms(enc),
            commcast_ope_set_inband_fec(enc, settings.inbandFEC ? 1 : 0),
            commcast_ope_set_packet_loss_perc(enc, Int32(settings.expectedLossPercent)),
        ]
        if let bad = results.first(where: { $0 != OPE_OK }) {
            ope_encoder_destroy(enc)
            ref.release()
            throw .encoderFailed("setting encoder option: \(String(cString: ope_strerror(bad)))")
        }
    }

    deinit {
        ope_encoder_destroy(encoder)
        sinkRef.release()
    }

    /// Encodes samples (48 kHz mono, nominally within ±1).
    public func write(_ samples: [Float]) throws(IngestError) {
        guard !samples.isEmpty else { return }
        let rc = samples.withUnsafeBufferPointer { ope_encoder_write_float(encoder, $0.baseAddress, Int32($0.count)) }
        guard rc == OPE_OK else { throw .encoderFailed(sink.failure ?? String(cString: ope_strerror(rc))) }
    }

    /// Flushes the last page and returns the complete Ogg Opus file (empty when
    /// the pages went to a file).
    @discardableResult
    public func finish() throws(IngestError) -> Data {
        if !finished {
            let rc = ope_encoder_drain(encoder)
            guard rc == OPE_OK else { throw .encoderFailed(sink.failure ?? String(cString: ope_strerror(rc))) }
            finished = true
        }
        return sink.data
    }
}
