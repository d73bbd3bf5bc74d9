import CommcastControlAPI
import CommcastCore
import CommcastLink
import CommcastLinkServer
import CommcastStore
import Foundation
import Logging
import Synchronization
import TestSupport

@testable import CommcastDaemon

/// A clock a test sets and moves by hand.
final class TestClock: Sendable {
    private let instant: Mutex<Date>

    init(_ start: Date) { instant = Mutex(start) }

    var now: Date { instant.withLock { $0 } }

    func advance(by seconds: TimeInterval) { instant.withLock { $0 = $0.addingTimeInterval(seconds) } }

    /// The closure services take as their clock.
    var function: @Sendable () -> Date { { [self] in now } }
}

/// A station in the test process: a real SQLite store and media store in a
/// temporary directory, the application layer over them, and a clock the test
/// controls. Two communes, `tinh/xa-a` and `tinh/xa-b`, with two clusters each.
struct StationFixture: Sendable {
    let directory: TemporaryDirectory
    let configuration: DaemonConfiguration
    let settings: RunningConfiguration
    let database: CommcastDatabase
    let media: MediaStore
    let registry: LinkRegistry
    let broadcaster: LiveBroadcaster
    let replanRequests = ScheduleTrigger()
    let planStored = ScheduleTrigger()
    let clock: TestClock
    let station: Station
    let logger: Logger

    /// An administrator (root on the socket).
    static let admin = Operator.administrator(name: "root")
    /// The operator of commune A: normal and priority bulletins there.
    static let an = Operator(name: "an", unixUser: "an", roles: [.operator], zonePaths: ["tinh/xa-a"])
    /// A supervisor of commune A with the emergency role.
    static let binh = Operator(name: "binh", unixUser: "binh", roles: [.operator, .supervisor, .emergency], zonePaths: ["tinh/xa-a"])

    /// - Parameter now: the station clock's start, in the station's time zone (Asia/Ho_Chi_Minh).
    init(at now: Date = Date(), configure: (inout DaemonConfiguration) -> Void = { _ in }) throws {
        directory = try TemporaryDirectory("commcast-station")
        var configuration = DaemonConfiguration()
        configuration.daemon.stateDirectory = directory.url.path
        configuration.operators = [Self.an, Self.binh]
        configure(&configuration)
        self.configuration = configuration
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        self.logger = logger
        settings = RunningConfiguration(configuration, path: nil, logLevel: LogLevelControl(.warning))
        database = try CommcastDatabase(path: directory.file("commcast.sqlite").path, logger: logger)
        media = try MediaStore(root: directory.file("media"))
        registry = LinkRegistry()
        broadcaster = LiveBroadcaster(settings: .init(configuration.live), logger: logger)
        clock = TestClock(now)
        let scope = OperatorScope(database: database)
        station = Station(
            bulletins: BulletinDesk(
                settings: settings, database: database, media: media, scope: scope, replanRequests: replanRequests,
                logger: logger, now: clock.function),
            onAir: OnAir(
                broadcaster: broadcaster, registry: registry, database: database, settings: settings, scope: scope,
                logger: logger, now: clock.function),
            inventory: InventoryDesk(database: database, scope: scope, registry: registry, replanRequests: replanRequests, now: clock.function),
            commands: ClusterCommands(
                database: database, scope: scope, registry: registry, planStored: planStored, timeout: .seconds(1),
                now: clock.function),
            scope: scope)
        for zone in ["tinh/xa-a", "tinh/xa-b"] {
            _ = try database.addZone(path: zone, createParents: true, quietHours: nil, at: now)
        }
        for (id, zone) in [("a-1", "tinh/xa-a"), ("a-2", "tinh/xa-a"), ("b-1", "tinh/xa-b"), ("b-2", "tinh/xa-b")] {
            try database.addCluster(Cluster(id: id, name: "Cụm \(id)", zonePath: zone), at: now)
        }
    }

    /// A moment in the station's time zone on 2026-12-02.
    static func stationTime(_ hour: Int, _ minute: Int, day: Int = 2) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        return calendar.date(from: DateComponents(year: 2026, month: 12, day: day, hour: hour, minute: minute))!
    }

    /// The audit rows with `action`, newest first.
    func audit(_ action: String) throws -> [AuditEntry] {
        try database.auditEntries(limit: 1000).filter { $0.action == action }
    }

    func remove() { directory.remove() }
}

extension StationFixture {
    /// A two-second 440 Hz recording, ingested through the desk as an upload would be.
    func recording(seconds: Double = 2) async throws -> MediaRecord {
        let samples = (0..<Int(48_000 * seconds)).map { Float(sin(2 * Double.pi * 440 * Double($0) / 48_000) * 0.3) }
        let wav = WAVWriter.make(channels: [samples], sampleRate: 48_000, format: .pcm16)
        return try await station.bulletins.ingestRecording(wav, by: Actor(name: "root", origin: "test")).0
    }

    /// A bulletin of `level` airing once at `at` (HH:MM, station time) to `zone`, queued by an administrator.
    func queue(_ level: BulletinLevel, at: String, zone: String = "tinh/xa-a", media: MediaRecord) async throws -> Bulletin {
        try await station.bulletins.create(
            AddBulletinRequest(
                title: "\(level) at \(at)", level: level, mediaSha256: media.sha256, text: nil,
                targets: [.zone(zone)], schedule: ScheduleSpec(at: at)),
            by: Self.admin, actor: Actor(name: "root", origin: "test")
        ).0
    }

    /// The scheduler over this station, on its clock.
    var scheduler: SchedulerService {
        SchedulerService(
            settings: settings, database: database, replanRequests: replanRequests, planStored: planStored,
            logger: logger, now: clock.function)
    }
}
