import Foundation

/// commcast's own provincial wire format, version 1: JSON over HTTPS, documented
/// in docs/provincial-api.md.
public struct CommcastProvincialProtocol: ProvincialProtocol {
    public init() {}

    public var name: String { "commcast-v1" }

    public func encodeBatch(_ events: [ReportEvent], station: String, sentAt: Date) throws -> ProvincialRequest {
        // Built by hand around the stored payload text so a 500-event batch costs one
        // pass; every other value goes through JSONEncoder for correct escaping.
        var body = Data()
        body.append(contentsOf: #"{"events":["#.utf8)
        for (i, e) in events.enumerated() {
            if i > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: #"{"at":"#.utf8)
            body.append(try ReportJSON.encoder.encode(e.at))
            body.append(contentsOf: #","key":"#.utf8)
            body.append(try ReportJSON.encoder.encode(e.key))
            body.append(contentsOf: #","kind":"#.utf8)
            body.append(try ReportJSON.encoder.encode(e.kind.rawValue))
            body.append(contentsOf: #","payload":"#.utf8)
            body.append(contentsOf: e.payloadJSON.utf8)
            body.append(contentsOf: #","seq":\#(e.sequence)}"#.utf8)
        }
        body.append(contentsOf: #"],"sent_at":"#.utf8)
        body.append(try ReportJSON.encoder.encode(sentAt))
        body.append(contentsOf: #","station":"#.utf8)
        body.append(try ReportJSON.encoder.encode(station))
        body.append(contentsOf: #","version":1}"#.utf8)
        let first = events.first?.sequence ?? 0
        let last = events.last?.sequence ?? 0
        return ProvincialRequest(
            headers: [
                ("Content-Type", "application/json"),
                // The whole batch has a key too, for receivers that de-duplicate requests rather than events.
                ("Idempotency-Key", "\(station):\(first)-\(last)"),
            ], body: body)
    }

    public func verdict(status: Int, body: Data) -> ReportBatchVerdict {
        switch status {
        case 200..<300: return .delivered
        default:
            let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return .retry("HTTP \(status)\(text.isEmpty ? "" : ": \(text)")")
        }
    }

    struct WireBulletin: Decodable {
        var id: String?
        var title: String?
        var level: String?
        var zones: [String]?
        var text: String?
        var audioBase64: String?
        var airAt: String?
    }

    public func decodeBulletin(_ body: Data) throws(ValueError) -> ProvinceBulletin {
        let wire: WireBulletin
        do {
            wire = try ReportJSON.decoder.decode(WireBulletin.self, from: body)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            throw ValueError(field: field.isEmpty ? "body" : field, value: "a value of the wrong type", expected: context.debugDescription)
        } catch {
            throw ValueError(
                field: "body", value: "\(body.count) bytes that are not a JSON object", expected: "a JSON bulletin (docs/provincial-api.md)")
        }
        guard let id = wire.id, !id.isEmpty else { throw ValueError(field: "id", value: "nothing", expected: "the province's id for the bulletin") }
        guard id.count <= 100,
            id.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.:".unicodeScalars.contains($0)) })
        else {
            throw ValueError(field: "id", value: "\"\(id.prefix(120))\"", expected: "1 to 100 characters of A-Z, a-z, 0-9, - _ . :")
        }
        guard let rawTitle = wire.title else { throw ValueError(field: "title", value: "nothing", expected: "1 to 500 characters") }
        let title = try PrintableText.check(rawTitle.trimmingCharacters(in: .whitespacesAndNewlines), field: "title", maxLength: 500)
        guard let levelText = wire.level else { throw ValueError(field: "level", value: "nothing", expected: "one of normal, priority, emergency") }
        let level = try BulletinLevel(parsing: levelText)
        guard let zones = wire.zones, !zones.isEmpty, zones.count <= 1000 else {
            throw ValueError(field: "zones", value: wire.zones.map { "\($0.count) zones" } ?? "nothing", expected: "1 to 1000 zone paths")
        }
        let content: ProvinceBulletin.Content
        switch (wire.text, wire.audioBase64) {
        case (let text?, nil):
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ValueError(field: "text", value: "empty text", expected: "the words to read")
            }
            content = .text(text)
        case (nil, let audio?):
            guard let data = Data(base64Encoded: audio, options: .ignoreUnknownCharacters), !data.isEmpty else {
                throw ValueError(field: "audio_base64", value: "\(audio.count) characters", expected: "audio (MP3, WAV, Ogg, …) in base64")
            }
            content = .audio(data)
        default:
            throw ValueError(
                field: "text/audio_base64", value: wire.text == nil ? "neither" : "both",
                expected: "exactly one of text or audio_base64")
        }
        var airAt: Date?
        if let text = wire.airAt {
            guard let date = try? Date(text, strategy: .iso8601) else {
                throw ValueError(field: "air_at", value: "\"\(text.prefix(40))\"", expected: "an ISO 8601 time such as 2026-12-01T07:00:00+07:00")
            }
            airAt = date
        }
        return ProvinceBulletin(provinceId: id, title: title, level: level, zones: zones, content: content, airAt: airAt)
    }
}
