import CommcastAudio
import CommcastControlAPI
import CommcastCore
import CommcastLink
import CommcastStore
import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Relays (tiếp sóng) outside streams into the live path at their hours
/// (docs/live.md, "Relay"). ffmpeg reads and decodes the stream (MP3, AAC, Ogg) to
/// 48 kHz PCM; the broadcaster encodes it like a microphone.
///
/// Guard rails, each logged with its reason: only inside the relay's hours, never
/// in quiet hours, off at the end of its slot, off after a stretch of silence or
/// when the source dies (then retried a minute later while the slot lasts). A relay
/// ranks below every live broadcast: one that an operator starts replaces it, and
/// the relay comes back when that one ends, if its slot still runs.
struct RelayService: Service {
    let settings: RunningConfiguration
    let onAir: OnAir
    let scope: OperatorScope
    let logger: Logger
    let now: @Sendable () -> Date

    /// A relay on air: its broadcast and the ffmpeg feeding it.
    final class Airing: @unchecked Sendable {
        let liveID: String
        let process: Process
        /// Why the feeding thread ended the broadcast, if it did.
        let ended = NIOLockedValueBox<String?>(nil)

        init(liveID: String, process: Process) {
            self.liveID = liveID
            self.process = process
        }
    }

    func run() async throws {
        let relays = settings.current.relays
        let leftOnAir = await cancelWhenGracefulShutdown { () -> [String: Airing] in
            var airing: [String: Airing] = [:]
            var retryAfter: [String: Date] = [:]
            while !Task.isCancelled {
                for relay in relays {
                    let at = now()
                    let verdict = relay.slot.verdict(at: at, quiet: settings.current.schedule.quietHours, calendar: settings.calendar)
                    if let current = airing[relay.name] {
                        if case .closed(let reason) = verdict {
                            stop(current, relay: relay, reason: reason == "outside its hours \(relay.slot.hours)" ? "slot ended" : reason)
                            airing[relay.name] = nil
                        } else if !onAir.isRunning(current.liveID) {
                            // Replaced by an operator's broadcast, silent, or its source died.
                            current.process.terminate()
                            airing[relay.name] = nil
                            let reason = current.ended.withLockedValue { $0 }
                            retryAfter[relay.name] = at.addingTimeInterval(reason == nil ? 2 : 60)
                            logger.notice("relay off the air", metadata: ["relay": "\(relay.name)", "reason": "\(reason ?? "another broadcast")"])
                        }
                    } else if case .air = verdict, at >= retryAfter[relay.name] ?? .distantPast, !onAir.isOnAir {
                        airing[relay.name] = start(relay, at: at)
                        // No clusters yet, or another broadcast won the race: look again soon.
                        if airing[relay.name] == nil { retryAfter[relay.name] = at.addingTimeInterval(5) }
                    }
                }
                try? await Task.sleep(for: .seconds(1))
            }
            return airing
        }
        for (name, current) in leftOnAir {
            if let relay = relays.first(where: { $0.name == name }) { stop(current, relay: relay, reason: "station shutting down") }
        }
    }

    func start(_ relay: DaemonConfiguration.Relay, at: Date) -> Airing? {
        let actor = Self.actor(relay)
        do {
            let ids = try scope.clusterIDs(under: relay.zones)
            guard !ids.isEmpty else {
                logger.debug("relay has no clusters in its zones yet", metadata: ["relay": "\(relay.name)", "zones": "\(relay.zones)"])
                return nil
            }
            let ffmpegPath = settings.current.ingest.ffmpegPath
            guard let ffmpeg = FFmpegTranscoder(executable: ffmpegPath).resolvedPath() else {
                logger.error("relay needs ffmpeg", metadata: ["relay": "\(relay.name)", "ffmpeg": "\(ffmpegPath)"])
                return nil
            }
            let started = try onAir.startForStation(
                level: .relay, clusterIDs: ids, targets: relay.zones, source: "relay", title: relay.name,
                actor: actor, details: ["url": relay.url])
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ffmpeg)
            // -re: read at the stream's own pace, as a listener would.
            process.arguments = ["-nostdin", "-v", "error", "-re", "-i", relay.url, "-vn", "-f", "s16le", "-ac", "1", "-ar", "48000", "-"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                onAir.end(started.liveId, reason: "ffmpeg cannot start: \(error)", actor: actor)
                throw error
            }
            let airing = Airing(liveID: started.liveId, process: process)
            logger.notice("relay on the air", metadata: ["relay": "\(relay.name)", "live_id": "\(started.liveId)", "url": "\(relay.url)"])
            let thread = Thread { feed(airing, from: output.fileHandleForReading, relay: relay) }
            thread.start()
            return airing
        } catch let refusal as Refusal where refusal.code == "busy" || refusal.code == "quiet_hours" {
            logger.debug("relay waits", metadata: ["relay": "\(relay.name)", "reason": "\(refusal.message)"])
            return nil
        } catch {
            logger.error("relay cannot start", metadata: ["relay": "\(relay.name)", "error": "\(error)"])
            return nil
        }
    }

    static func actor(_ relay: DaemonConfiguration.Relay) -> Actor {
        Actor(name: "relay:\(relay.name)", origin: "daemon")
    }

    /// Reads ffmpeg's PCM and feeds the broadcast until it ends; ends it on silence or a dead source.
    func feed(_ airing: Airing, from pipe: FileHandle, relay: DaemonConfiguration.Relay) {
        var silentSamples = 0
        let silenceLimit = relay.silenceSeconds * 48_000
        let threshold = Float(pow(10, relay.silenceDBFS / 20) * 32767)
        var carry = Data()
        var reason: String?
        while reason == nil {
            let data = pipe.availableData
            if data.isEmpty {
                airing.process.waitUntilExit()
                reason = "source ended (ffmpeg exit status \(airing.process.terminationStatus))"
                break
            }
            carry.append(data)
            let whole = carry.count / 2 * 2
            let samples = carry.prefix(whole).withUnsafeBytes { raw in
                (0..<whole / 2).map { Int16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }
            }
            carry.removeFirst(whole)
            let peak = samples.reduce(Float(0)) { max($0, abs(Float($1))) }
            silentSamples = peak < threshold ? silentSamples + samples.count : 0
            if silentSamples >= silenceLimit {
                reason = "silence for \(relay.silenceSeconds) s"
                break
            }
            guard (try? onAir.feed(airing.liveID, samples: samples)) == true else { return }
        }
        guard let reason else { return }
        airing.ended.withLockedValue { $0 = reason }
        onAir.end(airing.liveID, reason: reason, actor: Self.actor(relay))
        airing.process.terminate()
    }

    func stop(_ airing: Airing, relay: DaemonConfiguration.Relay, reason: String) {
        airing.process.terminate()
        if onAir.end(airing.liveID, reason: reason, actor: Self.actor(relay)) != nil {
            logger.notice("relay off the air", metadata: ["relay": "\(relay.name)", "reason": "\(reason)"])
        }
    }
}
