import Foundation

/// The protocol's times: RFC 3339 in UTC with milliseconds, `2026-11-24T06:00:00.000Z`.
/// Reading also accepts times without fractional seconds and with an offset.
public enum LinkTime {
    static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    static let plain = Date.ISO8601FormatStyle()

    /// The time to the nearest millisecond. (Foundation's fractional format truncates a
    /// binary fraction: 10.010 s, held as 10.00999…, came out as 10.009, so a time read
    /// and written again lost a millisecond each round; found by fuzzing.)
    public static func format(_ date: Date) -> String {
        let millis = (date.timeIntervalSince1970 * 1000).rounded()
        let seconds = (millis / 1000).rounded(.down)
        let fraction = Int(millis - seconds * 1000)
        let whole = Date(timeIntervalSince1970: seconds).formatted(plain)
        return "\(whole.dropLast()).\(fraction < 10 ? "00" : fraction < 100 ? "0" : "")\(fraction)Z"
    }

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
