import CommcastAudio
import CommcastControlAPI
import CommcastCore
import CommcastDaemon
import CommcastLink
import Foundation

/// The parsers a station runs on input it does not control, each as one function of
/// bytes, for libFuzzer (`Fuzz/`, docs/reliability.md "Fuzzing") and for the corpus
/// replay in the normal tests. Each must return for any input — an error is an answer —
/// and holds to what its caller relies on; a broken promise traps, which is a finding.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A WAV upload: the header parsed, then every sample read.
    case wav
    /// The container sniffer every upload passes first.
    case sniff
    /// A text frame on the cluster link, both directions.
    case linkCodec = "link-codec"
    /// A `Range` header on the media endpoint.
    case range
    /// A province's cluster CSV.
    case clusterCSV = "cluster-csv"
    /// `commcastd.toml`.
    case configuration
    /// A control API request body (a bulletin, the commonest and richest), as the
    /// routes decode it and check it before the store is touched.
    case controlRequest = "control-request"
    /// A bulletin on the province's webhook.
    case provinceBulletin = "province-bulletin"

    /// Runs one input.
    public func run(_ data: Data) {
        switch self {
        case .wav: Self.wav(data)
        case .sniff: _ = ContainerKind.sniff(data)
        case .linkCodec: Self.linkCodec(data)
        case .range: Self.range(data)
        case .clusterCSV: Self.clusterCSV(data)
        case .configuration: _ = ConfigurationLoader().parse(String(decoding: data, as: UTF8.self))
        case .controlRequest: Self.controlRequest(data)
        case .provinceBulletin: _ = try? CommcastProvincialProtocol().decodeBulletin(data)
        }
    }

    static func wav(_ data: Data) {
        guard let file = try? WAVFile(data: data) else { return }
        precondition(file.frameCount >= 0 && file.channels > 0 && file.sampleRate > 0, "a parsed WAV has a shape")
        // Read it all, as the ingest does, in blocks; a header that lies about its size must not read past the data.
        var start = 0
        while start < min(file.frameCount, 48_000 * 30) {
            let count = min(4_096, file.frameCount - start)
            precondition(file.monoSamples(from: start, count: count).count == count, "a block has the frames asked for")
            start += count
        }
    }

    static func linkCodec(_ data: Data) {
        guard data.count <= LinkCodec.maxTextBytes, let text = String(validating: data, as: UTF8.self) else { return }
        if let message = try? LinkCodec.decodeClusterMessage(text), let first = reencode(message) {
            // What the station decoded, written out and read again, reads the same.
            let again = try? LinkCodec.decodeClusterMessage(first)
            precondition(again.flatMap(reencode) == first, "a cluster message survives a round trip: \(first)")
        }
        _ = try? LinkCodec.decodeServerMessage(text)
    }

    static func reencode(_ message: ClusterMessage) -> String? {
        switch message {
        case .hello(let m): LinkCodec.encode(m)
        case .heartbeat(let m): LinkCodec.encode(m)
        case .receipt(let m): LinkCodec.encode(m)
        case .mediaReport(let m): LinkCodec.encode(m)
        case .commandResult(let m): LinkCodec.encode(m)
        case .rejectedReceipt, .unanswerableReceipt, .unknown: nil
        }
    }

    static func range(_ data: Data) {
        // The first 4 bytes: the file's size; the rest: the header.
        guard data.count >= 4 else { return }
        let size = Int(data.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) } % 100_000_000)
        let header = String(decoding: data.dropFirst(4), as: UTF8.self)
        if case .partial(let r) = ByteRangeRequest(header: header, size: size) {
            precondition(r.lowerBound >= 0 && r.upperBound < size, "a range served lies in the file: \(r) of \(size)")
        }
    }

    static func clusterCSV(_ data: Data) {
        guard let text = String(validating: data, as: UTF8.self) else { return }
        let lines = text.reduce(1) { $1.isNewline ? $0 + 1 : $0 }
        do {
            for row in try ClusterCSV.parse(text) {
                precondition(row.line >= 1 && row.line <= lines, "a row names a line of the file: \(row.line) of \(lines)")
            }
        } catch {
            precondition(!error.problems.isEmpty, "a refused file says why")
        }
    }

    static func controlRequest(_ data: Data) {
        let request: AddBulletinRequest
        do {
            request = try ControlRequestDecoding.decode(AddBulletinRequest.self, from: data)
        } catch {
            return
        }
        _ = try? PrintableText.check(request.title, field: "title", maxLength: 200)
        for target in request.targets {
            if let zone = target.zone { _ = try? ZonePath.normalize(zone) }
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        let now = Date(timeIntervalSince1970: 1_796_256_000)
        if let rule = try? request.schedule.rule(calendar: calendar, now: now) {
            // The planner's first question of any rule: when, over the next day.
            let day = DateInterval(start: now, duration: 86_400)
            for t in rule.occurrences(in: day, calendar: calendar) {
                precondition(day.contains(t), "an occurrence lies in the interval asked")
            }
        }
    }
}
