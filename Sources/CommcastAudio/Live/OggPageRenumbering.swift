import COgg

/// Rewrites the page sequence numbers of whole Ogg pages, with their checksums.
///
/// A player's Ogg reader (libogg) expects a stream's pages numbered from 0 without
/// a gap, and counts a jump as lost data. A listener who joins a live stream late
/// gets the header pages (0 and 1) and then the live pages from wherever the stream
/// is; this renumbers those live pages to follow the headers. It runs once per
/// packet for all the listeners who joined at the same page, not once per listener.
public enum OggPageRenumbering {
    /// `pages` (whole pages, back to back) with `delta` taken off every page's
    /// sequence number and the checksum set again; the input unchanged when it does
    /// not parse as whole pages.
    public static func renumber(_ pages: [UInt8], subtracting delta: Int64) -> [UInt8] {
        guard delta != 0 else { return pages }
        var out = pages
        var offset = 0
        while offset < out.count {
            // 27-byte header, then the segment table, then the body it describes.
            guard out.count - offset >= 27, out[offset] == 0x4F, out[offset + 1] == 0x67, out[offset + 2] == 0x67, out[offset + 3] == 0x53
            else { return pages }
            let segments = Int(out[offset + 26])
            guard out.count - offset >= 27 + segments else { return pages }
            let headerLength = 27 + segments
            let bodyLength = out[(offset + 27)..<(offset + headerLength)].reduce(0) { $0 + Int($1) }
            guard out.count - offset >= headerLength + bodyLength else { return pages }
            var number: UInt32 = 0
            for i in 0..<4 { number |= UInt32(out[offset + 18 + i]) << (8 * UInt32(i)) }
            let renumbered = UInt32(truncatingIfNeeded: Int64(number) - delta)
            for i in 0..<4 { out[offset + 18 + i] = UInt8(truncatingIfNeeded: renumbered >> (8 * UInt32(i))) }
            out.withUnsafeMutableBufferPointer { buffer in
                var page = ogg_page(
                    header: buffer.baseAddress! + offset, header_len: headerLength, body: buffer.baseAddress! + offset + headerLength,
                    body_len: bodyLength)
                ogg_page_checksum_set(&page)
            }
            offset += headerLength + bodyLength
        }
        return out
    }
}
