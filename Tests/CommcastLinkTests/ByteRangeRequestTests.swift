import CommcastLink
import Testing

@Suite("Media byte ranges")
struct ByteRangeRequestTests {
    @Test func theFormsClustersUse() {
        #expect(ByteRangeRequest(header: nil, size: 100) == .whole)
        #expect(ByteRangeRequest(header: "bytes=40-", size: 100) == .partial(40...99), "resume after a broken download")
        #expect(ByteRangeRequest(header: "bytes=0-9", size: 100) == .partial(0...9))
        #expect(ByteRangeRequest(header: "bytes=90-200", size: 100) == .partial(90...99), "clamped to the file")
        #expect(ByteRangeRequest(header: "bytes=-10", size: 100) == .partial(90...99))
        #expect(ByteRangeRequest(header: "bytes=-500", size: 100) == .partial(0...99), "a suffix longer than the file")
        #expect(ByteRangeRequest(header: "Bytes=5-6", size: 100) == .partial(5...6), "unit and spaces as HTTP allows")
        #expect(ByteRangeRequest(header: "bytes=100-", size: 100) == .unsatisfiable)
        #expect(ByteRangeRequest(header: "bytes=-0", size: 100) == .unsatisfiable)
    }

    @Test func severalRangesAreServedAsTheOneThatCoversThem() {
        #expect(ByteRangeRequest(header: "bytes=0-1,5-6", size: 100) == .partial(0...6))
        #expect(ByteRangeRequest(header: "bytes=50-59, -10", size: 100) == .partial(50...99))
        #expect(ByteRangeRequest(header: "bytes=200-300,10-19", size: 100) == .partial(10...19), "the part beyond the end is dropped")
        #expect(ByteRangeRequest(header: "bytes=200-300,400-", size: 100) == .unsatisfiable)
    }

    /// RFC 9110 lets a server ignore a Range header it cannot read: the whole file.
    @Test(arguments: ["items=0-1", "bytes=9-3", "bytes=a-b", "bytes=-", "bytes=", "bytes=0-1,x", "bytes=--5"])
    func whatIsNotARangeGetsTheWholeFile(_ header: String) {
        #expect(ByteRangeRequest(header: header, size: 100) == .whole)
    }
}
