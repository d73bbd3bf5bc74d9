import Foundation

/// Each sample's true peak: the highest magnitude from it up to the next, on a
/// 4× grid, as ITU-R BS.1770 estimates it, with a Hann-windowed sinc
/// interpolator. A stage, so a recording of any length is scanned in blocks;
/// samples before the start and after the end count as silence.
struct TruePeakScanner: SampleStage {
    /// Half-width of the interpolation kernel, in input samples.
    static let taps = 8

    /// Kernel weights for the three points between two samples (¼, ½, ¾):
    /// `kernel[phase * 2 * taps + k]` weighs sample `n - taps + 1 + k`.
    static let kernel: [Float] = (1...3).flatMap { phase in
        let offset = Double(phase) / 4
        return (0..<(2 * taps)).map { k in
            let t = Double(k - taps + 1) - offset
            let sinc = t == 0 ? 1 : sin(Double.pi * t) / (Double.pi * t)
            let window = 0.5 + 0.5 * cos(Double.pi * t / Double(taps))
            return Float(sinc * window)
        }
    }

    /// The samples still needed, from `next - taps + 1`.
    private var buffer = [Float](repeating: 0, count: taps - 1)
    private var bufferStart = -(taps - 1)
    /// The next sample whose peak is given.
    private var next = 0
    /// Samples taken in, and where the stream ends once `finish` has padded it.
    private var received = 0

    mutating func process(_ input: [Float], into output: inout [Float]) {
        buffer.append(contentsOf: input)
        received += input.count
        emit(upTo: received - Self.taps, into: &output)
    }

    mutating func finish(into output: inout [Float]) {
        let end = received
        buffer.append(contentsOf: repeatElement(0, count: Self.taps))
        emit(upTo: end, into: &output)
    }

    /// Gives the peaks of samples `next ..< end`; every one needs `taps` samples after it.
    private mutating func emit(upTo end: Int, into output: inout [Float]) {
        guard next < end else { return }
        let width = 2 * Self.taps
        buffer.withUnsafeBufferPointer { x in
            Self.kernel.withUnsafeBufferPointer { kernel in
                for n in next..<end {
                    let first = n - Self.taps + 1 - bufferStart
                    var peak = abs(x[first + Self.taps - 1])
                    for phase in 0..<3 {
                        var sum: Float = 0
                        let weights = phase * width
                        for k in 0..<width { sum += kernel[weights + k] * x[first + k] }
                        peak = max(peak, abs(sum))
                    }
                    output.append(peak)
                }
            }
        }
        next = end
        let keepFrom = next - Self.taps + 1
        buffer.removeFirst(keepFrom - bufferStart)
        bufferStart = keepFrom
    }
}
