import ArgumentParser
import AsyncHTTPClient
import CommcastAudio
import CommcastCapture
import CommcastControlAPI
import Foundation
import NIOCore

/// `commcast live`: the emergency broadcast (docs/live.md).
struct LiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Broadcast live to clusters now, from the microphone, a file or stdin.",
        subcommands: [Start.self, Stop.self, Show.self],
        defaultSubcommand: Start.self
    )

    struct Start: DaemonCommand {
        static let configuration = CommandConfiguration(
            commandName: "start",
            abstract: "Start a live broadcast (the default: `commcast live --mic`).",
            discussion: """
                Every online targeted cluster stops what it plays and airs the live audio within a second. \
                Ctrl-C, `commcast live stop`, or the end of the file ends it; the schedule then resumes. \
                stdin takes WAV (48 kHz, 16-bit) or raw 48 kHz mono s16le.
                """
        )
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Capture from the microphone (ALSA).") var mic = false
        @Option(help: "ALSA capture device for --mic (default: the daemon's live.microphone).") var device: String?
        @Option(help: "Broadcast this audio file (WAV, or anything ffmpeg reads).") var file: String?
        @Flag(help: "Read audio from stdin.") var stdin = false
        @Option(help: "Zone to reach, with everything below it; repeatable.") var zone: [String] = []
        @Option(help: "Cluster to reach; repeatable. With no zone or cluster: every cluster you cover.") var cluster: [String] = []
        @Option(help: "emergency or priority.") var level = "emergency"
        @Option(help: "Title for the audit, the report and the stream.") var title = "Phát thanh trực tiếp"

        func validate() throws {
            let sources = [mic, file != nil, stdin].filter { $0 }.count
            guard sources == 1 else { throw ValidationError("choose one source: --mic, --file PATH or --stdin") }
            guard ["emergency", "priority"].contains(level) else {
                throw ValidationError("--level: got \"\(level)\", expected emergency or priority")
            }
        }

        func execute(_ client: ControlClient) async throws {
            // Open the source before going on air, so a wrong device or file fails first.
            let status = try await client.get("/status", as: StatusResponse.self)
            let source: LiveSource
            do {
                if mic {
                    source = try .microphone(device ?? status.liveMicrophone ?? "default")
                } else if let file {
                    // Missing, a directory, a device: the same words and exit code as every other command's file.
                    _ = try InputFile.read(file, what: "--file")
                    source = try .file(file)
                } else {
                    source = try .stdin()
                }
            } catch let e as LiveSource.Problem {
                throw fail(e.message, ExitCodes.dataError)
            }
            let request = LiveStartRequest(level: level, zones: zone, clusters: cluster, source: source.kind, title: title)
            let started = try await client.send(.POST, "/live", json: request, as: LiveBroadcastStatus.self)
            let scheme = status.linkTls == true ? "https" : "http"
            // A link listening on every address is reached by the station's name, not 0.0.0.0.
            let address = status.linkAddress ?? "station:7470"
            let host =
                ["0.0.0.0:", "[::]:", ":::"].first(where: address.hasPrefix).map {
                    ProcessInfo.processInfo.hostName + ":" + address.dropFirst($0.count)
                } ?? address
            FileHandle.standardError.write(
                Data(
                    """
                    \(started.level) broadcast \(started.liveId) on air to \(started.targeted) clusters (\(started.receiving) connected)
                    stream: \(scheme)://\(host)\(started.streamPath)
                    Ctrl-C or `commcast live stop` ends it.

                    """.utf8))
            if started.receiving == 0 {
                FileHandle.standardError.write(
                    Data(
                        "commcast: warning: none of the \(started.targeted) targeted clusters is connected now; they hear it only if they come back while it lasts\n"
                            .utf8))
            }
            let id = started.liveId
            let interrupt = Interrupt { Task { _ = try? await client.send(.DELETE, "/live/\(id)") } }
            defer { interrupt.cancel() }
            // The upload ends the broadcast when the source ends; the watcher notices when
            // the station ends it first (`commcast live stop`, a silent source, an emergency
            // that replaces it), and then the command stops reading its source.
            let ended = try await withThrowingTaskGroup(of: LiveBroadcastStatus?.self) { group in
                group.addTask {
                    let body = HTTPClientRequest.Body.stream(source.chunks(), length: .unknown)
                    do {
                        let reply = try await client.send(
                            .PUT, "/live/\(id)/audio", contentType: "application/octet-stream", stream: body,
                            timeout: .hours(24))
                        return try client.decode(reply, as: LiveBroadcastStatus.self)
                    } catch let failure as ControlClient.Failure {
                        // Ended before the audio reached the station (`live stop` right after
                        // the start, an emergency replacing it): its status says how it ended.
                        if let s = try? await client.get("/live", as: LiveBroadcastStatus.self), s.liveId == id, s.endedAt != nil { return s }
                        throw failure
                    }
                }
                group.addTask { await Self.watch(client, id: id) }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let result { return result }
                }
                return try await client.get("/live", as: LiveBroadcastStatus.self)
            }
            let nobody = started.receiving == 0 && ended.receiving == 0 && ended.listeners == 0
            if global.json {
                try printJSON(ended)
            } else {
                let seconds = Double(ended.packets) * 0.02
                print(
                    "\(ended.liveId) ended: \(ended.endReason ?? "on air"); \(ended.packets) packets (\(String(format: "%.1f", seconds)) s) to \(ended.receiving) of \(ended.targeted) clusters"
                )
            }
            if nobody {
                throw fail(
                    "nobody heard the broadcast: none of the \(ended.targeted) targeted clusters was connected, and no one listened to its stream",
                    ExitCodes.unavailable)
            }
        }

        /// One status line a second on stderr (elapsed time, input level, clusters
        /// receiving) until the station says the broadcast ended; returns that status.
        static func watch(_ client: ControlClient, id: String) async -> LiveBroadcastStatus? {
            let tty = isatty(STDERR_FILENO) == 1
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                guard !Task.isCancelled, let s = try? await client.get("/live", as: LiveBroadcastStatus.self), s.liveId == id else { continue }
                if s.endedAt != nil {
                    if tty { FileHandle.standardError.write(Data("\n".utf8)) }
                    return s
                }
                let elapsed = Int(Date().timeIntervalSince(s.startedAt))
                let line = String(
                    format: "%02d:%02d  input %5.1f dBFS  receiving %d/%d  listeners %d",
                    elapsed / 60, elapsed % 60, s.inputPeakDbfs, s.receiving, s.targeted, s.listeners)
                FileHandle.standardError.write(Data((tty ? "\r\u{1B}[K" + line : line + "\n").utf8))
            }
            return nil
        }
    }

    struct Stop: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "stop", abstract: "End the live broadcast on air.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Its id (default: the one on air).") var id: String?

        func execute(_ client: ControlClient) async throws {
            let target: String
            if let id {
                target = id
            } else {
                let current = try await client.get("/live", as: LiveBroadcastStatus.self)
                guard current.endedAt == nil else { throw fail("no live broadcast is on air", ExitCodes.dataError) }
                target = current.liveId
            }
            let ended = try await client.send(.DELETE, "/live/\(target)")
            let status = try client.decode(ended, as: LiveBroadcastStatus.self)
            if global.json { try printJSON(status) } else { print("\(status.liveId) stopped after \(status.packets) packets") }
        }
    }

    struct Show: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the live broadcast on air, or the last one.")
        @OptionGroup var global: GlobalOptions

        func execute(_ client: ControlClient) async throws {
            let s = try await client.get("/live", as: LiveBroadcastStatus.self)
            if global.json {
                try printJSON(s)
                return
            }
            print("\(s.liveId)  \(s.level)  \(s.endedAt == nil ? "on air" : "ended: \(s.endReason ?? "")")")
            print("source \(s.source) by \(s.operatorName), \(s.packets) packets, receiving \(s.receiving)/\(s.targeted), listeners \(s.listeners)")
        }
    }
}

/// Runs `action` once on the first SIGINT (Ctrl-C), then lets a second one kill the process.
final class Interrupt: @unchecked Sendable {
    private let source: DispatchSourceSignal

    init(_ action: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT)
        source.setEventHandler { [source] in
            action()
            source.cancel()
            signal(SIGINT, SIG_DFL)
        }
        source.resume()
    }

    func cancel() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
