import Foundation

/// A message a cluster sends.
public enum ClusterMessage: Sendable, Equatable {
    case hello(HelloMessage)
    case heartbeat(HeartbeatMessage)
    case receipt(ReceiptMessage)
    case mediaReport(MediaReportMessage)
    case commandResult(CommandResultMessage)
    /// A receipt the station cannot take, with an id the cluster can be told to drop
    /// it by (docs/protocol.md: every receipt gets an answer, and the link stays up).
    case rejectedReceipt(receiptID: String, reason: String)
    /// A receipt without a usable `receipt_id`: nothing can tell the cluster to drop
    /// it, so the station says why with an `error` and keeps the link.
    case unanswerableReceipt(ErrorMessage)
    /// A type this version does not know: logged and ignored (docs/protocol.md, "Conventions").
    case unknown(type: String)
}

/// A message the station sends.
public enum ServerMessage: Sendable, Equatable {
    case challenge(ChallengeMessage)
    case welcome(WelcomeMessage)
    case schedule(ScheduleMessage)
    case receiptAck(ReceiptAckMessage)
    case cancel(CancelMessage)
    case command(CommandMessage)
    case liveStart(LiveStartMessage)
    case liveStop(LiveStopMessage)
    case error(ErrorMessage)
    case unknown(type: String)
}

/// JSON text frames to messages and back, with the checks the protocol states.
/// Every refusal is an `ErrorMessage` with code `malformed` whose text names the
/// message, the field, the value and what was expected.
public enum LinkCodec {
    /// Largest text frame either side accepts.
    public static let maxTextBytes = 64 * 1024

    public static func encode(_ message: some Encodable) -> String {
        // Encoding our own value types cannot fail; a failure would be a programming error.
        String(decoding: try! LinkTime.encoder().encode(message), as: UTF8.self)
    }

    public static func decodeClusterMessage(_ text: String) throws(ErrorMessage) -> ClusterMessage {
        let (type, data) = try envelope(text)
        switch type {
        case "hello":
            let m = try decode(HelloMessage.self, data, type)
            try check(
                isClusterID(m.clusterID), type, "cluster_id", m.clusterID.debugDescription,
                "1 to 64 ASCII letters, digits, '-', '_' or '.'")
            try check(
                !m.signature.isEmpty && m.signature.count <= 200, type, "signature", "\(m.signature.count) characters",
                "a base64url Ed25519 signature")
            return .hello(m)
        case "heartbeat":
            let m = try decode(HeartbeatMessage.self, data, type)
            try check(m.seq >= 0, type, "seq", "\(m.seq)", "0 or more")
            try check((0...100).contains(m.volume), type, "volume", "\(m.volume)", "0 to 100")
            try check(m.signalDBm.map { (-200...0).contains($0) } ?? true, type, "signal_dbm", "\(m.signalDBm ?? 0)", "-200 to 0")
            try check(m.uptimeSeconds >= 0, type, "uptime_seconds", "\(m.uptimeSeconds)", "0 or more")
            try check(m.firmware.count <= 100, type, "firmware", "\(m.firmware.count) characters", "at most 100")
            try check(m.cached.count <= 10_000, type, "cached", "\(m.cached.count) entries", "at most 10000")
            try check(
                m.cached.allSatisfy(isSHA256), type, "cached", m.cached.first { !isSHA256($0) } ?? "", "sha256 digests (64 lowercase hex digits)")
            try check(m.pendingReceipts >= 0, type, "pending_receipts", "\(m.pendingReceipts)", "0 or more")
            try check(
                m.errors.count <= 10 && m.errors.allSatisfy { $0.count <= 300 }, type, "errors", "\(m.errors.count) entries",
                "at most 10 of at most 300 characters")
            return .heartbeat(m)
        case "receipt":
            // A receipt the cluster can drop is answered, never closed on: the cluster
            // sends its oldest one first after every reconnect.
            guard let id = (try? JSONDecoder().decode(ReceiptEnvelope.self, from: data))?.receiptID else {
                return .unanswerableReceipt(
                    ErrorMessage(code: "malformed", message: "receipt: receipt_id: missing or not a string, expected 1 to 128 characters"))
            }
            guard !id.isEmpty && id.count <= 128 else {
                return .unanswerableReceipt(
                    ErrorMessage(code: "malformed", message: "receipt: receipt_id: got \(id.count) characters, expected 1 to 128"))
            }
            do {
                let m = try decode(ReceiptMessage.self, data, type)
                try check(m.airingID > 0, type, "airing_id", "\(m.airingID)", "a positive airing id")
                let needsReason = m.kind == .interrupted || m.kind == .failed
                try check(!needsReason || !(m.reason ?? "").isEmpty, type, "reason", "missing", "a reason for \(m.kind.rawValue)")
                try check((m.reason ?? "").count <= 300, type, "reason", "\((m.reason ?? "").count) characters", "at most 300")
                return .receipt(m)
            } catch {
                return .rejectedReceipt(receiptID: id, reason: error.message)
            }
        case "media_report":
            let m = try decode(MediaReportMessage.self, data, type)
            try check(isSHA256(m.sha256), type, "sha256", m.sha256, "64 lowercase hex digits")
            try check(["failed", "lost"].contains(m.state), type, "state", m.state.debugDescription, "failed or lost")
            try check((m.reason ?? "").count <= 300, type, "reason", "\((m.reason ?? "").count) characters", "at most 300")
            return .mediaReport(m)
        case "command_result":
            let m = try decode(CommandResultMessage.self, data, type)
            try check(!m.commandID.isEmpty && m.commandID.count <= 128, type, "command_id", m.commandID, "1 to 128 characters")
            try check((m.error ?? "").count <= 300, type, "error", "\((m.error ?? "").count) characters", "at most 300")
            return .commandResult(m)
        default:
            return .unknown(type: String(type.prefix(40)))
        }
    }

    public static func decodeServerMessage(_ text: String) throws(ErrorMessage) -> ServerMessage {
        let (type, data) = try envelope(text)
        switch type {
        case "challenge": return .challenge(try decode(ChallengeMessage.self, data, type))
        case "welcome": return .welcome(try decode(WelcomeMessage.self, data, type))
        case "schedule": return .schedule(try decode(ScheduleMessage.self, data, type))
        case "receipt_ack": return .receiptAck(try decode(ReceiptAckMessage.self, data, type))
        case "cancel": return .cancel(try decode(CancelMessage.self, data, type))
        case "command": return .command(try decode(CommandMessage.self, data, type))
        case "live_start": return .liveStart(try decode(LiveStartMessage.self, data, type))
        case "live_stop": return .liveStop(try decode(LiveStopMessage.self, data, type))
        case "error": return .error(try decode(ErrorMessage.self, data, type))
        default: return .unknown(type: String(type.prefix(40)))
        }
    }

    static func isSHA256(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// What `cluster_id` may hold: the station's own rule for cluster ids, so the
    /// `ccl1:<cluster_id>:<key>` credential splits one way only.
    public static func isClusterID(_ s: String) -> Bool {
        (1...64).contains(s.utf8.count)
            && s.utf8.allSatisfy { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 45 || $0 == 95 || $0 == 46 }
    }

    struct Envelope: Decodable { var type: String }

    struct ReceiptEnvelope: Decodable {
        var receiptID: String
        enum CodingKeys: String, CodingKey { case receiptID = "receipt_id" }
    }

    static func envelope(_ text: String) throws(ErrorMessage) -> (String, Data) {
        guard text.utf8.count <= maxTextBytes else {
            throw ErrorMessage(code: "malformed", message: "message of \(text.utf8.count) bytes, expected at most \(maxTextBytes)")
        }
        let data = Data(text.utf8)
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: data) else {
            throw ErrorMessage(code: "malformed", message: "expected a JSON object with a \"type\" string, got \(text.prefix(60).debugDescription)")
        }
        return (envelope.type, data)
    }

    static func decode<T: Decodable>(_: T.Type, _ data: Data, _ type: String) throws(ErrorMessage) -> T {
        do {
            return try LinkTime.decoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw ErrorMessage(code: "malformed", message: "\(type): \(describe(error))")
        } catch {
            throw ErrorMessage(code: "malformed", message: "\(type): \(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ c: [any CodingKey]) -> String {
            c.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let ctx): return "\(path(ctx.codingPath + [key])): missing"
        case .typeMismatch(let type, let ctx): return "\(path(ctx.codingPath)): expected \(name(type))"
        case .valueNotFound(let type, let ctx): return "\(path(ctx.codingPath)): null, expected \(name(type))"
        case .dataCorrupted(let ctx): return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    static func name(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type: "an integer"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Double.Type: "a number"
        default: "\(type)"
        }
    }

    static func check(_ ok: Bool, _ type: String, _ field: String, _ value: String, _ expected: String) throws(ErrorMessage) {
        guard ok else {
            throw ErrorMessage(code: "malformed", message: "\(type): \(field): got \(value.prefix(80)), expected \(expected)")
        }
    }
}
