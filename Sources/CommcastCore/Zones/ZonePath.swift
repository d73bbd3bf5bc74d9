/// A zone's place in the administrative tree, written `province/commune/hamlet`
/// with any number of levels (the 2025 reform removed districts; trees change).
public enum ZonePath {
    /// Splits and checks a path; each name is 1–200 characters without `/`.
    public static func components(_ path: String, field: String = "zone") throws(ValueError) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !path.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0.count <= 200 }) else {
            throw ValueError(field: field, value: "\"\(path)\"", expected: "a zone path such as binh-phuoc/dong-xoai/tan-phu (names of 1 to 200 characters separated by /)")
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

import Foundation
