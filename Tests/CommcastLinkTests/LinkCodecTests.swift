import CommcastCore
import CommcastLink
import Foundation
import Testing

@Suite("Link messages")
struct LinkCodecTests {
    let t = LinkTime.parse("2026-11-24T06:00:00.250Z")!
    let sha = String(repeating: "ab", count: 32)

    @Test func timesAreRFC3339WithMilliseconds() {
        #expect(LinkTime.format(t) == "2026-11-24T06:00:00.250Z")
        #expect(LinkTime.parse("2026-11-24T13:00:00+07:00") == LinkTime.parse("2026-11-24T06:00:00Z"))
        #expect(LinkTime.parse("24/11/2026") == nil)
    }

    @Test("a time read and written again is the same to the millisecond, for every millisecond")
    func timesSurviveARoundTrip() {
        // Found by fuzzing: 06:03:10.010 came back as .009 (a truncated binary fraction).
        for ms in 0..<1000 {
            let text = "2026-11-24T06:03:10.\(String(format: "%03d", ms))Z"
            #expect(LinkTime.parse(text).map(LinkTime.format) == text)
        }
        #expect(LinkTime.format(Date(timeIntervalSince1970: 1_796_256_000.9996)) == "2026-12-03T00:00:01.000Z", "rounded, not truncated")
    }

    @Test func everyClusterMessageRoundTrips() throws {
        let messages: [ClusterMessage] = [
            .hello(
                HelloMessage(clusterID: "tp-001", signature: "sig", firmware: "sim 1", clusterTime: t, volume: 70, cached: [sha], pendingReceipts: 2)),
            .heartbeat(
                HeartbeatMessage(
                    seq: 3, clusterTime: t, state: .playing, playing: .init(airingID: 9, positionMS: 1200), volume: 70,
                    signalDBm: -87, uptimeSeconds: 60, firmware: "sim 1", cached: [sha], pendingReceipts: 0, errors: ["x"])),
            .receipt(ReceiptMessage(receiptID: "r1", airingID: 9, kind: .interrupted, at: t, reason: "power cut")),
            .mediaReport(MediaReportMessage(sha256: sha, state: "failed", reason: "sha256 mismatch")),
            .commandResult(CommandResultMessage(commandID: "c1", ok: false, error: "an airing is playing")),
        ]
        for m in messages {
            let text: String
            switch m {
            case .hello(let x): text = LinkCodec.encode(x)
            case .heartbeat(let x): text = LinkCodec.encode(x)
            case .receipt(let x): text = LinkCodec.encode(x)
            case .mediaReport(let x): text = LinkCodec.encode(x)
            case .commandResult(let x): text = LinkCodec.encode(x)
            case .unknown, .rejectedReceipt, .unanswerableReceipt: continue
            }
            #expect(try LinkCodec.decodeClusterMessage(text) == m, "\(text)")
        }
    }

    @Test func serverMessagesUseTheDocumentedFieldNames() throws {
        let schedule = ScheduleMessage(
            revision: 4, from: t, until: t + 86_400,
            airings: [
                LinkAiring(
                    airingID: 81234, bulletinID: 17, title: "Lịch tiêm chủng", level: .normal, start: t, end: t + 190,
                    media: .init(sha256: sha, size: 571_234, durationMS: 190_000))
            ])
        let text = LinkCodec.encode(schedule)
        for key in [
            "\"type\":\"schedule\"", "\"airing_id\":81234", "\"bulletin_id\":17", "\"duration_ms\":190000", "\"start\":\"2026-11-24T06:00:00.250Z\"",
        ] {
            #expect(text.contains(key), "\(key) in \(text)")
        }
        #expect(try LinkCodec.decodeServerMessage(text) == .schedule(schedule))
        let welcome = WelcomeMessage(session: "s", heartbeatSeconds: 30, serverTime: t)
        #expect(LinkCodec.encode(welcome).contains("\"heartbeat_seconds\":30"))
        #expect(try LinkCodec.decodeServerMessage(LinkCodec.encode(welcome)) == .welcome(welcome))
        #expect(try LinkCodec.decodeServerMessage(#"{"type":"firmware_offer","url":"x"}"#) == .unknown(type: "firmware_offer"))
        let cancel = CancelMessage(airingIDs: [81234, 81235])
        #expect(LinkCodec.encode(cancel).contains(#""airing_ids":[81234,81235]"#))
        #expect(LinkCodec.encode(cancel).contains(#""reason":"cancelled""#))
        #expect(try LinkCodec.decodeServerMessage(LinkCodec.encode(cancel)) == .cancel(cancel))
        let ack = ReceiptAckMessage.rejecting("r9", because: "receipt: kind: no")
        #expect(LinkCodec.encode(ack).contains(#""receipt_ids":["r9"]"#) && LinkCodec.encode(ack).contains(#""rejected":[{"#))
        #expect(!LinkCodec.encode(ReceiptAckMessage(receiptIDs: ["a"])).contains("rejected"), "absent when none was rejected")
    }

    /// One rule (docs/protocol.md, "Required fields"): a required field absent or null
    /// refuses the message; an optional one may be either.
    @Test func requiredAndOptionalFields() throws {
        guard case .hello = try LinkCodec.decodeClusterMessage(#"{"type":"hello","cluster_id":"tp-001","signature":"s"}"#) else {
            Issue.record("a hello with only type, cluster_id and signature is accepted")
            return
        }
        let minimal = #"{"type":"heartbeat","seq":1,"cluster_time":"2026-11-24T06:00:00Z","state":"idle","volume":70,"cached":[]}"#
        guard case .heartbeat(let h) = try LinkCodec.decodeClusterMessage(minimal) else {
            Issue.record("the five required heartbeat fields suffice")
            return
        }
        #expect(h.firmware == "" && h.errors.isEmpty && h.pendingReceipts == 0 && h.uptimeSeconds == 0)
        for field in ["seq", "cluster_time", "state", "volume", "cached"] {
            var object = try #require(try JSONSerialization.jsonObject(with: Data(minimal.utf8)) as? [String: Any])
            object[field] = nil
            let text = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            #expect(throws: ErrorMessage.self, "heartbeat without \(field)") { try LinkCodec.decodeClusterMessage(text) }
            object[field] = NSNull()
            let null = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            #expect(throws: ErrorMessage.self, "heartbeat with \(field) null") { try LinkCodec.decodeClusterMessage(null) }
        }
        let nulls = minimal.dropLast() + #","playing":null,"signal_dbm":null,"firmware":null,"errors":null,"uptime_seconds":null}"#
        #expect(throws: Never.self) { try LinkCodec.decodeClusterMessage(String(nulls)) }
    }

    @Test(arguments: ["tp:001", "tp 001", "", String(repeating: "a", count: 65), "xã-1"])
    func clusterIDsHoldOnlyWhatTheStationIssues(_ id: String) {
        let hello = LinkCodec.encode(HelloMessage(clusterID: id, signature: "s"))
        #expect(throws: ErrorMessage.self) { try LinkCodec.decodeClusterMessage(hello) }
    }

    @Test func versionsAreNegotiatedInTheHello() {
        #expect((try? LinkProtocolVersion.negotiate(nil).get()) == .v1_0, "no field: a 1.0 cluster")
        #expect((try? LinkProtocolVersion.negotiate("1.0").get()) == .v1_0)
        #expect((try? LinkProtocolVersion.negotiate("1.1").get()) == .v1_1)
        #expect((try? LinkProtocolVersion.negotiate("1.7").get()) == .v1_1, "a newer minor is served at the newest the station has")
        for refused in ["2.0", "1", "one", "1.1.0", ""] {
            guard case .failure(let e) = LinkProtocolVersion.negotiate(refused) else {
                Issue.record("\(refused) accepted")
                continue
            }
            #expect(e.code == "unsupported_protocol" && e.message.contains("expected 1.0 or 1.1"), "\(e.message)")
        }
    }

    @Test(arguments: [
        (#"not json"#, "expected a JSON object"),
        (#"{"kind":"heartbeat"}"#, "expected a JSON object with a \"type\""),
        (#"{"type":"hello","signature":"x"}"#, "hello: cluster_id: missing"),
        (
            #"{"type":"receipt","receipt_id":"r","airing_id":"nine","kind":"started","at":"2026-11-24T06:00:00Z"}"#,
            "receipt: airing_id: expected an integer"
        ),
        (#"{"type":"receipt","receipt_id":"r","airing_id":9,"kind":"started","at":"yesterday"}"#, "receipt: at: got \"yesterday\""),
        (
            #"{"type":"receipt","receipt_id":"r","airing_id":9,"kind":"failed","at":"2026-11-24T06:00:00Z"}"#,
            "receipt: reason: got missing, expected a reason for failed"
        ),
        (#"{"type":"receipt","receipt_id":"r","airing_id":9,"kind":"exploded","at":"2026-11-24T06:00:00Z"}"#, "receipt: kind"),
    ])
    func malformedMessagesNameTheField(_ text: String, _ says: String) {
        do {
            let decoded = try LinkCodec.decodeClusterMessage(text)
            // A receipt with a usable id is answered (rejected), never thrown on.
            guard case .rejectedReceipt(let id, let reason) = decoded else {
                Issue.record("accepted \(text)")
                return
            }
            #expect(id == "r" && reason.contains(says), "\(reason)")
        } catch {
            #expect(error.code == "malformed")
            #expect(error.message.contains(says), "\(error.message)")
        }
    }

    @Test func aReceiptWithoutAUsableIDCannotBeAnswered() throws {
        for text in [#"{"type":"receipt","airing_id":9}"#, #"{"type":"receipt","receipt_id":7}"#, #"{"type":"receipt","receipt_id":""}"#] {
            guard case .unanswerableReceipt(let e) = try LinkCodec.decodeClusterMessage(text) else {
                Issue.record("\(text) not refused")
                continue
            }
            #expect(e.message.contains("receipt_id"))
        }
    }

    @Test func heartbeatRangesAreChecked() throws {
        func beat(volume: Int = 70, cached: [String] = [], firmware: String = "x") -> String {
            LinkCodec.encode(
                HeartbeatMessage(seq: 1, clusterTime: t, state: .idle, volume: volume, uptimeSeconds: 1, firmware: firmware, cached: cached))
        }
        #expect(throws: ErrorMessage(code: "malformed", message: "heartbeat: volume: got 140, expected 0 to 100")) {
            try LinkCodec.decodeClusterMessage(beat(volume: 140))
        }
        #expect(throws: ErrorMessage.self) { try LinkCodec.decodeClusterMessage(beat(cached: ["../../etc/passwd"])) }
        #expect(throws: ErrorMessage.self) { try LinkCodec.decodeClusterMessage(beat(firmware: String(repeating: "x", count: 101))) }
        let huge = "{\"type\":\"heartbeat\",\"pad\":\"" + String(repeating: "x", count: 70_000) + "\"}"
        #expect(throws: ErrorMessage.self) { try LinkCodec.decodeClusterMessage(huge) }
        #expect(try LinkCodec.decodeClusterMessage(#"{"type":"telemetry","x":1}"#) == .unknown(type: "telemetry"))
    }
}
