import Foundation

/// The one `Range: bytes=…` form the media endpoint serves (docs/protocol.md, "Media
/// downloads"): a single range, `first-last`, `first-` or `-suffix`.
public enum ByteRangeRequest: Sendable, Equatable {
    /// No Range header: the whole file.
    case whole
    /// These bytes, already clamped to the file.
    case partial(ClosedRange<Int>)
    /// The range starts beyond the end (416).
    case unsatisfiable

    /// Interprets a `Range` header against a file of `size` bytes; nil when the header is
    /// not a single byte range (the caller answers 416 as for an unsatisfiable one).
    public init?(header: String?, size: Int) {
        guard let header else {
            self = .whole
            return
        }
        let h = header.trimmingCharacters(in: .whitespaces)
        guard h.hasPrefix("bytes="), !h.contains(",") else { return nil }
        let spec = h.dropFirst(6)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { return nil }
        switch (Int(parts[0]), Int(parts[1])) {
        case (let first?, nil) where parts[1].isEmpty:
            self = first < size ? .partial(first...(size - 1)) : .unsatisfiable
        case (let first?, let last?) where first <= last:
            self = first < size ? .partial(first...min(last, size - 1)) : .unsatisfiable
        case (nil, let suffix?) where parts[0].isEmpty:
            guard suffix > 0, size > 0 else {
                self = .unsatisfiable
                return
            }
            self = .partial(max(0, size - suffix)...(size - 1))
        default:
            return nil
        }
    }
}
