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
}
