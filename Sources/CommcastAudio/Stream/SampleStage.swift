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

/// `y[n] = min(x[n ..< n + window])`, the window cut short at the end: a minimum
/// that sees `window - 1` samples ahead (a monotonic queue).
struct LookAheadMinimum: SampleStage {
    let window: Int
    private var queue: [(index: Int, value: Float)] = []
    private var head = 0
    private var received = 0
    private var given = 0

    init(window: Int) { self.window = max(1, window) }

    mutating func process(_ input: [Float], into output: inout [Float]) {
        for v in input {
            while queue.count > head, queue[queue.count - 1].value >= v { queue.removeLast() }
            queue.append((received, v))
            received += 1
            if received >= given + window { emit(into: &output) }
        }
        compact()
    }

    mutating func finish(into output: inout [Float]) {
        while given < received { emit(into: &output) }
    }

    private mutating func emit(into output: inout [Float]) {
        while queue[head].index < given { head += 1 }
        output.append(queue[head].value)
        given += 1
    }

    private mutating func compact() {
        if head > 4096 {
            queue.removeFirst(head)
            head = 0
        }
    }
}

/// `y[n] = min(x[n - window + 1 ... n])`, the window cut short at the start.
struct TrailingMinimum: SampleStage {
    let window: Int
    private var queue: [(index: Int, value: Float)] = []
    private var head = 0
    private var received = 0

    init(window: Int) { self.window = max(1, window) }

    mutating func process(_ input: [Float], into output: inout [Float]) {
        for v in input {
            while queue.count > head, queue[queue.count - 1].value >= v { queue.removeLast() }
            queue.append((received, v))
            while queue[head].index <= received - window { head += 1 }
            output.append(queue[head].value)
            received += 1
        }
        if head > 4096 {
            queue.removeFirst(head)
            head = 0
        }
    }

    mutating func finish(into output: inout [Float]) {}
}
