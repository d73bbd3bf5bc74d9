import CommcastAudio
import CommcastControlAPI
import CommcastCore
import CommcastStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@testable import CommcastDaemon

/// The control API's routes in the test process, through Hummingbird's router
/// test framework: no socket, no daemon process, the caller named by the test.
/// What an operator can see and do here is what the CLI, the console and the
/// province get, since every route is an adapter over the same station.
@Suite("Control routes")
struct ControlRoutesTests {
    static let root = PeerIdentity(pid: 1, uid: 0, gid: 0, userName: "root")
    static let an = PeerIdentity(pid: 2, uid: 1001, gid: 1001, userName: "an")
    static let stranger = PeerIdentity(pid: 3, uid: 1999, gid: 1999, userName: "stranger")

    /// Runs `body` against the station's routes, as `caller`.
    func routes(_ f: StationFixture, as caller: PeerIdentity, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws
    {
        let service = ControlAPIService(
            settings: f.settings, station: f.station, database: f.database, media: f.media, registry: f.registry,
            reporterProgress: ReporterProgress(), addresses: ListeningAddresses(),
            socketPath: f.directory.file("control.sock").path,
            identify: CallerIdentification(accounts: StationAccounts()) { _ in caller },
            logger: f.logger, onReady: {})
        try await Application(router: service.makeRouter()).test(.router, body)
    }

    static func fixture() throws -> StationFixture {
        try StationFixture(at: StationFixture.stationTime(10, 0)) { $0.control.allowedUsers = ["1001"] }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(response.body.readableBytesView))
    }

    static func json(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONResponse.encoder.encode(value))
    }

    @Test("an operator of commune A sees only A's clusters and cannot touch B's, by raw HTTP")
    func scopeByRawHTTP() async throws {
        let f = try Self.fixture()
        defer { f.remove() }
        try await routes(f, as: Self.an) { client in
            try await client.execute(uri: "/v1/clusters", method: .get) { response in
                #expect(response.status == .ok)
                let clusters = try Self.decode([Cluster].self, response)
                #expect(clusters.map(\.id) == ["a-1", "a-2"])
            }
            try await client.execute(uri: "/v1/clusters/b-1", method: .get) { response in
                #expect(response.status == .notFound)
                let error = try Self.decode(APIErrorBody.self, response)
                #expect(error.message == "cluster: got b-1, expected an existing cluster id (commcast cluster list)")
            }
            try await client.execute(uri: "/v1/clusters/b-1/revoke", method: .post) { response in
                #expect(response.status == .notFound)
            }
            let bulletin = AddBulletinRequest(
                title: "Họp dân", level: .normal, mediaSha256: String(repeating: "0", count: 64), text: nil,
                targets: [.zone("tinh/xa-b")], schedule: ScheduleSpec(at: "11:00"))
            try await client.execute(uri: "/v1/bulletins", method: .post, body: try Self.json(bulletin)) { response in
                #expect(response.status == .forbidden)
                let error = try Self.decode(APIErrorBody.self, response)
                #expect(error.message.contains("zone tinh/xa-b is outside"), "\(error.message)")
            }
            let live = LiveStartRequest(level: "emergency", zones: [], clusters: [], source: "stdin", title: "x")
            try await client.execute(uri: "/v1/live", method: .post, body: try Self.json(live)) { response in
                #expect(response.status == .forbidden)
            }
        }
        // Nothing was changed on the way: the credential of b-1 still stands.
        #expect(try f.database.clusterKey(id: "b-1")?.revokedAt == nil)
        #expect(try f.database.bulletins().isEmpty)
    }

    @Test("a bulletin for commune B is invisible to A's operator, and A's own is listed")
    func bulletinVisibility() async throws {
        let f = try Self.fixture()
        defer { f.remove() }
        let media = try await f.recording()
        let forB = try await f.queue(.normal, at: "11:00", zone: "tinh/xa-b", media: media)
        let forA = try await f.queue(.normal, at: "11:00", zone: "tinh/xa-a", media: media)
        let province = try await f.queue(.normal, at: "11:00", zone: "tinh", media: media)
        try await routes(f, as: Self.an) { client in
            try await client.execute(uri: "/v1/bulletins", method: .get) { response in
                let bulletins = try Self.decode([Bulletin].self, response)
                #expect(Set(bulletins.map(\.id)) == [forA.id, province.id])
            }
            try await client.execute(uri: "/v1/bulletins/\(forB.id)", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/v1/bulletins/\(forB.id)/cancel", method: .post) { response in
                #expect(response.status == .forbidden)
            }
        }
        #expect(try f.database.bulletin(id: forB.id)?.state == .active)
    }

    @Test("the console's compact views: the schedule per zone with counts, the map's points, a plan without storing, statistics as CSV")
    func consoleViews() async throws {
        let f = try Self.fixture()
        defer { f.remove() }
        try f.database.addCluster(Cluster(id: "a-3", name: "Cụm a-3", zonePath: "tinh/xa-a", latitude: 11.53, longitude: 106.88), at: f.clock.now)
        let media = try await f.recording()
        let province = try await f.queue(.normal, at: "11:00", zone: "tinh", media: media)
        try await routes(f, as: Self.an) { client in
            try await client.execute(uri: "/v1/schedule?day=2026-12-02&group=zone", method: .get) { response in
                #expect(response.status == .ok)
                let schedule = try Self.decode(ScheduleResponse.self, response)
                #expect(schedule.airings.isEmpty && schedule.skipped.isEmpty)
                let blocks = try #require(schedule.blocks)
                #expect(blocks.count == 1, "\(blocks)")
                #expect(blocks.first?.zone == "tinh/xa-a" && blocks.first?.clusters == 3 && blocks.first?.bulletinId == province.id)
                #expect(schedule.quietHours == ["tinh/xa-a": "22:00-05:00"], "commune B is outside An's zones")
            }
            try await client.execute(uri: "/v1/schedule?group=cluster", method: .get) { response in
                #expect(response.status == .badRequest)
                let error = try Self.decode(APIErrorBody.self, response)
                #expect(error.message.hasPrefix("group: got cluster, expected zone"), "\(error.message)")
            }
            try await client.execute(uri: "/v1/clusters/map", method: .get) { response in
                #expect(String(buffer: response.body) == #"[["a-3",11.53,106.88,"never_seen"]]"#)
            }
            let request = AddBulletinRequest(
                title: "Họp dân", level: .normal, mediaSha256: media.sha256, text: nil, targets: [.zone("tinh/xa-a")],
                schedule: ScheduleSpec(at: "12:00"))
            try await client.execute(uri: "/v1/bulletins/plan", method: .post, body: try Self.json(request)) { response in
                #expect(response.status == .ok)
                let planned = try Self.decode(PlannedBulletin.self, response)
                #expect(planned.plan.airings == 3 && planned.plan.clusters == 3 && !planned.pending)
            }
            try await client.execute(uri: "/v1/stats?by=zone&format=csv", method: .get) { response in
                #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(response.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"commcast-stats-") == true)
                #expect(String(buffer: response.body).hasPrefix("zone,planned,aired,completed,"))
            }
        }
        #expect(try f.database.bulletins().count == 1, "the plan stored nothing")
    }

    @Test("a cluster CSV with one id on two lines is refused naming both, nothing is imported, and the API keeps serving")
    func duplicateClusterIDs() async throws {
        let f = try Self.fixture()
        defer { f.remove() }
        let csv = "id,name,zone\nc-9,Cụm chín,tinh/xa-a\nc-9,Cụm chín bis,tinh/xa-a\n"
        try await routes(f, as: Self.root) { client in
            try await client.execute(uri: "/v1/clusters/import", method: .post, body: ByteBuffer(string: csv)) { response in
                #expect(response.status == .badRequest)
                let message = try Self.decode(APIErrorBody.self, response).message
                #expect(message.contains("line 3") && message.contains("line 2") && message.contains("c-9"), "\(message)")
            }
            try await client.execute(uri: "/v1/clusters", method: .get) { response in
                #expect(response.status == .ok)
                let clusters = try Self.decode([Cluster].self, response)
                #expect(clusters.count == 4)
            }
        }
    }

    @Test("a supervisor's inventory change lands in the audit log with its origin")
    func inventoryIsAudited() async throws {
        let f = try Self.fixture()
        defer { f.remove() }
        try await routes(f, as: Self.root) { client in
            let body = try Self.json(AddZoneRequest(path: "tinh/xa-a/ap-1", parents: false, quietHours: "21:00-05:00"))
            try await client.execute(uri: "/v1/zones", method: .post, body: body) { response in
                #expect(response.status == .created)
            }
        }
        let entry = try #require(try f.audit("zone.add").first)
        #expect(entry.target == "tinh/xa-a/ap-1")
        #expect(entry.details["quiet_hours"] == "21:00-05:00")
        #expect(entry.origin.hasPrefix("unix:uid=0"))
    }

    @Test("a caller the access policy does not allow is refused before any route, with the reason")
    func strangerRefused() async throws {
        let f = try Self.fixture()
        defer { f.remove() }
        try await routes(f, as: Self.stranger) { client in
            try await client.execute(uri: "/v1/status", method: .get) { response in
                #expect(response.status == .forbidden)
                let error = try Self.decode(APIErrorBody.self, response)
                #expect(error.message.contains("control.allowed_users"))
            }
        }
    }

    @Test("status reports the link as not listening until it binds, then its address and connected count")
    func statusFollowsTheListener() async throws {
        let f = try Self.fixture()
        defer { f.remove() }
        let addresses = ListeningAddresses()
        let service = ControlAPIService(
            settings: f.settings, station: f.station, database: f.database, media: f.media, registry: f.registry,
            reporterProgress: ReporterProgress(), addresses: addresses,
            socketPath: f.directory.file("control.sock").path,
            identify: CallerIdentification(accounts: StationAccounts()) { _ in Self.root }, logger: f.logger, onReady: {})
        try await Application(router: service.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/v1/status", method: .get) { response in
                let status = try Self.decode(StatusResponse.self, response)
                #expect(status.linkAddress == nil && status.clustersConnected == nil)
                #expect(status.counts.clusters == 4)
            }
            addresses.link = "127.0.0.1:8443"
            try await client.execute(uri: "/v1/status", method: .get) { response in
                let status = try Self.decode(StatusResponse.self, response)
                #expect(status.linkAddress == "127.0.0.1:8443" && status.clustersConnected == 0)
            }
        }
    }

    @Test("a command names a bad volume, and one to a cluster that is not connected says so and is audited")
    func commands() async throws {
        let f = try Self.fixture()
        defer { f.remove() }
        try await routes(f, as: Self.an) { client in
            let loud = try Self.json(ClusterCommandRequest(command: "set_volume", volume: 140))
            try await client.execute(uri: "/v1/clusters/a-1/command", method: .post, body: loud) { response in
                #expect(response.status == .badRequest)
                let error = try Self.decode(APIErrorBody.self, response)
                #expect(error.message == "volume: got 140, expected 0 to 100")
            }
            let stop = try Self.json(ClusterCommandRequest(command: "stop"))
            try await client.execute(uri: "/v1/clusters/a-1/command", method: .post, body: stop) { response in
                #expect(response.status == .conflict)
                let error = try Self.decode(APIErrorBody.self, response)
                #expect(error.code == "not_connected")
            }
            try await client.execute(uri: "/v1/clusters/b-1/command", method: .post, body: stop) { response in
                #expect(response.status == .notFound)
            }
        }
        let audited = try f.audit("cluster.command")
        #expect(audited.count == 1)
        #expect(audited.first?.details["outcome"] == "not connected")
    }

    @Test("a zone's quiet hours from a time to the same time are refused with the way out")
    func emptyZoneQuietSpan() async throws {
        let f = try Self.fixture()
        defer { f.remove() }
        try await routes(f, as: Self.root) { client in
            let body = try Self.json(SetQuietHoursRequest(path: "tinh/xa-a", quietHours: "22:00-22:00"))
            try await client.execute(uri: "/v1/zones/quiet-hours", method: .put, body: body) { response in
                #expect(response.status == .badRequest)
                let error = try Self.decode(APIErrorBody.self, response)
                #expect(error.message.contains("22:00-22:00") && error.message.contains("none"), "\(error.message)")
            }
        }
        #expect(try f.database.zone(path: "tinh/xa-a")?.quietHours == nil)
    }

    @Test("what reaches the API is checked by name: media type, JSON shape, list filters, limits and unknown zones")
    func requestsAreChecked() async throws {
        let f = try Self.fixture()
        defer { f.remove() }
        try await routes(f, as: Self.root) { client in
            let zone = try Self.json(AddZoneRequest(path: "tinh/xa-c", parents: false, quietHours: nil))
            try await client.execute(uri: "/v1/zones", method: .post, headers: [.contentType: "text/plain"], body: zone) { response in
                #expect(response.status == .unsupportedMediaType)
                let error = try Self.decode(APIErrorBody.self, response)
                #expect(error.message == "Content-Type: got text/plain, expected application/json")
            }
            try await client.execute(uri: "/v1/zones", method: .post, body: ByteBuffer(string: "[1, 2]")) { response in
                #expect(response.status == .badRequest)
                let error = try Self.decode(APIErrorBody.self, response)
                #expect(error.message == "body: got a JSON array, expected a JSON object")
            }
            for (uri, says) in [
                ("/v1/bulletins?state=bogus", "state: got \"bogus\", expected pending, active, paused"),
                ("/v1/audit?limit=-1", "limit: got \"-1\", expected a whole number from 1 to 10000"),
                ("/v1/audit?limit=abc", "limit: got \"abc\", expected a whole number"),
            ] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .badRequest, "\(uri)")
                    let error = try Self.decode(APIErrorBody.self, response)
                    #expect(error.message.hasPrefix(says), "\(uri): \(error.message)")
                }
            }
            for uri in ["/v1/clusters?zone=tinh/khong-co", "/v1/schedule?zone=tinh/khong-co", "/v1/stats?zone=tinh/khong-co"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                    let error = try Self.decode(APIErrorBody.self, response)
                    #expect(error.message == "zone: got tinh/khong-co, expected an existing zone (commcast zone list)", "\(uri): \(error.message)")
                }
            }
        }
        #expect(try f.database.zone(path: "tinh/xa-c") == nil)
    }

    @Test("a known path with the wrong method is 405 with the methods it takes; an unknown path stays 404")
    func methodNotAllowed() async throws {
        let f = try Self.fixture()
        defer { f.remove() }
        try await routes(f, as: Self.root) { client in
            try await client.execute(uri: "/v1/live/live-1234", method: .get) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "DELETE")
            }
            try await client.execute(uri: "/v1/zones", method: .patch) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "DELETE, GET, POST")
                let error = try Self.decode(APIErrorBody.self, response)
                #expect(error.message == "PATCH /v1/zones: expected DELETE, GET, POST")
            }
            try await client.execute(uri: "/v1/nothing-here", method: .get) { response in
                #expect(response.status == .notFound)
            }
            // A route's own not-found answer is untouched.
            try await client.execute(uri: "/v1/clusters/zz", method: .get) { response in
                #expect(response.status == .notFound)
                let error = try Self.decode(APIErrorBody.self, response)
                #expect(error.message == "cluster: got zz, expected an existing cluster id (commcast cluster list)")
            }
        }
    }

    @Test("speech preview: the text as the voice will read it, and the audio as it would be stored, with nothing stored")
    func speechPreview() async throws {
        let f = try Self.fixture()
        defer { f.remove() }
        let before = try f.database.counts()
        try await routes(f, as: Self.an) { client in
            let textOnly = SpeechPreviewRequest(text: "Ngày 5/12, UBND xã họp dân lúc 7h30 tại TP.HCM.")
            try await client.execute(uri: "/v1/speech/preview", method: .post, body: try Self.json(textOnly)) { response in
                #expect(response.status == .ok)
                let preview = try Self.decode(SpeechPreview.self, response)
                #expect(
                    preview.spoken
                        == "Ngày mùng năm tháng mười hai, Ủy ban nhân dân xã họp dân lúc bảy giờ ba mươi phút tại Thành phố Hồ Chí Minh.")
                #expect(preview.typedCharacters == 47)
                #expect(preview.audioBase64 == nil)
            }
            let withAudio = SpeechPreviewRequest(text: "Bà con lưu ý: chiều nay mất điện.", audio: true)
            try await client.execute(uri: "/v1/speech/preview", method: .post, body: try Self.json(withAudio)) { response in
                #expect(response.status == .ok)
                let preview = try Self.decode(SpeechPreview.self, response)
                let bytes = try #require(preview.audioBase64.flatMap { Data(base64Encoded: $0) })
                let decoded = try OggOpusDecoder.decode(bytes)
                #expect(abs(decoded.duration - (preview.durationSeconds ?? 0)) < 0.01 && decoded.duration > 1)
                let (lufs, peak) = try LoudnessMeter.measure(decoded.samples)
                #expect(abs(lufs + 16) <= 1 && peak <= -1, "\(lufs) LUFS, \(peak) dBTP")
                #expect(preview.level?.contains("the stored Opus measures") == true)
            }
            try await client.execute(uri: "/v1/speech/preview", method: .post, body: try Self.json(SpeechPreviewRequest(text: "🙂 …"))) {
                response in
                #expect(response.status == .badRequest)
                let message = try Self.decode(APIErrorBody.self, response).message
                #expect(message.contains("nothing to speak"), "\(message)")
            }
        }
        #expect(try f.database.counts() == before, "a preview stores nothing")
    }
}
