import CommcastCore
import CommcastStore
import Foundation
import Hummingbird
import NIOCore

extension ControlRequestContext {
    /// The operator behind this request, or a 403 that says how to become one.
    func requireOperator() throws -> Operator {
        if let op = self.operator { return op }
        if webOrigin != nil { throw APIError(status: .unauthorized, code: "unauthorized", message: "log in first (POST /v1/session)") }
        let who = peer.map { "\($0.userName ?? "uid \($0.uid)") (uid \($0.uid))" } ?? "this caller"
        throw APIError.forbidden("\(who) is not configured as an operator; add an [[operators]] entry with unix_user to commcastd.toml")
    }

    /// The audit identity of the caller.
    func actor(_ op: Operator) -> Actor {
        var origin = webOrigin ?? peer.map { "unix:uid=\($0.uid),pid=\($0.pid)" } ?? "unknown"
        if authenticatedByToken { origin += ",token" }
        return Actor(name: op.name, origin: origin)
    }
}

/// How the control API reads a JSON request body, whichever entry point it came in
/// by (the socket, the console): open for the fuzzer (`CommcastFuzzTargets`).
public enum ControlRequestDecoding {
    /// `data` as `type`, or an `APIError` (400) naming the field, the value and what was expected.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try RequestBody.decode(type, from: data)
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

    /// Streams the body into a new file in `directory`, at most `limit` bytes: an
    /// upload of a long recording never sits whole in memory (and the directory is
    /// the state directory's, on disk, where /tmp may be RAM). The caller removes
    /// the file; on any failure here it is already gone.
    static func file(_ request: Request, limit: Int, in directory: URL) async throws -> URL {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError(status: .contentTooLarge, code: "too_large", message: "request body is \(declared) bytes, over the limit of \(limit)")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("upload-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw APIError(status: .internalServerError, code: "internal", message: "cannot create an upload file in \(directory.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            var written = 0
            for try await buffer in request.body {
                written += buffer.readableBytes
                guard written <= limit else {
                    throw APIError(status: .contentTooLarge, code: "too_large", message: "request body is over the limit of \(limit) bytes")
                }
                try handle.write(contentsOf: buffer.readableBytesView)
            }
            return url
        } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }
    }

    /// Decodes JSON, naming the field that is wrong.
    static func json<T: Decodable>(_ type: T.Type, from request: Request, limit: Int = 1 << 20) async throws -> T {
        if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw APIError(
                status: .unsupportedMediaType, code: "unsupported_media_type",
                message: "Content-Type: got \(contentType), expected application/json")
        }
        return try decode(T.self, from: try await bytes(request, limit: limit))
    }

    /// Decodes a request body already read, naming the field that is wrong.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        do {
            return try decoder.decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw APIError.badRequest("\(path(context.codingPath + [key])): missing, expected it in the JSON object")
        } catch let DecodingError.typeMismatch(type, context) {
            throw APIError.badRequest("\(path(context.codingPath)): got \(Self.found(in: data, at: context.codingPath)), expected \(describe(type))")
        } catch let DecodingError.valueNotFound(type, context) {
            throw APIError.badRequest("\(path(context.codingPath)): expected \(describe(type)), got null")
        } catch let DecodingError.dataCorrupted(context) {
            let reason = context.underlyingError.map { "\($0)" } ?? context.debugDescription
            if context.codingPath.isEmpty {
                throw APIError.badRequest("body: got text that is not JSON (\(reason.prefix(120))), expected a JSON object")
            }
            throw APIError.badRequest("\(path(context.codingPath)): \(context.debugDescription)")
        } catch {
            throw APIError.badRequest("request body is not valid JSON: \(error)")
        }
    }

    /// What kind of JSON value sits at `codingPath` in `data`, for "got …".
    static func found(in data: Data, at codingPath: [any CodingKey]) -> String {
        var value: Any? = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        for key in codingPath {
            if let index = key.intValue, let list = value as? [Any], list.indices.contains(index) {
                value = list[index]
            } else if let object = value as? [String: Any] {
                value = object[key.stringValue]
            } else {
                return "another type"
            }
        }
        switch value {
        case is [String: Any]: return "a JSON object"
        case is [Any]: return "a JSON array"
        case is String: return "a string"
        // JSONSerialization gives true and false as a boolean subclass of NSNumber.
        case let n as NSNumber: return "\(type(of: n))".contains("Boolean") ? "true or false" : "a number (\(n))"
        case nil, is NSNull: return "null"
        default: return "another type"
        }
    }

    /// A Swift type as a JSON value a person would name.
    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is [String: Any].Type: "a JSON object"
        case is [Any].Type: "a list"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type: "a whole number"
        case is Double.Type, is Float.Type: "a number"
        default: "\(type)"
        }
    }

    /// A whole number query parameter within `range`, or `fallback` when absent.
    static func integer(_ request: Request, _ name: String, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        guard let raw = request.uri.queryParameters.get(name) else { return fallback }
        guard let value = Int(raw), range.contains(value) else {
            throw APIError.badRequest("\(name): got \"\(raw)\", expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A comma-separated list of `E`'s names, each checked, or nil when absent.
    static func names<E: RawRepresentable & CaseIterable>(_ request: Request, _ name: String, as type: E.Type) throws -> [E]?
    where E.RawValue == String {
        try request.uri.queryParameters.get(name).map { raw in
            try raw.split(separator: ",").map { word in
                guard let value = E(rawValue: String(word)) else {
                    throw APIError.badRequest("\(name): got \"\(word)\", expected \(E.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return value
            }
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        let p = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return p.isEmpty ? "body" : p
    }
}
