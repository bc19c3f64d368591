//! `pii-in-log` on the labelled corpus `fixtures/pii/`: every line marked
//! `expect: pii-in-log` is reported, and no other line is.

mod common;
use common::*;
use std::collections::BTreeSet;

#[test]
fn labelled_corpus_has_no_false_positive_and_no_miss() {
    let dir = root().join("fixtures/pii");
    let run = keyledger(&["check", ".", "--as-of", AS_OF, "--format", "json"], &dir);
    assert_ne!(run.code, 2, "{}", run.stderr);
    let doc = run.json();
    let found: BTreeSet<(String, u64)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "pii-in-log")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut expected = BTreeSet::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_file() || path.extension().is_some_and(|e| e == "md" || e == "yaml") {
            continue;
        }
        files += 1;
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        for (i, line) in std::fs::read_to_string(&path).unwrap().lines().enumerate() {
            if line.contains("expect: pii-in-log") {
                expected.insert((name.clone(), i as u64 + 1));
            }
        }
    }
    assert!(files >= 5 && expected.len() >= 12, "corpus too small");
    let missed: Vec<_> = expected.difference(&found).collect();
    let false_pos: Vec<_> = found.difference(&expected).collect();
    assert!(
        missed.is_empty() && false_pos.is_empty(),
        "missed {missed:?}\nfalse positives {false_pos:?}"
    );
}

#[test]
fn missing_pii_schema_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("secrets-inventory.yaml"),
        "version: 1\nsecrets: []\npii:\n  fields: [email]\n  from: [schemas/nope.json]\n",
    )
    .unwrap();
    let run = keyledger(&["check", "."], dir.path());
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("secrets-inventory.yaml:5:10"),
        "{}",
        run.stderr
    );
}
