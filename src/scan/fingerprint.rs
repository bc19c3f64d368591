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
        self.lengths.insert(len);
        true
    }

    pub fn is_empty(&self) -> bool {
        self.salts.is_empty()
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
        let hard = |c: u8| c.is_ascii_whitespace() || b"\"'`,;()<>{}[]".contains(&c);
        let soft = |c: u8| b"=:@/&?#".contains(&c);
        let mut i = 0;
        let mut bounds: Vec<usize> = Vec::new();
        while i < b.len() {
            if hard(b[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && !hard(b[i]) {
                i += 1;
            }
            let end = i;
            if end - start < MIN_LEN {
                continue;
            }
            bounds.clear();
            bounds.push(start);
            for (j, &c) in b[start..end].iter().enumerate() {
                if soft(c) {
                    bounds.push(start + j);
                    bounds.push(start + j + 1);
                }
            }
            bounds.push(end);
            bounds.dedup();
            if bounds.len() > 64 {
                bounds.truncate(63);
                bounds.push(end);
            }
            for x in 0..bounds.len() {
                for y in x + 1..bounds.len() {
                    let (s, e) = (bounds[x], bounds[y]);
                    if !self.lengths.contains(&(e - s)) {
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
    fn salts_differ() {
        assert_ne!(new_salt(), new_salt());
    }
}
