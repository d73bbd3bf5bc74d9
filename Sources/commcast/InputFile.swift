import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a file an operator named on the command line, saying plainly what is wrong
/// with it: missing, a directory, a device or a pipe, unreadable, or empty. Foundation's
/// own errors ("NSCocoaErrorDomain error 256", "you don't have permission" for
/// /dev/null) do not tell a commune operator what to do.
enum InputFile {
    /// The file's bytes; `what` names it in a message ("--file", "the CSV").
    static func read(_ path: String, what: String) throws -> Data {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == EACCES { throw fail("\(what) \(path): permission denied; expected a file you may read", ExitCodes.noInput) }
            throw fail("\(what) \(path): does not exist; expected an existing file", ExitCodes.noInput)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw fail("\(what) \(path): is a directory; expected a file", ExitCodes.noInput)
        default: throw fail("\(what) \(path): is not a regular file (a device or a pipe); expected a file", ExitCodes.noInput)
        }
        guard access(path, R_OK) == 0 else {
            throw fail("\(what) \(path): permission denied; expected a file you may read", ExitCodes.noInput)
        }
        guard info.st_size > 0 else { throw fail("\(what) \(path): is empty; expected content", ExitCodes.dataError) }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw fail("\(what) \(path): cannot be read (\(String(cString: strerror(errno))))", ExitCodes.noInput)
        }
    }

    /// A text file, which must be UTF-8.
    static func text(_ path: String, what: String) throws -> String {
        let data = try read(path, what: what)
        guard let text = String(data: data, encoding: .utf8) else {
            throw fail("\(what) \(path): is not UTF-8 text; expected a text file saved as UTF-8", ExitCodes.dataError)
        }
        return text
    }
}
