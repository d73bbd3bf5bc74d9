import Crypto
import Foundation

/// Encoded media files on disk, named by the sha256 of their bytes.
///
/// Content addressing gives deduplication for free, lets clusters verify what they
/// downloaded against the name they asked for, and makes writes idempotent: the
/// same bulletin stored twice is one file.
public struct MediaStore: Sendable {
    /// Root directory; files live at `root/ab/abcdef….opus`.
    public let root: URL

    /// Opens the store, creating the directory if needed.
    public init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    /// Lower-case hex sha256 of `data`.
    public static func contentHash(of data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Where the file with `sha256` lives (whether or not it exists).
    public func url(for sha256: String) -> URL {
        root.appendingPathComponent(String(sha256.prefix(2)), isDirectory: true)
            .appendingPathComponent("\(sha256).opus")
    }

    /// Whether the store holds `sha256`.
    public func contains(_ sha256: String) -> Bool {
        FileManager.default.fileExists(atPath: url(for: sha256).path)
    }

    /// Stores `data` and returns its hash. Written to a temporary file, flushed to
    /// disk and renamed, so a crash leaves either the whole file or none.
    @discardableResult
    public func put(_ data: Data) throws -> String {
        let hash = Self.contentHash(of: data)
        try install(hash) { temp in
            guard FileManager.default.createFile(atPath: temp.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temp.path])
            }
            let handle = try FileHandle(forWritingTo: temp)
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
        }
        return hash
    }

    /// Moves the file at `source` into the store and returns its hash: hashed as it
    /// is read, flushed to disk and renamed into place, so a long recording is
    /// never held in memory. `source` should be on the store's file system (the
    /// station's scratch folder is); from elsewhere it is copied first.
    @discardableResult
    public func take(file source: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: source)
        var hasher = SHA256()
        do {
            while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty { hasher.update(data: block) }
            try handle.close()
        } catch {
            try? handle.close()
            throw error
        }
        let hash = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        try install(hash) { temp in
            guard rename(source.path, temp.path) != 0 else { return }
            guard errno == EXDEV else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            try FileManager.default.copyItem(at: source, to: temp)
        }
        try? FileManager.default.removeItem(at: source)
        return hash
    }

    /// Puts the file for `hash` in place, unless it is there already: `fill` makes it
    /// at a temporary path beside it, which is flushed to disk and renamed over, so a
    /// crash leaves the whole file or none.
    private func install(_ hash: String, fill: (URL) throws -> Void) throws {
        let target = url(for: hash)
        if FileManager.default.fileExists(atPath: target.path) { return }
        let dir = target.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let temp = dir.appendingPathComponent(".\(hash).\(UUID().uuidString).tmp")
        do {
            try fill(temp)
            let written = try FileHandle(forUpdating: temp)
            defer { try? written.close() }
            try written.synchronize()
            if rename(temp.path, target.path) != 0 {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw error
        }
    }

    /// Reads a stored file.
    public func read(_ sha256: String) throws -> Data {
        try Data(contentsOf: url(for: sha256), options: .alwaysMapped)
    }
}
