//! What `keyledger --version` prints: the release, and the version of the
//! detector set compiled in, derived from `src/scan/detectors.toml` itself
//! (its number of detectors and the start of its BLAKE3 hash), so two
//! builds of one release with different detectors tell themselves apart.

use std::sync::OnceLock;

use crate::scan::detectors::DETECTORS_TOML;

/// The crate's version, `0.1.0`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Detectors in the embedded set: its `[[rule]]` tables.
pub fn detector_count() -> usize {
    DETECTORS_TOML
        .lines()
        .filter(|l| l.trim() == "[[rule]]")
        .count()
}

/// The first 12 hex digits of the BLAKE3 hash of the embedded
/// `detectors.toml`.
pub fn detector_set_hash() -> String {
    blake3::hash(DETECTORS_TOML.as_bytes()).to_hex()[..12].to_string()
}

/// `0.1.0 (detectors: 128, set 8c1f2a9e3b7d)`.
pub fn long() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| {
        format!(
            "{VERSION} (detectors: {}, set {})",
            detector_count(),
            detector_set_hash()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_is_the_number_of_detectors_loaded() {
        let loaded = crate::scan::detectors::Detectors::get().rules.len();
        assert_eq!(detector_count(), loaded);
        assert!(long().starts_with(VERSION));
        assert_eq!(detector_set_hash().len(), 12);
    }
}
