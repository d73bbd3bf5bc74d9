import CommcastStore
import Foundation
import TestSupport
import Testing

@Suite("Media store")
struct MediaStoreTests {
    @Test func contentAddressMatchesSha256sum() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try MediaStore(root: dir.file("media"))
        let data = Data("bản tin".utf8) + Data((0..<1000).map { UInt8($0 % 251) })
        let hash = try store.put(data)
        let sum = try ExternalTools.run("sha256sum", [store.url(for: hash).path])
        #expect(sum.stdoutText.hasPrefix(hash))
        #expect(store.url(for: hash).path.hasSuffix("/\(hash.prefix(2))/\(hash).opus"))
        #expect(try store.read(hash) == data)
    }

    @Test func storingTwiceKeepsOneFileAndNoTemporaries() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try MediaStore(root: dir.file("media"))
        let a = try store.put(Data([1, 2, 3]))
        let b = try store.put(Data([1, 2, 3]))
        #expect(a == b)
        let files = try FileManager.default.subpathsOfDirectory(atPath: store.root.path).filter { $0.hasSuffix(".opus") || $0.hasSuffix(".tmp") }
        #expect(files == ["\(a.prefix(2))/\(a).opus"])
        #expect(store.contains(a))
        #expect(!store.contains(String(repeating: "0", count: 64)))
    }

    /// The ingest's encoded file is moved in, not read into memory: the same address
    /// as storing its bytes, the source gone, no temporaries, and a second copy of the
    /// same audio only removed.
    @Test func takingAFileMovesItUnderItsHash() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try MediaStore(root: dir.file("media"))
        let data = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 / 1_000) })
        let source = dir.file("encoded.opus")
        try data.write(to: source)
        let hash = try store.take(file: source)
        #expect(hash == MediaStore.contentHash(of: data))
        #expect(!FileManager.default.fileExists(atPath: source.path))
        #expect(try store.read(hash) == data)
        let again = dir.file("again.opus")
        try data.write(to: again)
        #expect(try store.take(file: again) == hash)
        #expect(!FileManager.default.fileExists(atPath: again.path))
        let files = try FileManager.default.subpathsOfDirectory(atPath: store.root.path).filter { $0.hasSuffix(".opus") || $0.hasSuffix(".tmp") }
        #expect(files == ["\(hash.prefix(2))/\(hash).opus"])
        #expect(throws: (any Error).self) { try store.take(file: dir.file("missing.opus")) }
    }
}
