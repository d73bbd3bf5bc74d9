import CommcastCore
import Foundation
import Testing

@Suite("Provincial protocol")
struct ProvincialProtocolTests {
    let wire = CommcastProvincialProtocol()

    @Test func backoffDoublesToItsCapWithBoundedJitter() {
        let b = RetryBackoff(base: .seconds(1), maximum: .seconds(60))
        #expect(b.delay(afterFailures: 0, random: 0.5) == .zero)
        #expect(b.delay(afterFailures: 1, random: 1) == .seconds(1))
        #expect(b.delay(afterFailures: 1, random: 0) == .milliseconds(500), "never sooner than half the step")
        #expect(b.delay(afterFailures: 4, random: 1) == .seconds(8))
        #expect(b.delay(afterFailures: 7, random: 1) == .seconds(60), "capped")
        #expect(b.delay(afterFailures: 1000, random: 0) == .seconds(30), "no overflow after a long outage")
    }

    @Test func aBatchCarriesStoredPayloadsVerbatimInOrder() throws {
        let at = Date(timeIntervalSince1970: 1_795_400_000)
        let events = [
            ReportEvent(sequence: 7, key: "bulletin:1:created", kind: .bulletin, at: at, payloadJSON: #"{"title":"Tin \"sáng\""}"#),
            ReportEvent(sequence: 9, key: "airing:3:completed", kind: .airing, at: at, payloadJSON: #"{"airing_id":3}"#),
        ]
        let request = try wire.encodeBatch(events, station: "xã \"A\"", sentAt: at)
        let json = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
        #expect(json["version"] as? Int == 1 && json["station"] as? String == "xã \"A\"")
        let sent = try #require(json["events"] as? [[String: Any]])
        #expect(sent.map { $0["seq"] as? Int } == [7, 9])
        #expect(sent.map { $0["key"] as? String } == ["bulletin:1:created", "airing:3:completed"])
        #expect((sent[0]["payload"] as? [String: Any])?["title"] as? String == "Tin \"sáng\"")
        #expect(sent[1]["at"] as? String == "2026-11-23T02:13:20Z")
        #expect(request.headers.contains { $0.name == "Idempotency-Key" && $0.value == "xã \"A\":7-9" })
    }

    @Test func onlyA2xxDelivers() {
        #expect(wire.verdict(status: 200, body: Data()) == .delivered)
        #expect(wire.verdict(status: 202, body: Data()) == .delivered)
        #expect(wire.verdict(status: 500, body: Data("database down".utf8)) == .retry("HTTP 500: database down"))
        #expect(wire.verdict(status: 401, body: Data()) == .retry("HTTP 401"))
    }

    @Test func bulletinsAreCheckedFieldByField() throws {
        func decode(_ object: [String: Any]) throws(ValueError) -> ProvinceBulletin {
            try wire.decodeBulletin(try! JSONSerialization.data(withJSONObject: object))
        }
        let good: [String: Any] = [
            "id": "BP-1", "title": " Bão số 9 ", "level": "khẩn cấp", "zones": ["bp/dx"], "text": "Mưa lớn",
            "air_at": "2026-12-01T07:00:00+07:00",
        ]
        let b = try decode(good)
        #expect(b.title == "Bão số 9" && b.level == .emergency && b.content == .text("Mưa lớn"))
        #expect(b.airAt == Date(timeIntervalSince1970: 1_796_083_200))
        let audio = try decode(good.merging(["audio_base64": Data([1, 2, 3]).base64EncodedString()]) { $1 }.filter { $0.key != "text" })
        #expect(audio.content == .audio(Data([1, 2, 3])))

        func field(_ change: (inout [String: Any]) -> Void) -> String? {
            var o = good
            change(&o)
            do {
                _ = try decode(o)
                return nil
            } catch { return error.field }
        }
        #expect(field { $0["id"] = nil } == "id")
        #expect(field { $0["id"] = "a b" } == "id")
        #expect(field { $0["title"] = "" } == "title")
        #expect(field { $0["level"] = "urgent" } == "level")
        #expect(field { $0["zones"] = [String]() } == "zones")
        #expect(field { $0["zones"] = "bp" } == "zones")
        #expect(field { $0["audio_base64"] = "AAAA" } == "text/audio_base64", "both")
        #expect(field { $0["text"] = nil } == "text/audio_base64", "neither")
        #expect(
            field {
                $0["text"] = nil
                $0["audio_base64"] = "!!!"
            } == "audio_base64")
        #expect(field { $0["air_at"] = "tomorrow" } == "air_at")
        #expect(throws: ValueError.self) { try wire.decodeBulletin(Data("[1,2".utf8)) }
    }
}
