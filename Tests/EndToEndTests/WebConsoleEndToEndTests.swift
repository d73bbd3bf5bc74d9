import AsyncHTTPClient
import CommcastConsole
import CommcastStore
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import TestSupport
import Testing

/// The web console's door, over real HTTP to the real daemon: passwords, sessions in
/// cookies, CSRF, throttling, scopes by the socket's own code, and the headers.
@Suite("Web console end to end", .serialized)
struct WebConsoleEndToEndTests {
    struct Reply {
        var status: UInt
        var headers: HTTPHeaders
        var body: String
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] }
    }

    /// A browser's view: one cookie jar, and the CSRF token once logged in.
    final class Browser: @unchecked Sendable {
        let base: String
        var cookie: String?
        var csrf: String?

        init(_ address: String) { base = "http://\(address)" }

        func request(
            _ method: HTTPMethod, _ path: String, json: [String: Any]? = nil, body: Data? = nil, csrf sendCSRF: Bool = true, bearer: String? = nil,
            headers: [(String, String)] = []
        ) async throws -> Reply {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let cookie { request.headers.add(name: "Cookie", value: cookie) }
            if sendCSRF, let csrf { request.headers.add(name: "X-CSRF-Token", value: csrf) }
            if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
            if let json {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
            }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/octet-stream")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            if let set = response.headers.first(name: "Set-Cookie"), let pair = set.split(separator: ";").first {
                cookie = pair.hasSuffix("=") ? nil : String(pair)
            }
            return Reply(status: response.status.code, headers: response.headers, body: String(buffer: body))
        }

        func login(_ name: String, _ password: String) async throws -> Reply {
            let reply = try await request(.POST, "/v1/session", json: ["name": name, "password": password])
            if reply.status == 200 { csrf = reply.json?["csrf_token"] as? String }
            return reply
        }
    }

    static let lanPassword = "đồng lúa chín vàng"
    static let districtPassword = "sông nước miền tây 2026"

    func station(extra: String = "") throws -> (SchedulingEndToEndTests.Station, String) {
        let station = try SchedulingEndToEndTests.Station(extra: extra)
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents", "--quiet", "none"]).status == 0)
        #expect(try station.commcast(["zone", "add", "tinh/xa-b"]).status == 0)
        #expect(try station.commcast(["cluster", "add", "a1", "--name", "A1", "--zone", "tinh/xa-a"]).status == 0)
        #expect(try station.commcast(["cluster", "add", "b1", "--name", "B1", "--zone", "tinh/xa-b"]).status == 0)
        for (name, password) in [("Lan", Self.lanPassword), ("Huyện", Self.districtPassword)] {
            let set = try station.commcast(["operator", "passwd", name], stdin: Data("\(password)\n".utf8))
            #expect(set.status == 0 && set.stdoutText.contains("password of \(name) set"), "\(set.stderr)")
        }
        let status = try #require(try station.json(["status"]) as? [String: Any])
        return (station, try #require(status["console_address"] as? String))
    }

    @Test(.timeLimit(.minutes(2)))
    func loginSessionsCSRFAndScopes() async throws {
        let (station, address) = try station()
        defer { station.stop() }
        #expect(address.hasPrefix("127.0.0.1:"))
        let browser = Browser(address)

        // The page, with the headers that keep scripts and frames out.
        let page = try await browser.request(.GET, "/")
        #expect(page.status == 200 && page.body.contains("<script src=\"/console.js\""))
        let csp = page.headers.first(name: "Content-Security-Policy") ?? ""
        #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"))
        #expect(page.headers.first(name: "X-Frame-Options") == "DENY")
        #expect(page.headers.first(name: "Strict-Transport-Security") == nil, "no HSTS over plain loopback HTTP")
        #expect(try await browser.request(.GET, "/console.js", csrf: false).headers.first(name: "Content-Type")?.hasPrefix("text/javascript") == true)

        // Nothing without a login; a wrong password is refused in the same words as an unknown name.
        #expect(try await browser.request(.GET, "/v1/clusters").status == 401)
        let wrong = try await browser.login("Lan", "not the password at all")
        let unknown = try await browser.login("Nobody", "not the password at all")
        #expect(wrong.status == 401 && unknown.status == 401 && wrong.body == unknown.body)

        // A login: the cookie is HttpOnly and SameSite=Strict, and the session answers.
        let ok = try await browser.login("Lan", Self.lanPassword)
        #expect(ok.status == 200, "\(ok.body)")
        let setCookie = ok.headers.first(name: "Set-Cookie") ?? ""
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/"), "\(setCookie)")
        #expect(ok.json?["operator"] as? String == "Lan" && (browser.csrf?.count ?? 0) >= 40)
        #expect(try await browser.request(.GET, "/v1/session").json?["csrf_token"] as? String == browser.csrf)

        // Scopes by the socket's own code: commune A's operator sees and reaches only A.
        let clusters = try await browser.request(.GET, "/v1/clusters")
        #expect(clusters.status == 200 && clusters.body.contains("\"a1\"") && !clusters.body.contains("\"b1\""), "\(clusters.body)")
        let other = try await browser.request(.POST, "/v1/clusters/b1/command", json: ["command": "stop"])
        #expect([403, 404].contains(other.status), "\(other.status) \(other.body)")

        // A change without the CSRF token is refused before any route runs; with it, it reaches the route.
        let forged = try await browser.request(.POST, "/v1/bulletins/999/pause", csrf: false)
        #expect(forged.status == 403 && forged.json?["code"] as? String == "csrf", "\(forged.body)")
        let real = try await browser.request(.POST, "/v1/bulletins/999/pause")
        #expect(real.status == 404, "past the CSRF check, the route answers: \(real.status) \(real.body)")

        // An API token works without a cookie (the CLI's way), and needs no CSRF token.
        let api = Browser(address)
        let byToken = try await api.request(.GET, "/v1/clusters", bearer: SchedulingEndToEndTests.lanToken)
        #expect(byToken.status == 200 && byToken.body.contains("\"a1\""))

        // The overview's event stream: a `health` event at once, for Lan's commune only.
        var stream = HTTPClientRequest(url: "http://\(address)/v1/health/events")
        stream.headers.add(name: "Cookie", value: try #require(browser.cookie))
        let events = try await HTTPClient.shared.execute(stream, timeout: .seconds(30))
        #expect(events.headers.first(name: "Content-Type")?.hasPrefix("text/event-stream") == true)
        var received = ""
        for try await chunk in events.body {
            received += String(buffer: chunk)
            if received.contains("\n\n") { break }
        }
        #expect(received.hasPrefix("event: health\ndata: {") && received.contains("tinh/xa-a") && !received.contains("tinh/xa-b"), "\(received)")

        // A new password ends the operator's sessions; logging out ends one.
        let district = Browser(address)
        #expect(try await district.login("Huyện", Self.districtPassword).status == 200)
        let changed = try station.commcast(["operator", "passwd", "Lan"], stdin: Data("một mật khẩu mới hơn\n".utf8))
        #expect(changed.status == 0 && changed.stdoutText.contains("1 console session(s) ended"), "\(changed.stdoutText)")
        #expect(try await browser.request(.GET, "/v1/session").status == 401, "the old session ended with the password")
        #expect(try await district.request(.GET, "/v1/session").status == 200, "another operator's session goes on")
        let logout = try await district.request(.DELETE, "/v1/session")
        #expect(logout.status == 204 && district.cookie == nil)
        #expect(try await district.request(.GET, "/v1/clusters").status == 401)

        let audit = try station.commcast(["audit"]).stdoutText
        #expect(audit.contains("console.login") && audit.contains("console.logout") && audit.contains("operator.passwd"), "\(audit)")
    }

    @Test(.timeLimit(.minutes(2)))
    func failedLoginsLockTheAccountAndTheLockIsAudited() async throws {
        let (station, address) = try station()
        defer { station.stop() }
        let browser = Browser(address)
        for n in 1...5 {
            #expect(try await browser.login("Huyện", "guess number \(n) here").status == 401)
        }
        let locked = try await browser.login("Huyện", Self.districtPassword)
        #expect(locked.status == 429 && locked.json?["code"] as? String == "locked", "even the right password waits: \(locked.body)")
        let retry = Int(locked.headers.first(name: "Retry-After") ?? "") ?? 0
        #expect(retry > 800 && retry <= 900, "\(retry)")
        #expect(try await browser.login("Lan", Self.lanPassword).status == 200, "another account from the same address may log in")
        let audit = try station.commcast(["audit"]).stdoutText
        #expect(audit.contains("console.lockout") && audit.contains("account huyện"), "\(audit)")
    }
}

extension WebConsoleEndToEndTests {
    /// A second factor: enrolled from the CLI, asked for after the right password,
    /// a wrong code counted as a failed login, the right one good once.
    @Test(.timeLimit(.minutes(2)))
    func secondFactorForTheEmergencyRole() async throws {
        let (station, address) = try station()
        defer { station.stop() }
        let enrolled = try station.commcast(["operator", "totp", "Huyện", "--json"])
        #expect(enrolled.status == 0, "\(enrolled.stderr)")
        let reply = try #require(try JSONSerialization.jsonObject(with: enrolled.stdout) as? [String: Any])
        let uri = try #require(reply["uri"] as? String)
        #expect(uri.hasPrefix("otpauth://totp/commcast:Huy%E1%BB%87n?secret="), "\(uri)")
        let base32 = try #require(reply["secret"] as? String)
        let secret = try #require(Self.base32Decode(base32))

        let browser = Browser(address)
        let asked = try await browser.request(.POST, "/v1/session", json: ["name": "Huyện", "password": Self.districtPassword])
        #expect(asked.status == 401 && asked.json?["code"] as? String == "totp_required", "\(asked.body)")
        #expect(browser.cookie == nil)
        let current = TOTP.code(secret: secret, step: TOTP.step(at: Date()))
        let wrong = try await browser.request(
            .POST, "/v1/session", json: ["name": "Huyện", "password": Self.districtPassword, "code": current == "000000" ? "000001" : "000000"])
        #expect(wrong.status == 401 && wrong.json?["code"] as? String == "totp_wrong", "\(wrong.body)")
        let code = TOTP.code(secret: secret, step: TOTP.step(at: Date()))
        let login = try await browser.request(.POST, "/v1/session", json: ["name": "Huyện", "password": Self.districtPassword, "code": code])
        #expect(login.status == 200 && browser.cookie != nil, "\(login.body)")
        let again = try await Browser(address).request(
            .POST, "/v1/session", json: ["name": "Huyện", "password": Self.districtPassword, "code": code])
        #expect(again.status == 401 && again.json?["code"] as? String == "totp_wrong", "the same code twice: \(again.body)")
        // Another operator without a second factor logs in as before.
        #expect(try await Browser(address).login("Lan", Self.lanPassword).status == 200)
        let removed = try station.commcast(["operator", "totp", "Huyện", "--remove"])
        #expect(removed.status == 0 && removed.stdoutText.contains("second factor of Huyện removed"), "\(removed.stderr)")
        #expect(try await Browser(address).login("Huyện", Self.districtPassword).status == 200)
        let audit = try station.commcast(["audit"]).stdoutText
        #expect(audit.contains("operator.totp") && audit.contains("operator.totp.remove"), "\(audit)")
    }

    static func base32Decode(_ text: String) -> [UInt8]? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var (buffer, bits, out) = (0, 0, [UInt8]())
        for ch in text {
            guard let value = alphabet.firstIndex(of: ch) else { return nil }
            buffer = (buffer << 5) | value
            bits += 5
            if bits >= 8 {
                out.append(UInt8((buffer >> (bits - 8)) & 0xff))
                bits -= 8
            }
        }
        return out
    }

    /// An upload is streamed to a file under the state directory, never held whole in
    /// memory: one over `ingest.max_input_mb` is refused by size, before and while it
    /// arrives, and leaves nothing behind; a browser's recording (WebM with Opus, as
    /// MediaRecorder makes it) is ingested like any other file.
    @Test(.timeLimit(.minutes(2)))
    func uploadsAreStreamedToDiskUnderTheIngestLimit() async throws {
        let (station, address) = try station(extra: "[ingest]\nmax_input_mb = 1")
        defer { station.stop() }
        let browser = Browser(address)
        #expect(try await browser.login("Lan", Self.lanPassword).status == 200)
        let uploads = station.dir.file("state").appendingPathComponent("uploads")

        let tooBig = try await browser.request(.POST, "/v1/media", body: Data(repeating: 0x55, count: 1_536 * 1024))
        #expect(tooBig.status == 413, "\(tooBig.body)")
        #expect(tooBig.json?["code"] as? String == "too_large")
        #expect(tooBig.body.contains("1048576"), "the limit is named: \(tooBig.body)")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: uploads.path)) ?? []
        #expect(left.isEmpty, "no upload left behind: \(left)")

        let webm = station.dir.file("recording.webm")
        let made = try await ExternalTools.runDetached(
            "ffmpeg", ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "libopus", webm.path])
        #expect(made.status == 0, "\(made.stderr)")
        let upload = try await browser.request(.POST, "/v1/media", body: try Data(contentsOf: webm))
        #expect(upload.status == 201, "\(upload.body)")
        #expect(upload.json?["source_format"] as? String == "WebM")
        #expect(abs((upload.json?["duration_seconds"] as? Double ?? 0) - 2) < 0.1, "\(upload.body)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: uploads.path)) ?? []).isEmpty)
    }

    /// With a certificate (here the link's), the console speaks HTTPS: the cookie is
    /// Secure, HSTS is sent, and the CLI reaches the station remotely with `--url` and
    /// an operator's token, trusting the station's own certificate with `--ca`.
    @Test(.timeLimit(.minutes(2)))
    func overHTTPSWithTheLinksCertificateAndTheRemoteCLI() async throws {
        let station = try SchedulingEndToEndTests.Station { dir in try ExternalTools.selfSignedCertificate(in: dir, name: "station") }
        defer { station.stop() }
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents", "--quiet", "none"]).status == 0)
        #expect(try station.commcast(["zone", "add", "tinh/xa-b"]).status == 0)
        #expect(try station.commcast(["cluster", "add", "a1", "--name", "A1", "--zone", "tinh/xa-a"]).status == 0)
        #expect(try station.commcast(["cluster", "add", "b1", "--name", "B1", "--zone", "tinh/xa-b"]).status == 0)
        #expect(try station.commcast(["operator", "passwd", "Lan"], stdin: Data("\(Self.lanPassword)\n".utf8)).status == 0)
        let status = try #require(try station.json(["status"]) as? [String: Any])
        #expect(status["console_tls"] as? Bool == true)
        let port = try #require((status["console_address"] as? String)?.split(separator: ":").last)
        let base = "https://localhost:\(port)"
        let pem = station.dir.file("station.pem").path

        // A browser's login over HTTPS: Secure cookie, HSTS.
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pem))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        var login = HTTPClientRequest(url: base + "/v1/session")
        login.method = .POST
        login.headers.add(name: "Content-Type", value: "application/json")
        login.body = .bytes(ByteBuffer(string: #"{"name":"Lan","password":"\#(Self.lanPassword)"}"#))
        let response = try await client.execute(login, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 16)
        try await client.shutdown()
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "Set-Cookie")?.contains("; Secure") == true, "\(response.headers)")
        #expect(response.headers.first(name: "Strict-Transport-Security")?.hasPrefix("max-age=") == true)

        // The CLI from afar: a token, the station's certificate, only Lan's commune.
        func remote(_ args: [String], environment extra: [String: String] = [:]) throws -> ExternalTools.Result {
            var env = ProcessInfo.processInfo.environment
            env.removeValue(forKey: "COMMCAST_SOCKET")
            env["COMMCAST_SOCKET"] = "/nonexistent/control.sock"  // proves the socket is not used
            for (k, v) in extra { env[k] = v }
            return try ExternalTools.run(try BuiltProducts.path("commcast"), args, environment: env, timeout: .seconds(60))
        }
        let listed = try remote(["cluster", "list", "--json", "--url", base, "--ca", pem, "--token", SchedulingEndToEndTests.lanToken])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdoutText.contains("\"a1\"") && !listed.stdoutText.contains("\"b1\""), "\(listed.stdoutText)")
        let byEnvironment = try remote(
            ["status"], environment: ["COMMCAST_URL": base, "COMMCAST_CA": pem, "COMMCAST_TOKEN": SchedulingEndToEndTests.lanToken])
        #expect(byEnvironment.status == 0, "\(byEnvironment.stderr)")
        let untrusted = try remote(["cluster", "list", "--url", base, "--token", SchedulingEndToEndTests.lanToken])
        #expect(untrusted.status == 69 && untrusted.stderr.contains("cannot reach commcastd at \(base)"), "\(untrusted.stderr)")
        let plain = try remote(["cluster", "list", "--url", "http://192.0.2.1:7480", "--token", "x"])
        #expect(plain.status == 64 && plain.stderr.contains("expected https://"), "\(plain.stderr)")
        let tokenless = try remote(["cluster", "list", "--url", base, "--ca", pem])
        #expect(tokenless.status == 64 && tokenless.stderr.contains("needs an operator token"), "\(tokenless.stderr)")
    }
}
