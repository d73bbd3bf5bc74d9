/// One step of signal processing that runs over a stream in blocks and gives the
/// same samples as over the whole signal at once: what it needs from the future
/// it holds back, and `finish` lets out at the end (as if silence, or nothing,
/// followed).
protocol SampleStage {
    /// Takes the next samples and appends what it can already give.
    mutating func process(_ input: [Float], into output: inout [Float])
    /// Appends what it still holds at the end of the stream.
    mutating func finish(into output: inout [Float])
}

/// Two stages, one after the other.
struct ChainedStage<First: SampleStage, Second: SampleStage>: SampleStage {
    var first: First
    var second: Second

    mutating func process(_ input: [Float], into output: inout [Float]) {
        var middle: [Float] = []
        middle.reserveCapacity(input.count)
        first.process(input, into: &middle)
        second.process(middle, into: &output)
    }

    mutating func finish(into output: inout [Float]) {
        var middle: [Float] = []
        first.finish(into: &middle)
        second.process(middle, into: &output)
        second.finish(into: &output)
    }
}

extension SampleStage {
    /// This stage, then `next`.
    func then<Next: SampleStage>(_ next: Next) -> ChainedStage<Self, Next> { ChainedStage(first: self, second: next) }
}

/// The smallest of the samples from some index on, kept as a monotonic queue: each
/// sample is added once and dropped once, however wide the window.
struct MinimumQueue {
    private var queue: [(index: Int, value: Float)] = []
    private var head = 0

    /// Adds sample `index`; samples it undercuts can never be the minimum again.
    mutating func push(_ value: Float, at index: Int) {
        while queue.count > head, queue[queue.count - 1].value >= value { queue.removeLast() }
        queue.append((index, value))
    }

    /// The smallest value among the samples from `first` on.
    mutating func minimum(from first: Int) -> Float {
        while queue[head].index < first { head += 1 }
        if head > 4096 {
            queue.removeFirst(head)
            head = 0
        }
        return queue[head].value
    }
}

/// `y[n] = min(x[n ..< n + window])`, the window cut short at the end: a minimum
/// that sees `window - 1` samples ahead.
struct LookAheadMinimum: SampleStage {
    let window: Int
    private var queue = MinimumQueue()
    private var received = 0
    private var given = 0

    init(window: Int) { self.window = max(1, window) }

    mutating func process(_ input: [Float], into output: inout [Float]) {
        for v in input {
            queue.push(v, at: received)
            received += 1
            if received >= given + window { emit(into: &output) }
        }
    }

    mutating func finish(into output: inout [Float]) {
        while given < received { emit(into: &output) }
    }

    private mutating func emit(into output: inout [Float]) {
        output.append(queue.minimum(from: given))
        given += 1
    }
}

/// `y[n] = min(x[n - window + 1 ... n])`, the window cut short at the start.
struct TrailingMinimum: SampleStage {
    let window: Int
    private var queue = MinimumQueue()
    private var received = 0

    init(window: Int) { self.window = max(1, window) }

    mutating func process(_ input: [Float], into output: inout [Float]) {
        for v in input {
            queue.push(v, at: received)
            output.append(queue.minimum(from: received - window + 1))
            received += 1
        }
    }

    mutating func finish(into output: inout [Float]) {}
}
