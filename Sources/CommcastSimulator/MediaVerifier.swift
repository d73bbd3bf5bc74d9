import CommcastAudio
import Foundation
import Synchronization

/// Decodes each media file once per process and checks it is the Opus audio it
/// claims to be. Every cluster still downloads and sha256-checks its own copy;
/// decoding 1,661 copies of the same bytes would only measure the simulator.
final class MediaVerifier: Sendable {
    private let checked = Mutex<[String: Bool]>([:])

    /// Whether the file decodes to about `durationMS` of audio.
    func verify(sha256: String, data: Data, durationMS: Int) -> Bool {
        if let known = checked.withLock({ $0[sha256] }) { return known }
        let ok: Bool
        if let decoded = try? OggOpusDecoder.decode(data) {
            ok = abs(Double(decoded.frameCount) / 48_000 * 1000 - Double(durationMS)) < 100
        } else {
            ok = false
        }
        checked.withLock { $0[sha256] = ok }
        return ok
    }
}
