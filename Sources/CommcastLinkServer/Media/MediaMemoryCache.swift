import Foundation
import NIOCore
import Synchronization

/// Media files held in memory while clusters download them. When a province's 1,661
/// clusters fetch the same bulletin at once, every response is a slice of one shared
/// buffer instead of 1,661 file reads with their own chunk buffers (the first
/// benchmark peaked at 206 MB that way; docs/benchmarks.md).
final class MediaMemoryCache: Sendable {
    private let state = Mutex<(buffers: [String: ByteBuffer], order: [String], bytes: Int)>(([:], [], 0))
    let limitBytes: Int

    init(limitBytes: Int = 16 << 20) {
        self.limitBytes = limitBytes
    }

    /// The whole file as a buffer, read once and shared.
    func buffer(sha256: String, path: String) throws -> ByteBuffer {
        if let hit = state.withLock({ $0.buffers[sha256] }) { return hit }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let buffer = ByteBuffer(bytes: data)
        state.withLock { s in
            guard s.buffers[sha256] == nil else { return }
            s.buffers[sha256] = buffer
            s.order.append(sha256)
            s.bytes += buffer.readableBytes
            // Oldest first out; a file still being served stays alive in its responses.
            while s.bytes > limitBytes, s.order.count > 1 {
                let oldest = s.order.removeFirst()
                s.bytes -= s.buffers.removeValue(forKey: oldest)?.readableBytes ?? 0
            }
        }
        return buffer
    }
}
