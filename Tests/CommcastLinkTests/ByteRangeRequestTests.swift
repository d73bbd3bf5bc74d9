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
        #expect(ByteRangeRequest(header: "bytes=100-", size: 100) == .unsatisfiable)
        #expect(ByteRangeRequest(header: "bytes=-0", size: 100) == .unsatisfiable)
    }

    @Test(arguments: ["items=0-1", "bytes=0-1,5-6", "bytes=9-3", "bytes=a-b", "bytes=-", "bytes="])
    func whatIsNotServed(_ header: String) {
        #expect(ByteRangeRequest(header: header, size: 100) == nil)
    }
}
