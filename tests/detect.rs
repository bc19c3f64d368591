//! Detectors on hostile input (issue 12, "catastrophic regex"): every
//! detector scans in linear time in practice. Each case builds the input,
//! runs the real binary on it and asserts that the scan ends well within a
//! generous bound (debug build, shared machine) and finds nothing.

mod common;
use common::*;

use std::time::{Duration, Instant};

fn scan_alone(name: &str, text: &str, bound: Duration) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    let t = Instant::now();
    let run = keyledger(
        &["check", ".", "--no-inventory", "--format", "json"],
        dir.path(),
    );
    let took = t.elapsed();
    assert_eq!(run.code, 0, "{name}: {}", run.transcript());
    let doc = run.json();
    let findings = doc["findings"].as_array().unwrap();
    assert!(findings.is_empty(), "{name}: {findings:#?}");
    assert!(took < bound, "{name}: {took:?} (bound {bound:?})");
}

#[test]
fn begin_lines_without_an_end_scan_in_linear_time() {
    // 8 MB of BEGIN lines took 26.6 s; the block finder reads each byte a
    // bounded number of times.
    let rsa = "-----BEGIN RSA PRIVATE KEY-----\n".repeat(8 * 1024 * 1024 / 32);
    scan_alone("keys.pem", &rsa, Duration::from_secs(60));
    let pgp = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n".repeat(1024 * 1024 / 38);
    scan_alone("keys.asc", &pgp, Duration::from_secs(30));
    // BEGIN, a long body that never ends, and BEGIN markers of every kind.
    let mut mixed = String::new();
    for label in [
        "RSA PRIVATE KEY",
        "EC PRIVATE KEY",
        "PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
        "PGP PRIVATE KEY BLOCK",
    ] {
        mixed.push_str(&format!("-----BEGIN {label}-----\n"));
        mixed.push_str(&"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkw\n".repeat(4000));
    }
    mixed.push_str(&"PuTTY-User-Key-File-3: ssh-ed25519\nPrivate-Lines: 99\n".repeat(20000));
    scan_alone("mixed.txt", &mixed, Duration::from_secs(60));
}

#[test]
fn a_block_that_ends_after_the_next_begin_is_not_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let body = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n";
    let text = format!(
        "-----BEGIN RSA PRIVATE KEY-----\nnot a key\n-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----\n"
    );
    std::fs::write(dir.path().join("k.pem"), &text).unwrap();
    let run = keyledger(
        &["check", ".", "--no-inventory", "--format", "json"],
        dir.path(),
    );
    let doc = run.json();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(
        findings[0]["line"], 4,
        "the key starts after the second BEGIN"
    );
    assert!(
        !run.stdout.contains("MIIEowIBAAKCAQEAu1SU1"),
        "the key is printed"
    );
}
