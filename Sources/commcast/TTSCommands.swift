import ArgumentParser
import CommcastControlAPI
import Foundation

/// `commcast tts …`: the station's voice, before anything airs.
struct TTSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tts",
        abstract: "Hear what the station's voice will read.",
        subcommands: [Preview.self]
    )

    /// `commcast tts preview TEXT [--audio FILE.opus]`
    struct Preview: DaemonCommand {
        static let configuration = CommandConfiguration(
            commandName: "preview",
            abstract: "Print the text as the voice will read it (numbers, dates and abbreviations in words); --audio also writes the audio.",
            discussion: """
                Nothing is queued. The daemon's own normaliser, dialect and abbreviation table are used, so what is printed is \
                what a text bulletin would say. With --audio the text is spoken by the configured hook and encoded exactly as a \
                bulletin would be stored; play the file with any player (ffplay, mpv, VLC).
                """
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The text, as it would be queued.") var text: String?
        @Option(name: .customLong("text-file"), help: "Read the text from a UTF-8 file instead.") var textFile: String?
        @Option(help: "Also write the audio, Ogg Opus as it would be stored, to this file (.opus).") var audio: String?

        func validate() throws {
            guard (text == nil) != (textFile == nil) else {
                throw ValidationError("the text: expected it as an argument or in --text-file, not both")
            }
            if let audio {
                let ext = (audio as NSString).pathExtension.lowercased()
                guard ["opus", "ogg", "oga"].contains(ext) else {
                    throw ValidationError("--audio \(audio): the audio is Ogg Opus; expected a name ending in .opus")
                }
            }
        }

        func execute(_ client: ControlClient) async throws {
            let typed = try textFile.map { try InputFile.text($0, what: "--text-file") } ?? text ?? ""
            let request = SpeechPreviewRequest(text: typed, audio: audio != nil)
            let spinner = audio != nil ? Spinner("synthesising speech") : nil
            let reply: ControlClient.Reply
            do {
                reply = try await client.send(
                    .POST, "/speech/preview", body: try ControlClient.encoder.encode(request), contentType: "application/json")
            } catch {
                await spinner?.stop()
                throw error
            }
            await spinner?.stop()
            let preview = try client.decode(reply, as: SpeechPreview.self)
            if let audio, let base64 = preview.audioBase64, let bytes = Data(base64Encoded: base64) {
                do {
                    try bytes.write(to: URL(fileURLWithPath: audio), options: .atomic)
                } catch {
                    throw fail("cannot write \(audio): \((error as NSError).localizedDescription)", ExitCodes.cannotCreate)
                }
            }
            if global.json {
                var shown = preview
                shown.audioBase64 = nil
                try printJSON(shown)
                return
            }
            print(preview.spoken)
            if let audio, let seconds = preview.durationSeconds {
                FileHandle.standardError.write(Data(String(format: "wrote %@: %.1f s of audio\n", audio, seconds).utf8))
                if let level = preview.level { FileHandle.standardError.write(Data("level: \(level)\n".utf8)) }
            }
        }
    }
}
