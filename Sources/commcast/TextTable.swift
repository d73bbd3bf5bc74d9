import CommcastCore
import Foundation

/// Prints rows as aligned columns for a person; counts grapheme clusters so
/// Vietnamese diacritics do not skew the alignment.
struct TextTable {
    var headers: [String]
    var rows: [[String]] = []

    /// Adds a row; a control character in a cell (a title stored before titles were
    /// checked, say) is shown as `\u{…}` rather than sent to the terminal.
    mutating func add(_ row: [String]) { rows.append(row.map(PrintableText.displayed)) }

    func render() -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }
}

/// Station-time formatting for the CLI.
struct StationTime {
    let zone: TimeZone

    func dateTime(_ d: Date) -> String {
        d.formatted(
            Date.VerbatimFormatStyle(
                format:
                    "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)",
                timeZone: zone, calendar: Calendar(identifier: .gregorian)))
    }

    /// The station day of `d`, `YYYY-MM-DD`, as dates are typed.
    func day(_ d: Date) -> String {
        d.formatted(
            Date.VerbatimFormatStyle(
                format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits)", timeZone: zone, calendar: Calendar(identifier: .gregorian))
        )
    }

    /// `HH:MM`, or `HH:MM:SS` off the whole minute: airings shifted by seconds
    /// behind one another must not all read "06:00".
    func time(_ d: Date) -> String {
        let second = Int(d.timeIntervalSince1970.rounded(.down)) % 60
        if second != 0 {
            return d.formatted(
                Date.VerbatimFormatStyle(
                    format: "\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits):\(second: .twoDigits)",
                    timeZone: zone, calendar: Calendar(identifier: .gregorian)))
        }
        return d.formatted(
            Date.VerbatimFormatStyle(
                format: "\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)",
                timeZone: zone, calendar: Calendar(identifier: .gregorian)))
    }
}

/// An elapsed-time indicator on stderr while waiting for the daemon (terminal only).
final class Spinner: @unchecked Sendable {
    private var task: Task<Void, Never>?

    init(_ label: String, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        guard enabled else { return }
        task = Task {
            let start = ContinuousClock.now
            let frames = ["|", "/", "-", "\\"]
            var i = 0
            while !Task.isCancelled {
                let s = (ContinuousClock.now - start).components.seconds
                FileHandle.standardError.write(Data("\r\(frames[i % 4]) \(label) \(s)s".utf8))
                i += 1
                try? await Task.sleep(for: .milliseconds(200))
            }
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        }
    }

    func stop() async {
        task?.cancel()
        await task?.value
    }
}
