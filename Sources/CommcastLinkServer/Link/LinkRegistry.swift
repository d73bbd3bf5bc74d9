import CommcastCore
import CommcastLink
import Foundation
import Synchronization

/// The clusters connected right now: one session each, with what the station
/// needs to reach them (their outgoing queue), judge their health and authorise
/// their media downloads.
public final class LinkRegistry: Sendable {
    /// What the link writes to a cluster from outside its session.
    public enum Outgoing: Sendable {
        case text(String)
        /// Closes the link, after an `error` message with `reason` as its code and `message` as its words.
        case close(code: Int, reason: String, message: String)
    }

    /// One open, authenticated link.
    public struct Session: Sendable {
        public let id: UUID
        public let clusterID: String
        public let token: String
        public let since: Date
        /// The protocol version negotiated in the hello.
        public let version: LinkProtocolVersion
        let outgoing: LinkOutlet
        public var lastHeartbeat: HeartbeatSample?
        /// The cluster's clock less the station's at its last heartbeats (at most 10),
        /// each low by the heartbeat's time on the way.
        var skews: [TimeInterval] = []
        /// Hash of the last schedule sent, so an unchanged one is not sent again.
        var scheduleHash: Int?
        /// The revision of the last schedule this link was sent (the station keeps the count per cluster).
        public var scheduleRevision = 0
        /// Media the cluster was sent in a schedule and may therefore download.
        var allowedMedia: Set<String> = []
        /// Airings this link was told are cancelled (a `cancel`, or a `stop` for a 1.0 cluster).
        var sentCancels: Set<Int64> = []
        var lastSampleStoredAt: Date?
    }

    struct State {
        var sessions: [String: Session] = [:]
        /// The open links' download tokens, to their clusters: a download finds its
        /// link without a walk over every session (10,000 of them in a storm).
        var clusterByToken: [String: String] = [:]
        /// Tokens of closed links stay valid briefly so a download in flight can finish.
        var closedTokens: [String: (clusterID: String, media: Set<String>, until: Date)] = [:]
        /// When expired `closedTokens` are next swept: at most once a second, not at every
        /// close (a storm closes every link at once).
        var nextSweep = Date.distantPast
        /// Clusters that have connected since the daemon started.
        var everSeen: Set<String> = []
        /// The health service's last judgement of every cluster.
        var health: [String: ClusterHealthReport] = [:]
        var healthVersion = 0
        /// Heartbeats taken in since start (for `status` and the benchmark).
        var heartbeats = 0
        /// Receipts answered with a rejection since start.
        var receiptsRejected = 0
        /// Commands sent and not yet answered, by command id.
        var pendingCommands: [String: (clusterID: String, answer: CheckedContinuation<CommandOutcome, Never>)] = [:]
    }

    /// How a command sent to a cluster ended.
    public enum CommandOutcome: Sendable, Equatable {
        case answered(CommandResultMessage)
        case notConnected
        /// The link closed, or the cluster did not answer in time.
        case noAnswer
    }

    private let state = Mutex(State())
    /// Fired whenever a link opens or closes, so the health pass that judges it runs
    /// at once rather than at its next tick: an open console shows a cluster that went
    /// offline within a second or two.
    public let linkChanges = ScheduleTrigger()

    public init() {}

    /// Registers a new link; returns its session and the link it replaces.
    func register(
        clusterID: String, token: String, version: LinkProtocolVersion = .v1_1, outlet: LinkOutlet, at now: Date
    ) -> (Session, replaced: Session?) {
        let session = Session(id: UUID(), clusterID: clusterID, token: token, since: now, version: version, outgoing: outlet)
        let replaced = state.withLock { s in
            let old = s.sessions[clusterID]
            if let old { s.clusterByToken[old.token] = nil }
            s.sessions[clusterID] = session
            s.clusterByToken[token] = clusterID
            s.everSeen.insert(clusterID)
            return old
        }
        linkChanges.fire()
        return (session, replaced)
    }

    /// Removes a link when it ends, unless a newer one has replaced it.
    func unregister(_ session: Session, at now: Date) {
        state.withLock { s in
            let media = s.sessions[session.clusterID]?.allowedMedia ?? []
            if s.sessions[session.clusterID]?.id == session.id {
                s.sessions[session.clusterID] = nil
                s.clusterByToken[session.token] = nil
            }
            s.closedTokens[session.token] = (session.clusterID, media, now.addingTimeInterval(60))
            if now >= s.nextSweep {
                s.closedTokens = s.closedTokens.filter { $0.value.until > now }
                s.nextSweep = now.addingTimeInterval(1)
            }
        }
        let orphaned = state.withLock { s in
            let ids = s.pendingCommands.filter { $0.value.clusterID == session.clusterID && s.sessions[session.clusterID] == nil }.map(\.key)
            return ids.compactMap { s.pendingCommands.removeValue(forKey: $0)?.answer }
        }
        for answer in orphaned { answer.resume(returning: .noAnswer) }
        linkChanges.fire()
    }

    /// Sends a command and waits for the cluster's `command_result`, at most `timeout`.
    public func command(_ clusterID: String, _ message: CommandMessage, timeout: Duration) async -> CommandOutcome {
        await withCheckedContinuation { answer in
            let sent = state.withLock { s -> Bool in
                guard let session = s.sessions[clusterID] else { return false }
                s.pendingCommands[message.commandID] = (clusterID, answer)
                session.outgoing.yield(.text(LinkCodec.encode(message)))
                return true
            }
            guard sent else { return answer.resume(returning: .notConnected) }
            Task { [self] in
                try? await Task.sleep(for: timeout)
                resolveCommand(message.commandID, from: clusterID, .noAnswer)
            }
        }
    }

    /// Hands a cluster's answer to the command waiting for it; an answer to a command
    /// the cluster was never sent is ignored.
    func resolveCommand(_ commandID: String, from clusterID: String, _ outcome: CommandOutcome) {
        let answer = state.withLock { s -> CheckedContinuation<CommandOutcome, Never>? in
            guard s.pendingCommands[commandID]?.clusterID == clusterID else { return nil }
            return s.pendingCommands.removeValue(forKey: commandID)?.answer
        }
        answer?.resume(returning: outcome)
    }

    /// Forgets what was last sent to a cluster, so the next push sends its whole schedule.
    public func forgetSchedule(_ clusterID: String) {
        state.withLock { $0.sessions[clusterID]?.scheduleHash = nil }
    }

    /// How far the cluster's clock is ahead of the station's: the largest of its
    /// last heartbeats' readings, the one that spent least time on the way (a heartbeat
    /// held 10 s by a stalled 4G link reads the clock 10 s behind).
    public func clockSkew(of clusterID: String) -> TimeInterval? {
        state.withLock { $0.sessions[clusterID]?.skews.max() }
    }

    func heartbeat(_ clusterID: String, _ sample: HeartbeatSample) {
        state.withLock {
            $0.sessions[clusterID]?.lastHeartbeat = sample
            $0.sessions[clusterID]?.skews.append(sample.clockSkew)
            if let n = $0.sessions[clusterID]?.skews.count, n > 10 { $0.sessions[clusterID]?.skews.removeFirst(n - 10) }
            $0.heartbeats += 1
        }
    }

    /// Queues a message for a connected cluster; false when it is not connected.
    @discardableResult
    public func send(_ clusterID: String, _ message: Outgoing) -> Bool {
        guard let session = state.withLock({ $0.sessions[clusterID] }) else { return false }
        session.outgoing.yield(message)
        return true
    }

    /// A cluster's key was rotated: its open link, if any, closes now (4410) rather
    /// than at its next reconnect.
    public func credentialRotated(_ clusterID: String) {
        send(clusterID, .close(code: 4410, reason: "credential_changed", message: "the credential of \(clusterID) was replaced"))
    }

    /// A cluster's key was revoked: its open link, if any, closes now (4403).
    public func credentialRevoked(_ clusterID: String) {
        send(clusterID, .close(code: 4403, reason: "revoked", message: "the credential of \(clusterID) was revoked"))
    }

    /// Notes airings a cluster is about to be told are cancelled; returns those it
    /// was not told on this link yet, and its session (nil when it is not connected).
    public func noteCancels(_ clusterID: String, _ airingIDs: [Int64]) -> (new: [Int64], session: Session)? {
        state.withLock { s in
            guard var session = s.sessions[clusterID] else { return nil }
            let new = airingIDs.filter { !session.sentCancels.contains($0) }
            session.sentCancels.formUnion(new)
            s.sessions[clusterID] = session
            return (new, session)
        }
    }

    /// Counts a receipt the station refused.
    func noteRejectedReceipt() {
        state.withLock { $0.receiptsRejected += 1 }
    }

    /// Receipts refused since start.
    public var receiptsRejected: Int { state.withLock { $0.receiptsRejected } }

    /// Records the schedule about to be sent; false when it equals the last one.
    public func noteSchedule(_ clusterID: String, hash: Int, media: Set<String>) -> Bool {
        state.withLock { s -> Bool in
            guard var session = s.sessions[clusterID], session.scheduleHash != hash else { return false }
            session.scheduleHash = hash
            session.allowedMedia.formUnion(media)
            s.sessions[clusterID] = session
            return true
        }
    }

    /// Forgets the last schedule noted for a cluster, so the next push sends it
    /// again (when one noted could not be sent); records `revision` when it was.
    public func settleSchedule(_ clusterID: String, sentRevision revision: Int?) {
        state.withLock { s in
            guard var session = s.sessions[clusterID] else { return }
            if let revision {
                session.scheduleRevision = revision
            } else {
                session.scheduleHash = nil
            }
            s.sessions[clusterID] = session
        }
    }

    /// Whether `token` may download `sha256`: the cluster was sent it in a schedule.
    func mayDownload(token: String, sha256: String, at now: Date) -> String? {
        state.withLock { s in
            if let clusterID = s.clusterByToken[token], let session = s.sessions[clusterID] {
                return session.allowedMedia.contains(sha256) ? session.clusterID : nil
            }
            if let closed = s.closedTokens[token], closed.until > now, closed.media.contains(sha256) { return closed.clusterID }
            return nil
        }
    }

    /// Whether a token belongs to any open (or just closed) link.
    func knows(token: String, at now: Date) -> Bool {
        state.withLock { s in
            s.clusterByToken[token] != nil || (s.closedTokens[token].map { $0.until > now } ?? false)
        }
    }

    /// Marks that a sample was stored now; returns false when one was stored too recently.
    public func shouldStoreSample(_ clusterID: String, at now: Date, interval: TimeInterval) -> Bool {
        state.withLock { s in
            guard var session = s.sessions[clusterID] else { return false }
            if let last = session.lastSampleStoredAt, now.timeIntervalSince(last) < interval { return false }
            session.lastSampleStoredAt = now
            s.sessions[clusterID] = session
            return true
        }
    }

    /// Publishes the health service's latest pass.
    public func publishHealth(_ reports: [String: ClusterHealthReport]) {
        state.withLock {
            // Only a change of state counts: every heartbeat changes the reports, and a
            // console's event stream should not recount the province every pass.
            if $0.health.mapValues(\.state) != reports.mapValues(\.state) { $0.healthVersion += 1 }
            $0.health = reports
        }
    }

    /// Grows each time a health pass changes some cluster's state (online, degraded,
    /// offline, never seen): a console's event stream sends when it moves.
    public var healthVersion: Int { state.withLock { $0.healthVersion } }

    /// Every cluster's health as last judged (empty until the first pass).
    public var health: [String: ClusterHealthReport] { state.withLock { $0.health } }

    /// A copy of every open session.
    public var sessions: [String: Session] { state.withLock { $0.sessions } }

    /// Clusters seen since start.
    public var everSeen: Set<String> { state.withLock { $0.everSeen } }

    /// Heartbeats taken in since start.
    public var heartbeatsReceived: Int { state.withLock { $0.heartbeats } }

    /// How many clusters are connected.
    public var connectedCount: Int { state.withLock { $0.sessions.count } }
}
