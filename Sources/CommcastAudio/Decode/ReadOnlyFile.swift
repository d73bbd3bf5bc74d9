import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A file opened for reading at any offset with `pread`: what the WAV reader
/// reads a long recording through, block by block, instead of mapping it (mapped
/// pages, once touched, count in the resident set).
final class ReadOnlyFile: Sendable {
    private let descriptor: Int32
    /// Bytes in the file when it was opened.
    let size: Int

    init(_ url: URL) throws(IngestError) {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: url.path, reason: String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .unreadable(path: url.path, reason: reason)
        }
        guard info.st_mode & S_IFMT != S_IFDIR else {
            close(fd)
            throw .unreadable(path: url.path, reason: "it is a directory")
        }
        descriptor = fd
        size = Int(info.st_size)
    }

    deinit { close(descriptor) }

    /// Up to `count` bytes from `offset`; fewer at the end of the file (or on a read error).
    func read(at offset: Int, count: Int) -> Data {
        let wanted = max(0, min(count, size - offset))
        guard wanted > 0 else { return Data() }
        var data = Data(count: wanted)
        let got = data.withUnsafeMutableBytes { raw -> Int in
            var done = 0
            while done < wanted {
                let n = pread(descriptor, raw.baseAddress! + done, wanted - done, off_t(offset + done))
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                done += n
            }
            return done
        }
        if got < wanted { data.removeSubrange(got..<wanted) }
        return data
    }
}
