/// The version of commcast, reported by `commcast status` and in the OpusTags `ENCODER` field.
public enum CommcastVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}
