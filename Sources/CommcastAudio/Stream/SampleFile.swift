import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// 32-bit float samples kept in a scratch file rather than on the heap, so a
/// recording of any length is worked on in bounded memory.
///
/// The file is unlinked as soon as it is created: it lives as long as this object
/// holds it open, and a daemon killed mid-ingest leaves nothing behind. Reads go
/// through `pread` into small buffers, not through a mapping, because mapped
/// pages a pass has touched count in the process's resident set until the kernel
/// takes them back.
final class SampleFile {
    private let descriptor: Int32
    /// Where it is, for an error to name.
    private let directory: String
    /// Samples written so far.
    private(set) var count = 0

    /// Creates an empty file in `directory`.
    init(in directory: URL) throws(IngestError) {
        var template = Array(directory.appendingPathComponent("commcast-samples-XXXXXX").path.utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .scratchFailed(directory: directory.path, reason: String(cString: strerror(errno))) }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        unlink(path)
        descriptor = fd
        self.directory = directory.path
    }

    deinit { close(descriptor) }

    /// Adds samples at the end.
    func append(_ samples: [Float]) throws(IngestError) {
        guard !samples.isEmpty else { return }
        let offset = off_t(count * MemoryLayout<Float>.size)
        let failure: Int32? = samples.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = pwrite(descriptor, raw.baseAddress! + done, raw.count - done, offset + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                done += n
            }
            return nil
        }
        if let failure { throw .scratchFailed(directory: directory, reason: String(cString: strerror(failure))) }
        count += samples.count
    }

    /// Up to `length` samples from `start`; fewer only at the end.
    func read(from start: Int, count length: Int) throws(IngestError) -> [Float] {
        let n = max(0, min(length, count - start))
        guard n > 0 else { return [] }
        var out = [Float](repeating: 0, count: n)
        let failure: Int32? = out.withUnsafeMutableBytes { raw in
            var done = 0
            let offset = off_t(start * MemoryLayout<Float>.size)
            while done < raw.count {
                let got = pread(descriptor, raw.baseAddress! + done, raw.count - done, offset + off_t(done))
                if got < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if got == 0 { return EIO }
                done += got
            }
            return nil
        }
        if let failure { throw .scratchFailed(directory: directory, reason: String(cString: strerror(failure))) }
        return out
    }

    /// A reader from the first sample.
    func reader() -> Reader { Reader(file: self) }

    /// Reads a `SampleFile` front to back.
    struct Reader: SampleReader {
        let file: SampleFile
        var position = 0

        mutating func read(_ count: Int) throws(IngestError) -> [Float] {
            let out = try file.read(from: position, count: count)
            position += out.count
            return out
        }
    }
}
