import ArgumentParser
import CommcastControlAPI
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `commcast operator …`: operators' console passwords (operators themselves live in
/// the `[[operators]]` of commcastd.toml).
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator",
        abstract: "Operators' web console passwords and second factors.",
        subcommands: [Passwd.self, Totp.self])

    struct Passwd: DaemonCommand {
        static let configuration = CommandConfiguration(
            commandName: "passwd",
            abstract: "Set an operator's password for the web console.",
            discussion: """
                At a terminal it asks twice, without showing what is typed; otherwise it reads one line from stdin. \
                10 to 200 characters, not containing the operator's name. The station administrator (root, the \
                daemon's user) sets anyone's; an operator sets their own. Every console session of that operator ends.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The operator's name, as in [[operators]].") var name: String

        func execute(_ client: ControlClient) async throws {
            let password: String
            if isatty(STDIN_FILENO) == 1 {
                let first = try Self.readHidden("New password for \(name): ")
                let second = try Self.readHidden("Again: ")
                guard first == second else { throw fail("the two passwords differ; nothing changed", ExitCode(65)) }
                password = first
            } else {
                guard let line = readLine(strippingNewline: true) else { throw fail("stdin: empty, expected the password on one line", ExitCode(66)) }
                password = line
            }
            let path = "/operators/\(name)/password"
            let result = try await client.send(.POST, path, json: SetPasswordRequest(password: password), as: SetPasswordResult.self)
            if global.json {
                try printJSON(result)
            } else {
                let ended = result.sessionsEnded == 0 ? "" : "; \(result.sessionsEnded) console session(s) ended"
                print("password of \(result.operator) set\(ended)")
            }
        }

        /// Reads a line from the terminal with echo off.
        static func readHidden(_ prompt: String) throws -> String {
            FileHandle.standardError.write(Data(prompt.utf8))
            var saved = termios()
            tcgetattr(STDIN_FILENO, &saved)
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
            defer {
                tcsetattr(STDIN_FILENO, TCSANOW, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
            guard let line = readLine(strippingNewline: true) else { throw fail("no password typed; nothing changed", ExitCode(66)) }
            return line
        }
    }

    struct Totp: DaemonCommand {
        static let configuration = CommandConfiguration(
            commandName: "totp",
            abstract: "Give an operator a second factor for the web console (an authenticator app's codes), or remove it.",
            discussion: """
                Prints a new secret once: type it into an authenticator app (or make a QR code of the otpauth:// \
                address); from then on the console asks for the app's 6-digit code after the password. Running it \
                again replaces the secret; --remove takes the second factor away (a lost phone). Recommended for \
                every operator with the emergency role. The administrator does it for anyone; an operator for \
                themselves. Every console session of that operator ends.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The operator's name, as in [[operators]].") var name: String
        @Flag(help: "Remove the second factor instead.") var remove = false

        func execute(_ client: ControlClient) async throws {
            let path = "/operators/\(name)/totp"
            if remove {
                let result = try await client.send(.DELETE, path, json: [String: String](), as: SetPasswordResult.self)
                if global.json { try printJSON(result) } else { print("second factor of \(result.operator) removed") }
                return
            }
            let result = try await client.send(.POST, path, json: [String: String](), as: TOTPEnrollment.self)
            if global.json {
                try printJSON(result)
                return
            }
            print("second factor of \(result.operator) set; it is shown only now.")
            print("secret   \(result.secret)")
            print("address  \(result.uri)")
            print("Type the secret into an authenticator app (time-based, 6 digits, 30 s), or make a QR code of the address.")
        }
    }
}
