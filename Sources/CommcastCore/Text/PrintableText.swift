/// Text an operator types that others read — a title, a name, a reason: printable,
/// on one line, with no control character (a terminal escape can clear or recolour
/// an operator's screen) and no bidirectional override (which can make a title read
/// backwards on a page).
public enum PrintableText {
    /// The text trimmed, or a `ValueError` naming `field`, the value and what was expected.
    public static func check(_ text: String, field: String, maxLength: Int) throws(ValueError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let bad = text.unicodeScalars.first(where: isForbidden) {
            throw ValueError(
                field: field, value: shown(text),
                expected:
                    "printable text on one line (it holds U+\(String(bad.value, radix: 16, uppercase: true).leftPadded(to: 4)), a control character)")
        }
        guard !trimmed.isEmpty, trimmed.count <= maxLength else {
            throw ValueError(field: field, value: shown(text), expected: "1 to \(maxLength) characters")
        }
        return trimmed
    }

    /// Whether a scalar may not appear in such text.
    public static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// `text` quoted for an error message, every forbidden scalar written as `\u{…}`
    /// so that echoing a bad value cannot do what the value would have done.
    public static func shown(_ text: String, limit: Int = 120) -> String {
        let escaped = text.unicodeScalars.map { isForbidden($0) ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
        return "\"\(escaped.count > limit ? String(escaped.prefix(limit)) + "…" : escaped)\""
    }

    /// `text` made safe to print on a terminal: forbidden scalars become `\u{…}`.
    public static func displayed(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isForbidden) else { return text }
        return text.unicodeScalars.map { isForbidden($0) ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
