import CommcastCore
import Foundation
import Testing

/// What the daemon writes and the CLI, the console or a province's script read back:
/// snake_case keys, every field named, nothing lost on the way.
@Suite("Bulletin JSON")
struct BulletinCodingTests {
    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.dateDecodingStrategy = .iso8601
        return d
    }

    static let bulletin: Bulletin = {
        let at = Date(timeIntervalSince1970: 1_796_000_000)
        let rules = [
            StoredRule(id: 1, rule: RecurrenceRule(pattern: .once(at), validFrom: at)),
            StoredRule(id: 2, rule: RecurrenceRule(pattern: .times([TimeOfDay(hour: 6, minute: 0)]), weekdays: [.monday, .friday], validFrom: at)),
            StoredRule(
                id: 3,
                rule: RecurrenceRule(
                    pattern: .every(minutes: 30, from: TimeOfDay(hour: 7, minute: 0), to: TimeOfDay(hour: 9, minute: 0)), validFrom: at)),
        ]
        return Bulletin(
            id: 7, title: "Lịch tiêm chủng", level: .priority, state: .active, sourceKind: .text, author: "an", createdAt: at, updatedAt: at,
            durationSeconds: 12, mediaSHA256: String(repeating: "ab", count: 32), text: "Xin chào", targets: [.zone("tinh/xa-a"), .cluster("c-1")],
            rules: rules, nextAiring: at.addingTimeInterval(3_600))
    }()

    @Test("the media hash and the next airing survive the round trip (bulletin show printed 'media -')")
    func roundTrip() throws {
        let data = try Self.encoder().encode(Self.bulletin)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"media_sha256\":\"abab"), "\(text)")
        #expect(text.contains("\"next_airing\":"), "\(text)")
        let back = try Self.decoder().decode(Bulletin.self, from: data)
        #expect(back == Self.bulletin)
    }

    @Test("rules have named keys, never the synthesised _0")
    func namedRuleKeys() throws {
        let text = String(decoding: try Self.encoder().encode(Self.bulletin), as: UTF8.self)
        #expect(!text.contains("_0"), "\(text)")
        #expect(text.contains("\"kind\":\"once\"") && text.contains("\"kind\":\"daily\"") && text.contains("\"kind\":\"every\""), "\(text)")
        #expect(text.contains("\"minutes\":30"))
    }

    @Test("an unknown rule kind is refused by name")
    func unknownKind() {
        let json = #"{"kind":"hourly","times":[]}"#
        #expect(throws: DecodingError.self) { try Self.decoder().decode(RecurrenceRule.Pattern.self, from: Data(json.utf8)) }
    }
}
