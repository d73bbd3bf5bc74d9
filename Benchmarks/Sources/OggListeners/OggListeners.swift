import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// N HTTP listeners of an Ogg stream (Icecast's, or the station's own), on one event
/// loop, for Benchmarks/run-live.sh. Each parses the Ogg pages it gets and records
/// when every page arrived; with `--reference` one more listener reads the station's
/// stream directly, and a page's capture time is estimated as the earliest
/// "arrival − granule/48 kHz" the reference saw, plus its granule time.
///
/// Usage: OggListeners URL CLIENTS SECONDS [REFERENCE-URL]
/// Prints JSON: pages, gaps, lag p50/p99 in ms, clients that got audio.
@main
struct OggListeners {
    static func main() async throws {
        let args = CommandLine.arguments
        guard args.count >= 4, let clients = Int(args[2]), let seconds = Double(args[3]) else {
            FileHandle.standardError.write(Data("usage: OggListeners URL CLIENTS SECONDS [REFERENCE-URL]\n".utf8))
            exit(64)
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let record = Record()
        var channels: [any Channel] = []
        if args.count > 4 { channels.append(try await connect(args[4], group: group, record: record, reference: true)) }
        for _ in 0..<clients {
            channels.append(try await connect(args[1], group: group, record: record, reference: false))
        }
        try await Task.sleep(for: .seconds(seconds))
        for channel in channels { try? await channel.close() }
        print(record.summary(clients: clients))
        try await group.shutdownGracefully()
    }

    static func connect(_ url: String, group: EventLoopGroup, record: Record, reference: Bool) async throws -> any Channel {
        let u = URL(string: url)!
        let path = u.path + (u.query.map { "?\($0)" } ?? "")
        return try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(OggPageReader(record: record, reference: reference))
                }
            }
            .connect(host: u.host!, port: u.port!).flatMap { channel in
                // HTTP/1.0: no chunked framing in the body, from the station or Icecast.
                channel.writeAndFlush(ByteBuffer(string: "GET \(path) HTTP/1.0\r\nHost: \(u.host!)\r\nUser-Agent: commcast-bench\r\n\r\n")).map {
                    channel
                }
            }.get()
    }
}

/// Arrival times of every page, by granule, for all listeners.
final class Record: Sendable {
    struct State {
        var referenceArrival: [Int64: Double] = [:]
        var arrivals: [(granule: Int64, at: Double)] = []
        var gaps = 0
        var clientsWithAudio = 0
    }
    let state = NIOLockedValueBox(State())

    func summary(clients: Int) -> String {
        state.withLockedValue { s in
            // The least-delayed reference page defines the capture timeline.
            let origin = s.referenceArrival.map { $0.value - Double($0.key) / 48_000 }.min()
            var lags = origin.map { o in s.arrivals.map { ($0.at - (o + Double($0.granule) / 48_000)) * 1000 } } ?? []
            lags.sort()
            func p(_ q: Double) -> Double? { lags.isEmpty ? nil : lags[min(lags.count - 1, Int(q * Double(lags.count)))] }
            let json: [String: Any] = [
                "clients": clients, "clients_with_audio": s.clientsWithAudio, "pages": s.arrivals.count, "gaps": s.gaps,
                "lag_p50_ms": p(0.5) ?? -1, "lag_p99_ms": p(0.99) ?? -1, "lag_max_ms": lags.last ?? -1,
            ]
            return String(decoding: try! JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self)
        }
    }
}

/// Skips the HTTP response head, then splits the body into Ogg pages.
final class OggPageReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let record: Record
    let reference: Bool
    var buffer = ByteBuffer()
    var inBody = false
    var lastSequence: UInt32?
    var gotAudio = false

    init(record: Record, reference: Bool) {
        self.record = record
        self.reference = reference
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        let now = Date().timeIntervalSince1970
        if !inBody {
            guard let end = buffer.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            buffer.moveReaderIndex(forwardBy: end.upperBound - buffer.readableBytesView.startIndex)
            inBody = true
        }
        var pages: [(Int64, UInt32)] = []
        while buffer.readableBytes >= 27 {
            let start = buffer.readerIndex
            guard buffer.getString(at: start, length: 4) == "OggS" else {
                buffer.moveReaderIndex(forwardBy: 1)  // resynchronise
                continue
            }
            let segments = Int(buffer.getInteger(at: start + 26, as: UInt8.self)!)
            guard buffer.readableBytes >= 27 + segments else { break }
            let body = (0..<segments).reduce(0) { $0 + Int(buffer.getInteger(at: start + 27 + $1, as: UInt8.self)!) }
            guard buffer.readableBytes >= 27 + segments + body else { break }
            let granule = buffer.getInteger(at: start + 6, endianness: .little, as: Int64.self)!
            let sequence = buffer.getInteger(at: start + 18, endianness: .little, as: UInt32.self)!
            buffer.moveReaderIndex(forwardBy: 27 + segments + body)
            if granule > 0 { pages.append((granule, sequence)) }
        }
        buffer.discardReadBytes()
        guard !pages.isEmpty else { return }
        var gaps = 0
        for (_, sequence) in pages {
            if let last = lastSequence, sequence != last &+ 1 { gaps += 1 }
            lastSequence = sequence
        }
        let first = !gotAudio
        gotAudio = true
        record.state.withLockedValue { s in
            if reference {
                for (granule, _) in pages { s.referenceArrival[granule] = now }
            } else {
                for (granule, _) in pages { s.arrivals.append((granule, now)) }
                s.gaps += gaps
                if first { s.clientsWithAudio += 1 }
            }
        }
    }
}
