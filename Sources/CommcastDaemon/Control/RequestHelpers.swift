import CommcastCore
import CommcastStore
import Foundation
import Hummingbird
import NIOCore

extension ControlRequestContext {
    /// The operator behind this request, or a 403 that says how to become one.
    func requireOperator() throws -> Operator {
        if let op = self.operator { return op }
        let who = peer.map { "\($0.userName ?? "uid \($0.uid)") (uid \($0.uid))" } ?? "this caller"
        throw APIError.forbidden("\(who) is not configured as an operator; add an [[operators]] entry with unix_user to commcastd.toml")
    }

    /// The audit identity of the caller.
    func actor(_ op: Operator) -> Actor {
        var origin = peer.map { "unix:uid=\($0.uid),pid=\($0.pid)" } ?? "unknown"
        if authenticatedByToken { origin += ",token" }
        return Actor(name: op.name, origin: origin)
    }
}

enum RequestBody {
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.dateDecodingStrategy = .secondsSince1970
        return d
    }()

    /// Reads at most `limit` bytes.
    static func bytes(_ request: Request, limit: Int) async throws -> Data {
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw APIError(status: .contentTooLarge, code: "too_large", message: "request body is over the limit of \(limit) bytes")
        }
    }

    /// Decodes JSON, naming the field that is wrong.
    static func json<T: Decodable>(_ type: T.Type, from request: Request, limit: Int = 1 << 20) async throws -> T {
        let data = try await bytes(request, limit: limit)
        do {
            return try decoder.decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw APIError.badRequest("\(path(context.codingPath + [key])): required field is missing")
        } catch let DecodingError.typeMismatch(type, context) {
            throw APIError.badRequest("\(path(context.codingPath)): expected \(type)")
        } catch let DecodingError.valueNotFound(type, context) {
            throw APIError.badRequest("\(path(context.codingPath)): expected \(type), got null")
        } catch let DecodingError.dataCorrupted(context) {
            throw APIError.badRequest("\(path(context.codingPath)): \(context.debugDescription)")
        } catch {
            throw APIError.badRequest("request body is not valid JSON: \(error)")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        let p = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return p.isEmpty ? "body" : p
    }
}
