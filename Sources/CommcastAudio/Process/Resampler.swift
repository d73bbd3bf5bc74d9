import CSoxr

/// Streaming mono sample-rate converter backed by libsoxr (high quality preset).
///
/// Not `Sendable`: one resampler belongs to one ingest job.
public final class Resampler {
    /// Input rate in Hz.
    public let inputRate: Int
    /// Output rate in Hz.
    public let outputRate: Int
    private let soxr: soxr_t?
    private let ratio: Double

    /// Creates a converter; when the rates are equal it passes samples through untouched.
    public init(inputRate: Int, outputRate: Int) throws(IngestError) {
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.ratio = Double(outputRate) / Double(inputRate)
        if inputRate == outputRate {
            soxr = nil
            return
        }
        var error: soxr_error_t?
        var quality = soxr_quality_spec(UInt(SOXR_HQ), 0)
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        let handle = soxr_create(Double(inputRate), Double(outputRate), 1, &error, &io, &quality, nil)
        if let error {
            throw .resamplerFailed(String(cString: error))
        }
        soxr = handle
    }

    deinit {
        if let soxr { soxr_delete(soxr) }
    }

    /// Converts one block; output lags input by the filter's delay, which `flush` returns.
    public func process(_ input: [Float]) throws(IngestError) -> [Float] {
        guard let soxr else { return input }
        return try run(soxr, input: input, flushing: false)
    }

    /// Drains the samples still held in the filter at the end of the stream.
    public func flush() throws(IngestError) -> [Float] {
        guard let soxr else { return [] }
        return try run(soxr, input: [], flushing: true)
    }

    private func run(_ soxr: soxr_t, input: [Float], flushing: Bool) throws(IngestError) -> [Float] {
        var output: [Float] = []
        output.reserveCapacity(Int(Double(input.count) * ratio) + 64)
        var scratch = [Float](repeating: 0, count: max(4096, Int(Double(input.count) * ratio) + 256))
        var consumed = 0
        while true {
            var inDone = 0
            var outDone = 0
            let error: soxr_error_t? = input.withUnsafeBufferPointer { src in
                scratch.withUnsafeMutableBufferPointer { dst in
                    if flushing {
                        return soxr_process(soxr, nil, 0, nil, dst.baseAddress, dst.count, &outDone)
                    }
                    return soxr_process(
                        soxr, src.baseAddress! + consumed, src.count - consumed, &inDone,
                        dst.baseAddress, dst.count, &outDone)
                }
            }
            if let error { throw .resamplerFailed(String(cString: error)) }
            consumed += inDone
            output.append(contentsOf: scratch[0..<outDone])
            if flushing ? outDone == 0 : (consumed >= input.count && outDone < scratch.count) { break }
            if !flushing && inDone == 0 && outDone == 0 { break }
        }
        return output
    }
}
