import CommcastCore
import Foundation
import Testing

@Suite("Cluster CSV")
struct ClusterCSVTests {
    @Test func parsesQuotedFieldsAndTags() throws {
        let text = """
            id,name,zone,latitude,longitude,tags
            tp-001,"Cụm loa chợ, Tân Phú",binh-phuoc/dong-xoai/tan-phu,11.5375,106.8989,4g;cho
            tp-002,Cụm loa trường,binh-phuoc/dong-xoai/tan-phu,,,

            """
        let rows = try ClusterCSV.parse(text)
        #expect(rows.count == 2)
        #expect(
            rows[0].cluster
                == Cluster(
                    id: "tp-001", name: "Cụm loa chợ, Tân Phú", zonePath: "binh-phuoc/dong-xoai/tan-phu",
                    latitude: 11.5375, longitude: 106.8989, tags: ["4g", "cho"]))
        #expect(rows[1].line == 3)
        #expect(rows[1].cluster.latitude == nil)
    }

    @Test func roundTrip() throws {
        let clusters = [
            Cluster(id: "a-1", name: "Say \"hi\", please", zonePath: "p/c", latitude: 1.5, longitude: 2, tags: ["x"]),
            Cluster(id: "a-2", name: "Plain", zonePath: "p/c/h"),
        ]
        #expect(try ClusterCSV.parse(ClusterCSV.render(clusters)).map(\.cluster) == clusters)
    }

    @Test func everyBadRowIsReportedByLine() {
        let text = """
            id,name,zone,latitude,longitude,tags
            ok-1,Good,p/c,11,106,
            bad id,Bad,p/c,11,106,
            ok-2,Lat,p/c,north,106,
            ok-3,Zone,,11,106,
            ok-4,Short,p/c
            """
        do {
            _ = try ClusterCSV.parse(text)
            Issue.record("bad rows accepted")
        } catch {
            #expect(error.problems.count == 4, "\(error.problems)")
            #expect(error.problems[0].hasPrefix("line 3: id"))
            #expect(error.problems[1].hasPrefix("line 4: latitude"))
            #expect(error.problems[2].hasPrefix("line 5: zone"))
            #expect(error.problems[3] == "line 6: 3 fields, expected 6")
        }
    }

    @Test func quotedNewlinesKeepLineNumbers() throws {
        let text = "id,name,zone\nx-1,\"two\nlines\",p\nx 2,bad,p\n"
        do {
            _ = try ClusterCSV.parse(text)
            Issue.record("accepted")
        } catch {
            // The name across two lines is refused (a table would break on it), and the row
            // after it is still counted from the line it starts on.
            #expect(error.problems.first?.hasPrefix("line 2: name") == true, "\(error.problems)")
            #expect(error.problems.dropFirst().first?.hasPrefix("line 4:") == true, "\(error.problems)")
        }
    }

    @Test func headerIsChecked() {
        #expect(throws: ClusterCSV.ParseError.self) { try ClusterCSV.parse("id,name\nx,y\n") }
        #expect(throws: ClusterCSV.ParseError.self) { try ClusterCSV.parse("") }
    }

    @Test("an unterminated quote is named by the line it opens on, not as a count of fields")
    func unterminatedQuote() {
        let error = #expect(throws: ClusterCSV.ParseError.self) { try ClusterCSV.parse("id,name,zone\nx-1,\"Cụm chợ,tinh/xa-a\nx-2,b,tinh/xa-a\n") }
        #expect(error?.problems == ["line 2: a quoted field starts here and is never closed; expected a closing \" before the end of the file"])
    }

    @Test("a header with no rows imports nothing and says so")
    func headerOnly() {
        let error = #expect(throws: ClusterCSV.ParseError.self) { try ClusterCSV.parse("id,name,zone\n") }
        #expect(error?.problems == ["line 2: no clusters after the header; expected one row per cluster"])
    }

    @Test("10,000 bad rows are all counted and the first twenty shown")
    func manyProblems() {
        let text = "id,name,zone\n" + (0..<10_000).map { "bad id \($0),x,tinh" }.joined(separator: "\n")
        let error = #expect(throws: ClusterCSV.ParseError.self) { try ClusterCSV.parse(text) }
        let lines = error?.description.split(separator: "\n") ?? []
        #expect(lines.first == "nothing imported; 10000 problems, the first 20:")
        #expect(lines.count == 21)
        #expect(lines.dropFirst().first?.hasPrefix("line 2: id") == true)
    }

    @Test("the first line that is not UTF-8 is found")
    func notUTF8() {
        var data = Data("id,name,zone\na,b,tinh\n".utf8)
        data.append(contentsOf: [0x63, 0xFF, 0xFE, 0x0A])
        #expect(ClusterCSV.firstLineNotUTF8(data) == 3)
        #expect(ClusterCSV.firstLineNotUTF8(Data("id,name\nà,b\n".utf8)) == nil)
    }
}
