import CommcastControlAPI
import Foundation
import Hummingbird
import NIOCore

/// Builds JSON responses with the encoder settings the CLI expects.
enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        // Slashes unescaped: zone paths read as typed ("tinh/xa-a", not "tinh\/xa-a").
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// A 2xx response with `value` as its body.
    static func ok(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// An error response carrying `APIErrorBody`.
    static func error(_ status: HTTPResponse.Status, code: String, message: String) -> Response {
        let data = (try? encoder.encode(APIErrorBody(code: code, message: message))) ?? Data()
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
