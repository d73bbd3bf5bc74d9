import Foundation

/// A zone's place in the administrative tree, written `province/commune/hamlet`
/// with any number of levels (the 2025 reform removed districts; trees change).
public enum ZonePath {
    /// At most this many levels: province, commune, hamlet and a few more.
    public static let maxDepth = 10
    /// At most this many characters a name.
    public static let maxNameLength = 64

    static let grammar =
        "a zone path such as binh-phuoc/dong-xoai/tan-phu: 1 to \(maxDepth) names separated by /, "
        + "each 1 to \(maxNameLength) lowercase letters, digits, '-', '_' or '.', starting with a letter or a digit"

    /// Splits and checks a path against the grammar in docs/scheduling.md ("Zone
    /// paths"): nothing in a name can move up the tree (`..`), break a line or a
    /// column, or differ from another name only in case.
    public static func components(_ path: String, field: String = "zone") throws(ValueError) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !path.isEmpty, parts.count <= maxDepth else {
            throw ValueError(field: field, value: PrintableText.shown(path), expected: grammar)
        }
        for part in parts {
            guard let first = part.first, first.isLetter || first.isNumber, part.count <= maxNameLength,
                part.allSatisfy({ ($0.isLetter && !$0.isUppercase) || $0.isNumber || "-_.".contains($0) })
            else {
                throw ValueError(field: field, value: PrintableText.shown(path), expected: grammar)
            }
        }
        return parts
    }

    /// Canonical form: trimmed names joined by `/`.
    public static func normalize(_ path: String, field: String = "zone") throws(ValueError) -> String {
        try components(path, field: field).joined(separator: "/")
    }

    /// Whether `path` is `scope` or lies below it.
    public static func isWithin(_ path: String, scope: String) -> Bool {
        path == scope || path.hasPrefix(scope + "/")
    }

    /// The parent path, nil for a root.
    public static func parent(of path: String) -> String? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[..<slash])
    }
}
