/// Something that hands out a signal front to back, in as many samples as asked
/// for: fewer only when it has come to its end.
protocol SampleReader {
    mutating func read(_ count: Int) throws(IngestError) -> [Float]
}

/// A signal held in memory, read as a stream (the array forms of the stages).
struct ArrayReader: SampleReader {
    let samples: [Float]
    var position = 0

    init(_ samples: [Float]) { self.samples = samples }

    mutating func read(_ count: Int) -> [Float] {
        let end = min(samples.count, position + count)
        defer { position = end }
        return Array(samples[position..<end])
    }
}

/// No signal: ended before it began.
extension Optional: SampleReader where Wrapped: SampleReader {
    mutating func read(_ count: Int) throws(IngestError) -> [Float] {
        guard case .some(var reader) = self else { return [] }
        defer { self = .some(reader) }
        return try reader.read(count)
    }
}

/// Two signals multiplied sample by sample; where the second has ended it counts as 1.
struct ProductReader<A: SampleReader, B: SampleReader>: SampleReader {
    var first: A
    var second: B

    mutating func read(_ count: Int) throws(IngestError) -> [Float] {
        var out = try first.read(count)
        let other = try second.read(out.count)
        for i in other.indices { out[i] *= other[i] }
        return out
    }
}

/// The signal of `source` through `stage`, which may hold samples back (a look-ahead):
/// read ahead from the source until the stage has let out as many as asked.
struct StagedReader<Source: SampleReader, Stage: SampleStage>: SampleReader {
    var source: Source
    var stage: Stage
    private var ready: [Float] = []
    private var sourceEnded = false

    init(_ source: Source, through stage: Stage) {
        self.source = source
        self.stage = stage
    }

    /// What the source is read in.
    static var block: Int { 16_384 }

    mutating func read(_ count: Int) throws(IngestError) -> [Float] {
        while ready.count < count, !sourceEnded {
            let input = try source.read(Self.block)
            stage.process(input, into: &ready)
            if input.count < Self.block {
                sourceEnded = true
                stage.finish(into: &ready)
            }
        }
        let n = min(count, ready.count)
        defer { ready.removeFirst(n) }
        return Array(ready[0..<n])
    }
}

extension SampleStage {
    /// Runs a whole array through the stage.
    func run(_ input: [Float]) -> [Float] {
        var stage = self
        var out: [Float] = []
        out.reserveCapacity(input.count)
        stage.process(input, into: &out)
        stage.finish(into: &out)
        return out
    }
}
