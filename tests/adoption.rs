//! First adoption (issue 15) on `fixtures/adoption/`: every noise class a
//! team meets on day one (dev URLs in `.env.example` and docker-compose,
//! CI test values, sed and grep arguments, command substitutions, test
//! setup files, docs, type annotations, a value declared public) is a note
//! or nothing, and every credential-shaped value beside them is an error.

mod common;
use common::*;
use std::collections::BTreeSet;

#[test]
fn noise_is_notes_and_credentials_are_errors() {
    let dir = root().join("fixtures/adoption");
    let run = keyledger(&["check", ".", "--as-of", AS_OF, "--format", "json"], &dir);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    let found: BTreeSet<(String, u64, String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "hardcoded-secret" || f["rule"] == "leaked-credential")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, u64, String, String)> =
        std::fs::read_to_string(dir.join("expected.tsv"))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let c: Vec<&str> = l.split('\t').collect();
                (
                    c[0].to_string(),
                    c[1].parse().unwrap(),
                    c[2].to_string(),
                    c[3].to_string(),
                )
            })
            .collect();
    assert_eq!(found, expected);
    // Blocking: only the credential-shaped values.
    let blocking: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error" && f["suppressed"].is_null())
        .collect();
    assert_eq!(blocking.len(), 4, "{blocking:#?}");
    // Every message says the value's shape, never more than 4 characters.
    for f in doc["findings"].as_array().unwrap() {
        let m = f["message"].as_str().unwrap();
        assert!(m.contains(" chars, "), "{m}");
    }
    for v in [
        "Zq81vLw3xN7bYc4uPa6sDe0hJm2Tk9FxR5",
        "sk_live_4eQv8TzW2nB6xK9mR3pL7yC1",
        "ghp_Hx4qTz9Lw2Vb7Nc1Pk6Rm3Sd8Fg5Jy0UaQw1",
        "Summer2024!Garden",
        "phc_Qm7Tz2Kx9Lp4Vw8Rb3Nc6Hd1Fs5Gj0Ya2Ue7Io",
    ] {
        assert!(!run.stdout.contains(&v[4..]), "{v} leaked");
    }
    // The human gate shows the four errors and hides the notes.
    let human = keyledger(&["check", ".", "--as-of", AS_OF], &dir);
    assert!(human.stdout.contains("notes not shown"), "{}", human.stdout);
    assert!(!human.stdout.contains("vitestSetup.ts"), "{}", human.stdout);
}
