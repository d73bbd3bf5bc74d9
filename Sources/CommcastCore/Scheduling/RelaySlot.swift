import Foundation

/// When a relay (tiếp sóng) of an outside stream may air: inside its daily hours and
/// never in quiet hours (docs/live.md, "Relay"). Pure, with the time passed in.
public struct RelaySlot: Sendable, Hashable {
    /// The daily span, e.g. 06:00–06:30; may cross midnight.
    public var hours: QuietHours

    public init(start: TimeOfDay, end: TimeOfDay) {
        hours = QuietHours(start: start, end: end)
    }

    /// What the relay should do at `now`.
    public enum Verdict: Sendable, Equatable {
        /// Air until this time (the end of the slot, or the start of quiet hours).
        case air(until: Date)
        /// Do not air, and why.
        case closed(reason: String)
    }

    public func verdict(at now: Date, quiet: QuietHours?, calendar: Calendar) -> Verdict {
        // A daily span is what QuietHours computes; here it is the relay's own hours.
        guard let slot = hours.spans(from: now, to: now, calendar: calendar).first(where: { $0.start <= now && now < $0.end }) else {
            return .closed(reason: "outside its hours \(hours)")
        }
        guard let quiet else { return .air(until: slot.end) }
        let quietSpans = quiet.spans(from: now, to: slot.end, calendar: calendar)
        if quietSpans.contains(where: { $0.start <= now && now < $0.end }) {
            return .closed(reason: "quiet hours \(quiet)")
        }
        let nextQuiet = quietSpans.map(\.start).filter { $0 > now }.min()
        return .air(until: min(slot.end, nextQuiet ?? slot.end))
    }
}
