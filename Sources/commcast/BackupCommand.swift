import ArgumentParser
import CommcastControlAPI
import Foundation

/// `commcast backup FILE`: a consistent copy of the station's database while it runs.
struct BackupCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the station's database while it runs (SQLite's online backup), and list the media it references.",
        discussion: """
            FILE must not exist; its directory must be writable by commcastd. Beside it, FILE.media lists the \
            media files the copy references, relative to the station's media directory. Restoring: docs/reliability.md.
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The new file to write.") var file: String

    func execute(_ client: ControlClient) async throws {
        let path = URL(fileURLWithPath: file, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
        let r = try await client.send(.POST, "/backup", json: BackupRequest(path: path), as: BackupResult.self)
        if global.json {
            try printJSON(r)
            return
        }
        print("backup: \(r.path) (\(r.bytes.formatted()) bytes), integrity \(r.integrity)")
        print("media: \(r.mediaFiles) file(s), \(r.mediaBytes.formatted()) bytes, listed in \(r.mediaList)")
        print("copy them with: rsync -a --files-from=\(r.mediaList) \(r.mediaDirectory)/ DESTINATION/media/")
        if r.integrity != "ok" { throw fail("the copy did not pass its integrity check: \(r.integrity)", ExitCode(70)) }
    }
}
