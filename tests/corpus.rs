//! The labelled detection corpus (`fixtures/corpus`, written by
//! `scripts/bench-detect-gen-corpus.py`): recall and false alarms of the
//! detectors by family must stay above the floors below, so that a
//! regression fails CI. `scripts/bench-detect.py` prints the same figures.

mod common;
use common::*;

use std::collections::{BTreeMap, HashMap};

#[derive(Default, Debug)]
struct Tally {
    positives: usize,
    found: usize,
    exact: usize,
    negatives: usize,
    false_alarms: usize,
}

#[test]
fn labelled_corpus_meets_the_recall_and_false_alarm_floors() {
    let dir = root().join("fixtures/corpus");
    let labels = std::fs::read_to_string(dir.join("LABELS.tsv")).unwrap();
    let mut expected: HashMap<(String, u64), (String, String, String)> = HashMap::new();
    for line in labels
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 5, "bad label line: {line}");
        let key = (f[0].to_string(), f[1].parse().unwrap());
        let prev = expected.insert(key.clone(), (f[2].into(), f[3].into(), f[4].into()));
        assert!(prev.is_none(), "two labels for {key:?}");
    }
    let run = keyledger(&["check", ".", "--no-inventory", "--format", "json"], &dir);
    assert!(run.code == 0 || run.code == 1, "{}", run.transcript());
    let doc = run.json();
    let mut found: HashMap<(String, u64), Vec<String>> = HashMap::new();
    for f in doc["findings"].as_array().unwrap() {
        let rule = f["rule"].as_str().unwrap();
        if rule != "leaked-credential" && rule != "leaked-password-hash" {
            continue;
        }
        let key = (
            f["path"].as_str().unwrap().to_string(),
            f["line"].as_u64().unwrap(),
        );
        found
            .entry(key)
            .or_default()
            .push(f["severity"].as_str().unwrap().to_string());
    }
    let mut by_family: BTreeMap<String, Tally> = BTreeMap::new();
    let mut problems = Vec::new();
    for (key, (expect, family, what)) in &expected {
        let t = by_family.entry(family.clone()).or_default();
        let got = found.get(key);
        if expect == "none" {
            t.negatives += 1;
            if got.is_some() {
                t.false_alarms += 1;
                problems.push(format!("false alarm {}:{} ({what})", key.0, key.1));
            }
        } else {
            t.positives += 1;
            match got {
                Some(sev) => {
                    t.found += 1;
                    if sev.contains(expect) {
                        t.exact += 1;
                    }
                }
                None => problems.push(format!("miss {}:{} ({what})", key.0, key.1)),
            }
        }
    }
    let unlabelled: Vec<_> = found
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    let total = by_family.values().fold(Tally::default(), |a, t| Tally {
        positives: a.positives + t.positives,
        found: a.found + t.found,
        exact: a.exact + t.exact,
        negatives: a.negatives + t.negatives,
        false_alarms: a.false_alarms + t.false_alarms,
    });
    let report = format!(
        "{by_family:#?}\ntotal {total:?}\nunlabelled {unlabelled:?}\n{}",
        problems.join("\n")
    );
    // The corpus is large enough to measure: at least 600 of each.
    assert!(total.positives >= 600 && total.negatives >= 600, "{report}");
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    // Floors a little under today's figures (99.0% found, 99.0% at the
    // labelled severity, no false alarm).
    assert!(
        pct(total.found, total.positives) >= 97.5,
        "recall fell: {report}"
    );
    assert!(
        pct(total.exact, total.positives) >= 97.0,
        "severities drifted: {report}"
    );
    for (family, t) in &by_family {
        assert!(
            pct(t.found, t.positives) >= 95.0,
            "{family}: recall fell: {report}"
        );
        assert!(
            pct(t.false_alarms, t.negatives) <= 1.0,
            "{family}: false alarms: {report}"
        );
    }
    assert!(
        total.false_alarms + unlabelled.len() <= 2,
        "false alarms: {report}"
    );
}
