import Foundation

/// What the media endpoint serves for a `Range` header (docs/protocol.md, "Media
/// downloads", RFC 9110 §14): `first-last`, `first-` or `-suffix`, several of them
/// coalesced into the one range that covers them all.
public enum ByteRangeRequest: Sendable, Equatable {
    /// No usable Range header: the whole file (200). A header that is not a byte
    /// range at all is ignored, as RFC 9110 lets a server do.
    case whole
    /// These bytes, already clamped to the file (206).
    case partial(ClosedRange<Int>)
    /// No range in the header overlaps the file (416).
    case unsatisfiable

    /// Interprets a `Range` header against a file of `size` bytes.
    public init(header: String?, size: Int) {
        guard let header, let specs = Self.specs(header) else {
            self = .whole
            return
        }
        var covered: ClosedRange<Int>?
        for spec in specs {
            guard let range = Self.range(spec, size: size) else { continue }
            covered = covered.map { min($0.lowerBound, range.lowerBound)...max($0.upperBound, range.upperBound) } ?? range
        }
        self = covered.map { .partial($0) } ?? .unsatisfiable
    }

    /// The comma-separated specs of a `bytes=` header; nil when any is not a byte range.
    static func specs(_ header: String) -> [(first: Int?, last: Int?)]? {
        let h = header.trimmingCharacters(in: .whitespaces)
        guard h.lowercased().hasPrefix("bytes=") else { return nil }
        var specs: [(Int?, Int?)] = []
        for part in h.dropFirst(6).split(separator: ",", omittingEmptySubsequences: false).prefix(100) {
            let bounds = part.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard bounds.count == 2 else { return nil }
            let first = bounds[0].isEmpty ? nil : Int(bounds[0])
            let last = bounds[1].isEmpty ? nil : Int(bounds[1])
            // Every present bound must be a number, at least one present, and in order.
            guard first != nil || bounds[0].isEmpty, last != nil || bounds[1].isEmpty, first != nil || last != nil else { return nil }
            if let first, let last, first > last { return nil }
            if let first, first < 0 { return nil }
            if let last, last < 0 { return nil }
            specs.append((first, last))
        }
        return specs.isEmpty ? nil : specs
    }

    /// One spec against the file; nil when it does not overlap it.
    static func range(_ spec: (first: Int?, last: Int?), size: Int) -> ClosedRange<Int>? {
        guard size > 0 else { return nil }
        switch spec {
        case (let first?, let last):
            return first < size ? first...min(last ?? size - 1, size - 1) : nil
        case (nil, let suffix?):
            return suffix > 0 ? max(0, size - suffix)...(size - 1) : nil
        case (nil, nil):
            return nil
        }
    }
}
