import Foundation

/// An Ogg Opus file the ingest wrote to its scratch directory: removed when the
/// last reference to it goes, unless it was moved away first (into the media
/// store, or to where `commcast encode` was asked to write it).
public final class EncodedAudioFile: Sendable {
    /// Where the file is while this object holds it.
    public let url: URL

    /// Creates an empty file with a fresh name in `directory`.
    init(in directory: URL) throws(IngestError) {
        url = directory.appendingPathComponent("commcast-encoded-\(UUID().uuidString).opus")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw .scratchFailed(directory: directory.path, reason: "cannot create a file for the encoded audio")
        }
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Bytes in the file.
    public var size: Int {
        ((try? FileManager.default.attributesOfItem(atPath: url.path)[.size]) as? Int) ?? 0
    }

    /// The whole file in memory: for short audio (a spoken preview) and tests.
    public func data() throws(IngestError) -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw .unreadable(path: url.path, reason: (error as NSError).localizedDescription)
        }
    }
}
