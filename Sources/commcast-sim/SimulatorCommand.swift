import ArgumentParser
import CommcastLink
import CommcastSimulator
import Foundation
import Logging

/// `commcast-sim`: many loudspeaker clusters in one process, for tests, load and demos.
@main
struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commcast-sim",
        abstract: "Simulate loudspeaker clusters against a commcastd station (docs/protocol.md).",
        discussion: """
            The clusters come from a credentials file as written by
            'commcast cluster import FILE --credentials OUT' (id,credential per line).
            Exit status: 0 when every cluster connected, 1 otherwise, 64 on bad options.
            """)

    @Option(help: "The station's link, host:port (commcast status shows it).") var station: String
    @Option(
        help:
            "A standby station's link, host:port: a cluster that fails to reach its station three times running dials this one, and back (docs/protocol.md, \"A second station address\")."
    ) var standbyStation: String?
    @Option(help: "Credentials CSV: id,credential[,fingerprint].") var credentials: String
    @Option(help: "Simulate only the first N clusters of the file.") var count: Int?
    @Option(help: "Run this many seconds.") var duration: Double = 60
    @Option(name: .customLong("until-completed"), help: "Stop early once this many airings completed and were acknowledged.") var untilCompleted: Int?
    @Option(name: .customLong("drop-mean"), help: "Drop each link after a random time with this mean, in seconds.") var dropMean: Double?
    @Option(name: .customLong("drop-all-at"), help: "Drop every link at these seconds after the start (repeatable).") var dropAllAt: [Double] = []
    @Option(name: .customLong("delay-ms"), help: "Delay before every message a cluster sends.") var delayMS: Int = 0
    @Option(help: "Percent of heartbeats and receipts lost on the way (receipts are resent).") var loss: Double = 0
    @Option(name: .customLong("live-decode-percent"), help: "Percent of clusters that Opus-decode live audio (the rest check frames and timing).")
    var liveDecodePercent: Double = 100

    @Option(
        name: .customLong("live-audio-dir"),
        help: "Write what each cluster played of each live broadcast to DIR/CLUSTER-LIVEID.wav (all clusters decode).")
    var liveAudioDirectory: String?
    @Option(name: .customLong("clock-skew"), help: "The clusters' clocks are off by this many seconds.") var clockSkew: Double = 0
    @Option(name: .customLong("download-kibps"), help: "Throttle each download to this many KiB/s.") var downloadKiBps: Int?
    @Option(name: .customLong("corrupt"), help: "Percent of downloads corrupted in transit.") var corrupt: Double = 0
    @Option(help: "Misbehaving clients to run alongside.") var hostile: Int = 0
    @Option(name: .customLong("reconnect-jitter"), help: "Reconnect after a random 0..N seconds.") var reconnectJitter: Double = 2
    @Option(
        name: .customLong("tls-ca"),
        help:
            "The station uses TLS: trust this PEM certificate (its CA, or itself if self-signed); give --station by the name in the certificate, not an IP address."
    )
    var tlsCA: String?
    @Option(
        help: ArgumentHelp(
            "Break a rule of docs/protocol.md on purpose (repeatable), to test a conformance runner.",
            valueName: ProtocolViolation.allCases.map(\.rawValue).joined(separator: "|")))
    var violate: [String] = []
    @Option(
        name: .customLong("link-timeout"),
        help: "Ping the station this often, in seconds; a ping unanswered by the next one means the link is dead (docs/protocol.md, C-16).")
    var linkTimeout: Double = 30
    @Option(
        help: ArgumentHelp(
            "Dial the station through a fault proxy with a 4G profile: 4g-good (60 ms ± 20), 4g-bad (300 ms ± 150, 64 kbit/s, a 2–20 s stall every 2 min on average, 2 resets an hour).",
            valueName: "4g-good|4g-bad"))
    var faults: String?
    @Option(
        name: .customLong("outage"),
        help: ArgumentHelp("An outage through the fault proxy: nothing moves from AT for SECONDS (repeatable).", valueName: "AT:SECONDS"))
    var outages: [String] = []
    @Option(name: .customLong("fin-at"), help: "Send every cluster a FIN and then silence, at these seconds (repeatable).") var finAt: [Double] = []
    @Option(name: .customLong("reset-at"), help: "Reset every link at these seconds (repeatable).") var resetAt: [Double] = []
    @Flag(help: "Print the summary as JSON.") var json = false
    @Option(name: .customLong("log-level"), help: "trace, debug, info, warning, error.") var logLevel: String = "warning"

    mutating func run() async throws {
        let text: String
        do { text = try String(contentsOfFile: credentials, encoding: .utf8) } catch {
            throw ValidationError("cannot read \(credentials): \((error as NSError).localizedDescription)")
        }
        var clusters: [ClusterCredential]
        do { clusters = try SimulatorOptions.credentials(csv: text) } catch {
            throw ValidationError("\(credentials): \(error)")
        }
        if let count { clusters = Array(clusters.prefix(count)) }
        guard !clusters.isEmpty else { throw ValidationError("\(credentials): no clusters") }
        guard station.contains(":") else { throw ValidationError("station: got \(station), expected host:port") }
        if let standbyStation, !standbyStation.contains(":") || standbyStation == station {
            throw ValidationError("--standby-station: got \(standbyStation), expected another station's host:port")
        }
        let level = Logger.Level(rawValue: logLevel) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var options = SimulatorOptions(
            station: station, clusters: clusters, duration: .seconds(duration), stopAfterCompleted: untilCompleted,
            dropMeanSeconds: dropMean, dropAllAt: dropAllAt, delay: .milliseconds(delayMS), lossPercent: loss,
            clockSkewSeconds: clockSkew, downloadKiBps: downloadKiBps, corruptPercent: corrupt, hostileClients: hostile,
            reconnectJitterSeconds: reconnectJitter, tlsTrustRoots: tlsCA)
        options.liveDecodePercent = liveDecodePercent
        options.standbyStation = standbyStation
        options.liveAudioDirectory = liveAudioDirectory
        guard linkTimeout >= 1 else { throw ValidationError("--link-timeout: got \(linkTimeout), expected 1 or more seconds") }
        options.linkTimeoutSeconds = linkTimeout
        if let faults {
            guard let profile = FaultProxy.Faults.profile(named: faults) else {
                throw ValidationError("--faults: got \(faults), expected \(FaultProxy.Faults.profileNames.joined(separator: " or "))")
            }
            options.faults = profile
        }
        for outage in outages {
            let parts = outage.split(separator: ":").map { Double($0) }
            guard parts.count == 2, let at = parts[0], let seconds = parts[1], at >= 0, seconds > 0 else {
                throw ValidationError("--outage: got \(outage), expected AT:SECONDS, such as 60:1800")
            }
            options.outages.append((at, seconds))
        }
        options.finAt = finAt
        options.resetAt = resetAt
        if options.usesProxy, tlsCA != nil {
            throw ValidationError("--faults, --outage, --fin-at and --reset-at work on a plain link; without --tls-ca")
        }
        for name in violate {
            guard let v = ProtocolViolation(rawValue: name) else {
                throw ValidationError(
                    "--violate: got \(name), expected one of \(ProtocolViolation.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            options.violations.insert(v)
        }
        let simulator = Simulator(options: options, logger: Logger(label: "commcast-sim"))
        // SIGINT or SIGTERM ends the run early and still prints its summary.
        let signals = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { simulator.stop() }
            source.resume()
            return source
        }
        let summary = await simulator.run()
        for source in signals { source.cancel() }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(summary)
        }
        if summary.allConnectedAfterSeconds == nil { throw ExitCode(1) }
    }
}
