import Foundation

/// The protocol's times: RFC 3339 in UTC with milliseconds, `2026-11-24T06:00:00.000Z`.
/// Reading also accepts times without fractional seconds and with an offset.
public enum LinkTime {
    static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    static let plain = Date.ISO8601FormatStyle()

    public static func format(_ date: Date) -> String { date.formatted(withFraction) }

    public static func parse(_ text: String) -> Date? {
        (try? withFraction.parse(text)) ?? (try? plain.parse(text))
    }

    /// A JSONEncoder writing protocol times and snake_case keys as the types declare them.
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(format(date))
        }
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    /// The matching decoder; a bad time names itself.
    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard let date = parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: c, debugDescription: "got \"\(text)\", expected an RFC 3339 time such as 2026-11-24T06:00:00.000Z")
            }
            return date
        }
        return d
    }
}
