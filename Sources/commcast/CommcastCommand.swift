import ArgumentParser
import CommcastCore

/// `commcast`: the operator's command line.
@main
struct CommcastCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commcast",
        abstract: "Queue and inspect bulletins on a commcast station.",
        discussion: """
            Exit codes: 0 ok, 64 usage, 65 bad input data, 66 input file missing, 69 daemon (or, for a command, the cluster) not reachable, \
            70 daemon error, 73 cannot write output, 77 permission denied.
            """,
        version: CommcastVersion.current,
        subcommands: [
            StatusCommand.self, ZoneCommand.self, ClusterCommand.self, HealthCommand.self, BulletinCommand.self, ScheduleCommand.self,
            StatsCommand.self, ReportCommand.self, InboxCommand.self, AuditCommand.self, EncodeCommand.self, LiveCommand.self, TTSCommand.self,
            OperatorCommand.self, BackupCommand.self,
        ]
    )
}
