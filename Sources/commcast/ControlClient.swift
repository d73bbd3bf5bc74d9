import AsyncHTTPClient
import CommcastControlAPI
import Foundation
import NIOCore
import NIOHTTP1
#if canImport(Glibc)
import Glibc
#endif

/// Talks to `commcastd`'s control API over its Unix socket.
struct ControlClient {
    /// Socket path.
    let socketPath: String

    /// A failure with the message and exit code the CLI reports.
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var exitCode: Int32
        var description: String { message }
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// GETs `path` and decodes the JSON body as `T`.
    func get<T: Decodable>(_ path: String, as type: T.Type) async throws -> T {
        try checkSocket()
        let encodedSocket = socketPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? socketPath
        var request = HTTPClientRequest(url: "http+unix://\(encodedSocket)\(ControlAPI.versionPrefix)\(path)")
        request.method = .GET
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        } catch {
            throw Failure(message: "cannot reach commcastd on \(socketPath): \(error); is it running? (systemctl status commcastd)",
                          exitCode: ExitCodes.unavailable.rawValue)
        }
        let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
        let data = Data(body.readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            let apiError = try? Self.decoder.decode(APIErrorBody.self, from: data)
            let message = apiError?.message ?? "HTTP \(response.status.code)"
            let code: Int32 = switch response.status.code {
            case 401, 403: ExitCodes.noPermission.rawValue
            case 400, 404, 409, 413, 422: ExitCodes.dataError.rawValue
            default: ExitCodes.software.rawValue
            }
            throw Failure(message: "commcastd refused: \(message)", exitCode: code)
        }
        do {
            return try Self.decoder.decode(T.self, from: data)
        } catch {
            throw Failure(message: "unexpected reply from commcastd: \(error)", exitCode: ExitCodes.software.rawValue)
        }
    }

    /// Turns the common socket problems into messages that say what to do.
    private func checkSocket() throws {
        var info = stat()
        guard stat(socketPath, &info) == 0 else {
            if errno == EACCES {
                throw Failure(message: "permission denied reaching \(socketPath): ask an administrator to add you to the commcast-ops group",
                              exitCode: ExitCodes.noPermission.rawValue)
            }
            throw Failure(message: "commcastd is not running: no control socket at \(socketPath) (start it with 'systemctl start commcastd', or pass --socket)",
                          exitCode: ExitCodes.unavailable.rawValue)
        }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw Failure(message: "\(socketPath) is not a socket", exitCode: ExitCodes.unavailable.rawValue)
        }
        if access(socketPath, R_OK | W_OK) != 0 {
            throw Failure(message: "permission denied on \(socketPath): ask an administrator to add you to the socket's group (control.socket_group)",
                          exitCode: ExitCodes.noPermission.rawValue)
        }
    }
}
