import CommcastControlAPI
import CommcastCore
import CommcastStore
import Foundation
import Hummingbird

/// `POST /v1/backup`: a consistent copy of the database while the station runs
/// (docs/reliability.md, "Backups"), and the list of the media it references.
extension ControlAPIService {
    func addBackupRoutes(to v1: RouterGroup<ControlRequestContext>) {
        v1.post("backup") { [self] request, context in
            let op = try context.requireOperator()
            // A file on the station host: its administrator, on the host's own socket.
            guard op.isAdministrator, context.webOrigin == nil else {
                throw APIError.forbidden("only the station's administrator, on the station host (commcast backup), may write a backup")
            }
            let body = try await RequestBody.json(BackupRequest.self, from: request, limit: 8192)
            guard body.path.hasPrefix("/") else { throw APIError.badRequest("path: got \(body.path.debugDescription), expected an absolute path") }
            let directory = (body.path as NSString).deletingLastPathComponent
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw APIError.badRequest("path: \(directory) is not a directory; expected the backup's directory to exist")
            }
            let copy: DatabaseBackup
            do {
                copy = try await offload { try database.backup(to: body.path) }
            } catch let error as StoreError {
                throw Refusal(error.kind == .conflict ? .conflict : .invalid, code: "backup", error.message)
            } catch {
                throw APIError(status: .internalServerError, code: "backup", message: "the copy failed: \(error)")
            }
            // The media, relative to the media directory, for `rsync --files-from`.
            let list = body.path + ".media"
            let relative = copy.media.map { String(media.url(for: $0).path.dropFirst(media.root.path.count + 1)) }
            try (relative.joined(separator: "\n") + (relative.isEmpty ? "" : "\n")).write(toFile: list, atomically: true, encoding: .utf8)
            try database.audit(
                context.actor(op), action: "backup", target: body.path,
                details: ["bytes": "\(copy.bytes)", "integrity": copy.integrity, "media": "\(copy.media.count)"], at: Date())
            logger.notice("backup written", metadata: ["path": "\(body.path)", "bytes": "\(copy.bytes)", "integrity": "\(copy.integrity)"])
            return try JSONResponse.ok(
                BackupResult(
                    path: body.path, bytes: copy.bytes, integrity: copy.integrity, mediaFiles: copy.media.count, mediaBytes: copy.mediaBytes,
                    mediaDirectory: media.root.path, mediaList: list))
        }
    }
}
