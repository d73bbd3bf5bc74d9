import ArgumentParser
import CommcastControlAPI
import CommcastCore
import Foundation

/// `commcast bulletin …`
struct BulletinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulletin", abstract: "Queue and manage bulletins.",
        subcommands: [Add.self, List.self, Show.self, Cancel.self, Pause.self, Resume.self, Approve.self, Reject.self])

    struct Add: DaemonCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Queue a bulletin from a recording or from text.",
            discussion: """
                Examples:
                  commcast bulletin add --title "Lịch tiêm chủng" --file tiem-chung.m4a --zone binh-phuoc/dong-xoai/tan-phu --daily 06:00,17:00 --until 2026-12-31
                  commcast bulletin add --title "Bão số 9" --text-file bao.txt --level emergency --zone binh-phuoc --at 14:30
                  commcast bulletin add --title "Nhắc nộp thuế" --text "..." --zone binh-phuoc/dong-xoai --every 60 --window 07:00-10:00 --weekdays mon-fri --times 10
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "Title.") var title: String
        @Option(help: "Recording (WAV, MP3, M4A, …).") var file: String?
        @Option(help: "Text for the synthetic voice.") var text: String?
        @Option(name: .customLong("text-file"), help: "File with text for the synthetic voice.") var textFile: String?
        @Option(help: "normal, priority or emergency.") var level: String = "normal"
        @Option(name: .customLong("zone"), help: "Target zone (repeatable).") var zones: [String] = []
        @Option(name: .customLong("cluster"), help: "Target cluster (repeatable).") var clusters: [String] = []
        @Option(parsing: .unconditional, help: "Once: YYYY-MM-DD HH:MM[:SS], or HH:MM[:SS] today.") var at: String?
        @Option(help: "Daily at these times, e.g. 06:00,17:00.") var daily: String?
        // `.unconditional`: a negative number is a value to check and name, not an
        // unknown option ("--times -1" answered "Missing value").
        @Option(parsing: .unconditional, help: "Every N minutes inside --window (expected a whole number, 1 to 1440).") var every: Int?
        @Option(help: "Window for --every, HH:MM-HH:MM.") var window: String?
        @Option(help: "Days: mon-fri, mon,wed,fri, weekdays, daily.") var weekdays: String?
        @Option(help: "First day, YYYY-MM-DD.") var from: String?
        @Option(help: "Last day, YYYY-MM-DD (inclusive).") var until: String?
        @Option(parsing: .unconditional, help: "At most this many airings per cluster (expected a whole number, at least 1).") var times: Int?

        func validate() throws {
            let sources = [file != nil, text != nil, textFile != nil].filter { $0 }.count
            guard sources == 1 else { throw ValidationError("the audio: expected exactly one of --file, --text or --text-file") }
            guard !zones.isEmpty || !clusters.isEmpty else { throw ValidationError("targets: expected at least one --zone or --cluster") }
        }

        func execute(_ client: ControlClient) async throws {
            let parsedLevel: BulletinLevel
            do { parsedLevel = try BulletinLevel(parsing: level) } catch { throw fail("\(error)", ExitCodes.usage) }
            var mediaSHA: String?
            var bulletinText = text
            if let file {
                let data = try InputFile.read(file, what: "--file")
                let spinner = Spinner("uploading and encoding \((file as NSString).lastPathComponent)")
                let reply: ControlClient.Reply
                do {
                    reply = try await client.send(.POST, "/media", body: data, contentType: "application/octet-stream")
                } catch var failure as ControlClient.Failure {
                    await spinner.stop()
                    // The daemon only sees bytes; name the file the operator gave.
                    failure.message = "\(file): \(failure.message)"
                    throw failure
                } catch {
                    await spinner.stop()
                    throw error
                }
                await spinner.stop()
                let media = try client.decode(reply, as: MediaResponse.self)
                mediaSHA = media.sha256
                if let level = media.level, !global.json { print("level: \(level)") }
            }
            if let textFile { bulletinText = try InputFile.text(textFile, what: "--text-file") }
            let schedule = ScheduleSpec(
                at: at, daily: daily?.split(separator: ",").map { String($0) }, weekdays: weekdays,
                every: every, window: window, from: from, until: until, times: times)
            let request = AddBulletinRequest(
                title: title, level: parsedLevel, mediaSha256: mediaSHA, text: bulletinText,
                targets: zones.map { .zone($0) } + clusters.map { .cluster($0) }, schedule: schedule)
            let spinner = Spinner(bulletinText != nil ? "synthesising speech" : "queueing")
            let reply: ControlClient.Reply
            do {
                reply = try await client.send(.POST, "/bulletins", body: try ControlClient.encoder.encode(request), contentType: "application/json")
            } catch {
                await spinner.stop()
                throw error
            }
            await spinner.stop()
            let bulletin = try client.decode(reply, as: Bulletin.self)
            if global.json {
                try printJSON(CreatedBulletin(bulletin: bulletin, plan: try client.decode(reply, as: PlanReply.self).plan))
                return
            }
            print(
                String(
                    format: "queued bulletin #%lld \"%@\" (%@, %.0f s)", bulletin.id, bulletin.title, bulletin.level.rawValue,
                    bulletin.durationSeconds))
            if bulletin.state == .pending {
                print("it waits for a supervisor's approval (commcast bulletin approve \(bulletin.id)); until then nothing airs")
            }
            guard let plan = try? client.decode(reply, as: PlanReply.self).plan else { return }
            let t = StationTime(zone: reply.timeZone)
            print(
                (bulletin.state == .pending ? "once approved now, " : "")
                    + "\(plan.airings) airing(s) on \(plan.clusters) cluster(s) up to \(t.dateTime(plan.until))"
                    + (plan.firstAiring.map { ", the first at \(t.dateTime($0))" } ?? ""))
            if plan.skippedCount > 0 {
                let reasons = plan.skipped.sorted { $0.value > $1.value }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                warn("\(plan.skippedCount) occurrence(s) will not air: \(reasons)")
            }
        }
    }

    struct List: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List bulletins, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only these states: pending, active, paused, cancelled, finished, rejected (comma-separated).") var state: String?

        func execute(_ client: ControlClient) async throws {
            let reply = try await client.send(.GET, "/bulletins", query: ["state": state])
            let bulletins = try client.decode(reply, as: [Bulletin].self)
            if global.json {
                try printJSON(bulletins)
                return
            }
            let t = StationTime(zone: reply.timeZone)
            var table = TextTable(headers: ["ID", "LEVEL", "STATE", "LENGTH", "NEXT AIRING", "TARGETS", "AUTHOR", "TITLE"])
            for b in bulletins {
                table.add([
                    "#\(b.id)", b.level.rawValue, b.state.rawValue, BulletinCommand.length(b.durationSeconds),
                    b.nextAiring.map(t.dateTime) ?? "-", BulletinCommand.targets(b.targets), b.author, b.title,
                ])
            }
            print(table.render())
        }
    }

    struct Show: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a bulletin with its targets and schedule.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Bulletin id (expected the number shown by bulletin list).") var id: Int64

        func execute(_ client: ControlClient) async throws {
            let reply = try await client.send(.GET, "/bulletins/\(id)")
            let b = try client.decode(reply, as: Bulletin.self)
            if global.json {
                try printJSON(b)
                return
            }
            let t = StationTime(zone: reply.timeZone)
            print("bulletin  #\(b.id) \(PrintableText.displayed(b.title))\nlevel     \(b.level.rawValue)\nstate     \(b.state.rawValue)")
            print("source    \(b.sourceKind.rawValue), \(BulletinCommand.length(b.durationSeconds)), media \(b.mediaSHA256?.prefix(12) ?? "-")")
            print("author    \(b.author), \(t.dateTime(b.createdAt))")
            if let r = b.review {
                let verdict = b.state == .rejected ? "rejected" : "approved"
                print("review    \(verdict) by \(r.by), \(t.dateTime(r.at))\(r.note.map { ": \(PrintableText.displayed($0))" } ?? "")")
            }
            print("targets   \(b.targets.map(\.description).joined(separator: "; "))")
            print("next      \(b.nextAiring.map(t.dateTime) ?? "- (none planned)")")
            for r in b.rules { print("schedule  \(BulletinCommand.describe(r.rule, t))") }
            if let text = b.text { print("text      \(text.prefix(200))\(text.count > 200 ? "…" : "")") }
        }
    }

    struct Cancel: DaemonCommand {
        static let configuration = CommandConfiguration(
            commandName: "cancel",
            abstract: "Cancel a bulletin for good; planned airings are withdrawn at once.",
            discussion: "Cancelling cannot be undone; 'bulletin pause' stops a bulletin for a while. At a terminal it asks first; --yes does not."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Bulletin id (expected the number shown by bulletin list).") var id: Int64
        @Flag(help: "Do not ask for confirmation.") var yes = false

        func execute(_ client: ControlClient) async throws {
            if !yes, isatty(STDIN_FILENO) == 1, isatty(STDERR_FILENO) == 1 {
                let b = try client.decode(try await client.send(.GET, "/bulletins/\(id)"), as: Bulletin.self)
                let next = b.nextAiring.map { ", next airing \(StationTime(zone: StationZone.current.withLock { $0 }).dateTime($0))" } ?? ""
                FileHandle.standardError.write(
                    Data(
                        "Cancel bulletin #\(b.id) \"\(PrintableText.displayed(b.title))\" (\(b.state.rawValue)\(next))? It cannot be resumed afterwards; 'commcast bulletin pause \(b.id)' stops it for a while instead. [y/N] "
                            .utf8))
                let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
                guard ["y", "yes", "có", "co"].contains(answer) else {
                    throw fail("bulletin #\(b.id) not cancelled", ExitCode(1))
                }
            }
            try await BulletinCommand.transition(client, global, id, "cancel")
        }
    }

    struct Pause: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause a bulletin until resumed.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Bulletin id (expected the number shown by bulletin list).") var id: Int64
        func execute(_ client: ControlClient) async throws { try await BulletinCommand.transition(client, global, id, "pause") }
    }

    struct Resume: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a paused bulletin.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Bulletin id (expected the number shown by bulletin list).") var id: Int64
        func execute(_ client: ControlClient) async throws { try await BulletinCommand.transition(client, global, id, "resume") }
    }

    struct Approve: DaemonCommand {
        static let configuration = CommandConfiguration(
            commandName: "approve",
            abstract: "Approve a pending bulletin; it is planned at once.",
            discussion: "Needs the supervisor role over its targets, and someone other than its author (schedule.approval = \"required\").")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Bulletin id (expected the number shown by bulletin list --state pending).") var id: Int64
        func execute(_ client: ControlClient) async throws { try await BulletinCommand.transition(client, global, id, "approve") }
    }

    struct Reject: DaemonCommand {
        static let configuration = CommandConfiguration(
            commandName: "reject",
            abstract: "Turn down a pending bulletin, with a reason its author reads; it never airs.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Bulletin id (expected the number shown by bulletin list --state pending).") var id: Int64
        @Option(help: "Why, for the author (1 to 500 characters).") var reason: String

        func execute(_ client: ControlClient) async throws {
            let b = try await client.send(.POST, "/bulletins/\(id)/reject", json: RejectRequest(reason: reason), as: Bulletin.self)
            if global.json { try printJSON(b) } else { print("bulletin #\(b.id) is now \(b.state.rawValue)") }
        }
    }

    static func transition(_ client: ControlClient, _ global: GlobalOptions, _ id: Int64, _ verb: String) async throws {
        let b = try client.decode(try await client.send(.POST, "/bulletins/\(id)/\(verb)"), as: Bulletin.self)
        if global.json { try printJSON(b) } else { print("bulletin #\(b.id) is now \(b.state.rawValue)") }
    }

    /// Targets in a table cell: zone paths and cluster ids, the first three and a count.
    static func targets(_ targets: [BulletinTarget]) -> String {
        let names = targets.map { PrintableText.displayed($0.zone ?? $0.cluster ?? "?") }
        return names.count <= 3 ? names.joined(separator: ", ") : names.prefix(3).joined(separator: ", ") + " +\(names.count - 3)"
    }

    static func length(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return "\(s / 60):" + String(format: "%02d", s % 60)
    }

    static func describe(_ rule: RecurrenceRule, _ t: StationTime) -> String {
        var parts: [String]
        switch rule.pattern {
        case .once(let d): parts = ["once at \(t.dateTime(d))"]
        case .times(let times): parts = ["\(rule.weekdays) at \(times.map(\.description).joined(separator: ", "))"]
        case .every(let m, let from, let to): parts = ["\(rule.weekdays) every \(m) min \(from)–\(to)"]
        }
        if case .once = rule.pattern {} else { parts.append("from \(t.dateTime(rule.validFrom))") }
        // Stored as the midnight after the last day; shown as the day the operator typed.
        if let u = rule.validUntil { parts.append("until \(t.day(u.addingTimeInterval(-1)))") }
        if let m = rule.maxAirings { parts.append("at most \(m) times") }
        return parts.joined(separator: ", ")
    }
}

/// The plan that `POST /v1/bulletins` returns beside the bulletin.
struct PlanReply: Decodable {
    var plan: PlanPreview
}
