import Foundation

/// Recognises what kind of file a recording is from its first bytes, so errors can
/// say "MP3" rather than "unknown" and WAV can skip ffmpeg entirely.
public enum ContainerKind: String, Sendable, Equatable {
    case wav = "WAV"
    case mp3 = "MP3"
    case mp4 = "M4A/MP4"
    case adts = "AAC"
    case ogg = "Ogg"
    case flac = "FLAC"
    case aiff = "AIFF"
    /// Matroska or WebM: what a browser's MediaRecorder makes (Opus inside).
    case webm = "WebM"
    case rf64 = "RF64"
    case unknown = "unrecognised data"

    /// Sniffs the container from the leading bytes.
    public static func sniff(_ data: Data) -> ContainerKind {
        let head = [UInt8](data.prefix(12))
        func starts(_ s: String, at offset: Int = 0) -> Bool {
            let bytes = Array(s.utf8)
            return head.count >= offset + bytes.count && Array(head[offset..<offset + bytes.count]) == bytes
        }
        if WAVFile.looksLikeWAV(data) { return .wav }
        if starts("RF64") { return .rf64 }
        if starts("ID3") { return .mp3 }
        if starts("ftyp", at: 4) { return .mp4 }
        if starts("OggS") { return .ogg }
        if starts("fLaC") { return .flac }
        if starts("FORM") { return .aiff }
        if head.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) { return .webm }
        if head.count >= 2, head[0] == 0xFF {
            if head[1] & 0xF6 == 0xF0 { return .adts }
            if head[1] & 0xE0 == 0xE0 { return .mp3 }
        }
        return .unknown
    }
}
