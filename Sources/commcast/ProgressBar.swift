import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A one-line progress bar on stderr, drawn only when stderr is a terminal; in a
/// pipe or a log it prints nothing, so scripts see clean output.
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let enabled: Bool
    private let lock = NSLock()
    private var lastDrawn = -1

    init(label: String, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.enabled = enabled
    }

    /// Updates the bar; redraws only when the whole percentage changes.
    func update(stage: String, fraction: Double) {
        guard enabled else { return }
        let percent = Int((fraction * 100).rounded(.down))
        lock.withLock {
            let key = percent + (stage == "encoding" ? 1000 : 0)
            guard key != lastDrawn else { return }
            lastDrawn = key
            let width = 30
            let filled = Int(Double(width) * fraction)
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            FileHandle.standardError.write(Data("\r\(label) \(stage.padding(toLength: 9, withPad: " ", startingAt: 0)) [\(bar)] \(percent)%".utf8))
        }
    }

    /// Clears the line.
    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
