//! Fingerprints let a scan find an inventoried secret's value without the
//! inventory storing it.
//!
//! Scheme `kl1:SALT:LEN:MAC`: `SALT` is 8 random bytes shared by an
//! inventory's fingerprints, `LEN` the value's length in bytes, `MAC` the
//! first 8 bytes of BLAKE3 keyed with `derive_key("keyledger fingerprint
//! v1", SALT)` over the value. The scanner hashes only candidate tokens of a
//! recorded length, so testing every token stays cheap; the salt defeats
//! precomputed tables. The trade-off (README): a fast hash means that whoever
//! reads the inventory can test guesses quickly, so a weak secret (a
//! dictionary password) is recoverable from its fingerprint and its length is
//! disclosed. Fingerprint high-entropy values; `keyledger fingerprint`
//! refuses values shorter than 12 characters.

use std::collections::{HashMap, HashSet};

pub const MIN_LEN: usize = 12;

fn key(salt: &[u8; 8]) -> [u8; 32] {
    blake3::derive_key("keyledger fingerprint v1", salt)
}

fn mac(key: &[u8; 32], value: &[u8]) -> u64 {
    let h = blake3::keyed_hash(key, value);
    let mut b = [0u8; 8];
    b.copy_from_slice(&h.as_bytes()[..8]);
    u64::from_be_bytes(b)
}

pub fn make(salt: &[u8; 8], value: &str) -> String {
    let salt_hex: String = salt.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "kl1:{salt_hex}:{}:{:016x}",
        value.len(),
        mac(&key(salt), value.as_bytes())
    )
}

/// A fresh random salt.
pub fn new_salt() -> [u8; 8] {
    let mut h = blake3::Hasher::new();
    h.update(&std::process::id().to_le_bytes());
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.update(&t.as_nanos().to_le_bytes());
    }
    if let Ok(bytes) = std::fs::read("/proc/sys/kernel/random/uuid") {
        h.update(&bytes);
    }
    let addr = &h as *const _ as usize;
    h.update(&addr.to_le_bytes());
    let mut s = [0u8; 8];
    s.copy_from_slice(&h.finalize().as_bytes()[..8]);
    s
}

/// Parses `kl1:SALT:LEN:MAC`.
pub fn parse(fp: &str) -> Option<([u8; 8], usize, u64)> {
    let mut it = fp.split(':');
    if it.next()? != "kl1" {
        return None;
    }
    let salt_hex = it.next()?;
    let len: usize = it.next()?.parse().ok()?;
    let mac = u64::from_str_radix(it.next()?, 16).ok()?;
    if salt_hex.len() != 16 || it.next().is_some() {
        return None;
    }
    let mut salt = [0u8; 8];
    for (i, b) in salt.iter_mut().enumerate() {
        *b = u8::from_str_radix(salt_hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some((salt, len, mac))
}

/// (length, mac) → secret name, for one salt.
type ByMac = HashMap<(usize, u64), String>;

/// The fingerprints of an inventory, ready to test tokens against.
#[derive(Default)]
pub struct Set {
    /// Per salt: derived key, and (length, mac) → secret name.
    salts: Vec<([u8; 32], ByMac)>,
    lengths: HashSet<usize>,
    sorted_lengths: Vec<usize>,
}

impl Set {
    pub fn add(&mut self, fingerprint: &str, secret: &str) -> bool {
        let Some((salt, len, m)) = parse(fingerprint) else {
            return false;
        };
        let k = key(&salt);
        let entry = match self.salts.iter_mut().position(|(kk, _)| *kk == k) {
            Some(i) => &mut self.salts[i].1,
            None => {
                self.salts.push((k, HashMap::new()));
                let last = self.salts.len() - 1;
                &mut self.salts[last].1
            }
        };
        entry.insert((len, m), secret.to_string());
        if self.lengths.insert(len) {
            self.sorted_lengths.push(len);
            self.sorted_lengths.sort_unstable();
        }
        true
    }

    pub fn is_empty(&self) -> bool {
        self.salts.is_empty()
    }

    /// A digest of what the set matches (not of any value): equal sets,
    /// such as the same inventory read twice, have equal digests.
    pub fn digest(&self) -> [u8; 32] {
        let mut entries: Vec<([u8; 32], usize, u64)> = self
            .salts
            .iter()
            .flat_map(|(k, by)| by.keys().map(move |(len, mac)| (*k, *len, *mac)))
            .collect();
        entries.sort_unstable();
        let mut h = blake3::Hasher::new();
        for (k, len, mac) in entries {
            h.update(&k);
            h.update(&(len as u64).to_le_bytes());
            h.update(&mac.to_le_bytes());
        }
        *h.finalize().as_bytes()
    }

    /// Byte ranges of values in `text` whose fingerprint is in the set, with
    /// the secret's name. Candidates are runs between hard delimiters
    /// (whitespace, quotes, brackets, `,;`) and their pieces around `=:@/&?#`.
    pub fn find(&self, text: &str) -> Vec<(usize, usize, String)> {
        let mut out = Vec::new();
        if self.is_empty() {
            return out;
        }
        let b = text.as_bytes();
        // Byte classes in a table: this loop sees every byte of every file.
        const fn classes() -> [u8; 256] {
            let mut t = [0u8; 256];
            let hard = b" \t\n\r\x0b\x0c\"'`,;()<>{}[]";
            let soft = b"=:@/&?#";
            let mut i = 0;
            while i < hard.len() {
                t[hard[i] as usize] = HARD;
                i += 1;
            }
            let mut i = 0;
            while i < soft.len() {
                t[soft[i] as usize] = SOFT;
                i += 1;
            }
            t
        }
        const HARD: u8 = 1;
        const SOFT: u8 = 2;
        static CLASS: [u8; 256] = classes();
        let min_len = self
            .sorted_lengths
            .first()
            .copied()
            .unwrap_or(MIN_LEN)
            .max(1);
        let mut bounds: Vec<usize> = Vec::new();
        let n = b.len();
        let m = min_len;
        // Tokens shorter than the shortest fingerprinted value cannot match,
        // so the search skips ahead like Boyer-Moore: it looks at the last
        // byte of a window of `m` bytes and backwards from there; a hard
        // delimiter in the window moves the window past it. Invariant: `i`
        // is 0 or follows a hard delimiter, so a clean window starts a token.
        let mut i = 0;
        while i + m <= n {
            if let Some(h) = (i..i + m).rev().find(|&k| CLASS[b[k] as usize] == HARD) {
                i = h + 1;
                continue;
            }
            let start = i;
            let mut end = i + m;
            while end < n && CLASS[b[end] as usize] != HARD {
                end += 1;
            }
            i = end + 1;
            bounds.clear();
            bounds.push(start);
            for k in start..end {
                if CLASS[b[k] as usize] == SOFT {
                    bounds.push(k);
                    bounds.push(k + 1);
                }
            }
            bounds.push(end);
            bounds.dedup();
            if bounds.len() > 64 {
                bounds.truncate(63);
                bounds.push(end);
            }
            let max_len = end - start;
            for x in 0..bounds.len() {
                for &len in &self.sorted_lengths {
                    if len > max_len {
                        break;
                    }
                    let (s, e) = (bounds[x], bounds[x] + len);
                    if bounds[x + 1..].binary_search(&e).is_err() {
                        continue;
                    }
                    for (k, map) in &self.salts {
                        if let Some(name) = map.get(&(e - s, mac(k, &b[s..e]))) {
                            out.push((s, e, name.clone()));
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_find() {
        let salt = [1, 2, 3, 4, 5, 6, 7, 8];
        let fp = make(&salt, "s3cr3t-Value-9f8e7d");
        assert!(fp.starts_with("kl1:0102030405060708:19:"));
        let mut set = Set::default();
        assert!(set.add(&fp, "API_TOKEN"));
        let text =
            "url = https://svc:s3cr3t-Value-9f8e7d@host/x\nother = \"s3cr3t-Value-9f8e7d\"\n";
        let found = set.find(text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(&text[found[0].0..found[0].1], "s3cr3t-Value-9f8e7d");
        assert_eq!(found[0].2, "API_TOKEN");
        assert!(set.find("s3cr3t-Value-9f8e7e").is_empty());
        assert!(!set.add("kl1:zz:1:00", "X"));
    }

    #[test]
    fn finds_values_at_every_position() {
        let salt = [9; 8];
        let v = "Zq8vR2mT5kL9wX3nB7cY";
        let mut set = Set::default();
        assert!(set.add(&make(&salt, v), "K"));
        for text in [
            v.to_string(),
            format!("{v}\n"),
            format!("x={v}"),
            format!("a b c d e f {v}"),
            format!("averyveryverylongtokenwithoutdelims {v} tail"),
            format!("k:{v}:rest"),
            format!("(\"{v}\")"),
        ] {
            let found = set.find(&text);
            assert_eq!(found.len(), 1, "{text:?}: {found:?}");
            assert_eq!(&text[found[0].0..found[0].1], v);
        }
        assert!(
            set.find(&format!("{v}X")).is_empty(),
            "a longer token is a different value"
        );
        assert!(set.find("short tokens only").is_empty());
    }

    #[test]
    fn salts_differ() {
        assert_ne!(new_salt(), new_salt());
    }
}
