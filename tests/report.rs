//! `keyledger report` end to end: every format on the demo repository and on
//! the two-repository fixture, the HTML page checked well-formed and
//! self-contained, exit codes, `--owner`, quarters and bad input.

mod common;
use common::*;

use std::path::Path;

const Q4: &str = "2026-Q4";
const MULTI: [&str; 2] = [
    "payments/secrets-inventory.yaml",
    "identity/secrets-inventory.yaml",
];

fn demo() -> std::path::PathBuf {
    root().join("fixtures/demo")
}

fn multi_dir() -> std::path::PathBuf {
    root().join("fixtures/report")
}

fn report(args: &[&str], cwd: &Path) -> Run {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    keyledger(&all, cwd)
}

fn multi(extra: &[&str]) -> Run {
    let mut args: Vec<&str> = MULTI.to_vec();
    args.extend_from_slice(extra);
    report(&args, &multi_dir())
}

fn names(doc: &serde_json::Value) -> Vec<String> {
    doc["secrets"]
        .as_array()
        .expect("secrets array")
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------- snapshots

#[test]
fn demo_quarter_every_format() {
    for format in ["markdown", "html", "csv", "json"] {
        let run = report(&["--quarter", Q4, "--format", format], &demo());
        assert_eq!(run.code, 0, "{}", run.transcript());
        assert_eq!(run.stderr, "");
        insta::assert_snapshot!(format!("report-demo-q4-{format}"), run.transcript());
    }
}

#[test]
fn demo_as_of_markdown_and_json() {
    for format in ["markdown", "json"] {
        let run = report(&["--as-of", AS_OF, "--format", format], &demo());
        assert_eq!(run.code, 0, "{}", run.transcript());
        insta::assert_snapshot!(format!("report-demo-as-of-{format}"), run.transcript());
    }
}

#[test]
fn two_repositories_every_format() {
    for format in ["markdown", "html", "csv", "json"] {
        let run = multi(&["--quarter", Q4, "--format", format]);
        assert_eq!(run.code, 0, "{}", run.transcript());
        insta::assert_snapshot!(format!("report-multi-q4-{format}"), run.transcript());
    }
}

// ------------------------------------------------------------- what is listed

#[test]
fn demo_quarter_matches_expected_md() {
    // fixtures/demo/EXPECTED.md, "report --quarter 2026-Q4".
    let doc = report(&["--quarter", Q4, "--format", "json"], &demo()).json();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["as_of"], "2026-12-31");
    assert_eq!(doc["period"]["start"], "2026-10-01");
    assert_eq!(doc["period"]["end"], "2026-12-31");
    assert_eq!(doc["period"]["quarter"], "2026-Q4");
    let by_name = |n: &str| {
        doc["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == n)
            .unwrap_or_else(|| panic!("{n} not listed"))
            .clone()
    };
    for (name, owner, in_period) in [
        ("STRIPE_SECRET_KEY", "billing-team", true),
        ("DATABASE_URL", "platform-team", true),
        ("SENDGRID_API_KEY", "notifications-team", false),
        ("LEGACY_PARTNER_KEY", "integrations@bytelyst.io", false),
    ] {
        let s = by_name(name);
        assert_eq!(s["owner"], owner, "{s}");
        assert_eq!(s["in_period"], in_period, "{s}");
        assert_eq!(s["status"], "overdue", "{s}");
    }
    assert_eq!(by_name("STRIPE_SECRET_KEY")["due"], "2026-10-20");
    assert_eq!(by_name("DATABASE_URL")["due"], "2026-12-02");
    assert_eq!(by_name("LEGACY_PARTNER_KEY")["waived"], true);
    assert_eq!(
        by_name("LEGACY_PARTNER_KEY")["waiver"]["expires"],
        "2027-01-31"
    );
    assert_eq!(by_name("OPENAI_API_KEY")["status"], "never-rotated");
    assert_eq!(doc["summary"]["due_in_period"], 2);
    assert_eq!(doc["summary"]["carried_over"], 2);
    assert_eq!(doc["summary"]["waived"], 1);
    assert_eq!(doc["summary"]["blocking"], 3);
    assert_eq!(doc["summary"]["not_listed"]["on_compromise"], 1);
    // "No waiver expires in Q4."
    assert_eq!(doc["waivers_expiring"], serde_json::json!([]));
    // Critical overdue first.
    assert_eq!(names(&doc)[0], "STRIPE_SECRET_KEY");
}

#[test]
fn demo_as_of_agrees_with_check() {
    // The same answer as `keyledger check --as-of 2026-11-23` (EXPECTED.md):
    // the due_soon window of keyledger.toml (30 days) is the period.
    let doc = report(&["--as-of", AS_OF, "--format", "json"], &demo()).json();
    assert_eq!(doc["period"]["start"], AS_OF);
    assert_eq!(doc["period"]["end"], "2026-12-23");
    assert_eq!(doc["period"]["quarter"], serde_json::Value::Null);
    let rows: Vec<(String, String, Option<i64>, Option<i64>)> = doc["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["status"].as_str().unwrap().to_string(),
                s["days_overdue"].as_i64(),
                s["days_left"].as_i64(),
            )
        })
        .collect();
    let row =
        |n: &str, st: &str, o: Option<i64>, l: Option<i64>| (n.to_string(), st.to_string(), o, l);
    assert_eq!(
        rows,
        vec![
            row("STRIPE_SECRET_KEY", "overdue", Some(34), None),
            row("SENDGRID_API_KEY", "overdue", Some(56), None),
            row("LEGACY_PARTNER_KEY", "overdue", Some(164), None),
            row("OPENAI_API_KEY", "never-rotated", None, None),
            row("DATABASE_URL", "due", None, Some(9)),
        ]
    );
}

#[test]
fn two_repositories_merge_with_a_repository_column() {
    let doc = multi(&["--quarter", Q4, "--format", "json"]).json();
    let inventories: Vec<(&str, &str, u64)> = doc["inventories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["repository"].as_str().unwrap(),
                i["path"].as_str().unwrap(),
                i["secrets"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        inventories,
        [
            ("payments", "payments/secrets-inventory.yaml", 8),
            ("identity", "identity/secrets-inventory.yaml", 6),
        ]
    );
    assert_eq!(
        names(&doc),
        [
            "CARD_VAULT_KEY",
            "OIDC_SIGNING_KEY",
            "CARD_VAULT_HMAC",
            "SESSION_COOKIE_SECRET",
            "ADYEN_API_KEY",
            "LDAP_BIND_PASSWORD",
            "FRAUD_MODEL_TOKEN",
            "SCIM_BEARER_TOKEN",
            "RECON_SFTP_KEY",
            "LEDGER_DB_PASSWORD",
            "SMTP_RELAY_PASSWORD",
        ]
    );
    let s = &doc["summary"];
    assert_eq!(s["secrets"], 14);
    assert_eq!(s["overdue"], 9);
    assert_eq!(s["blocking"], 7);
    assert_eq!(s["waived"], 2);
    assert_eq!(s["never_rotated"], 2);
    assert_eq!(s["due_in_period"], 6);
    assert_eq!(s["carried_over"], 3);
    assert_eq!(s["by_blast_radius"]["critical"]["overdue"], 4);
    // Every secret is listed or counted as not listed.
    let nl = &s["not_listed"];
    let counted = s["listed"].as_u64().unwrap()
        + nl["on_compromise"].as_u64().unwrap()
        + nl["no_cadence"].as_u64().unwrap()
        + nl["last_rotated_in_future"].as_u64().unwrap()
        + nl["later"].as_u64().unwrap();
    assert_eq!(counted, 14);
    // A waiver that expired inside the quarter no longer waives, and says so.
    let adyen = &doc["secrets"][4];
    assert_eq!(adyen["waived"], false);
    assert_eq!(adyen["waiver"]["active"], false);
    let expiring: Vec<(&str, &str)> = doc["waivers_expiring"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["repository"].as_str().unwrap(),
                w["secret"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        expiring,
        [
            ("payments", "ADYEN_API_KEY"),
            ("identity", "SMTP_RELAY_PASSWORD")
        ]
    );
}

#[test]
fn directories_and_files_give_the_same_report() {
    let files = multi(&["--quarter", Q4, "--format", "json"]);
    let dirs = report(
        &["payments", "identity", "--quarter", Q4, "--format", "json"],
        &multi_dir(),
    );
    assert_eq!(files.stdout, dirs.stdout);
    // The same inventory twice is reported once.
    let twice = report(
        &[
            MULTI[0],
            "payments",
            MULTI[1],
            "--quarter",
            Q4,
            "--format",
            "json",
        ],
        &multi_dir(),
    );
    assert_eq!(files.stdout, twice.stdout);
}

#[test]
fn default_is_the_repository_in_the_current_directory() {
    let here = report(&["--quarter", Q4, "--format", "json"], &demo());
    let rooted = report(
        &[
            "--root",
            "fixtures/demo",
            "--quarter",
            Q4,
            "--format",
            "json",
        ],
        &root(),
    );
    assert_eq!(here.code, 0, "{}", here.transcript());
    assert_eq!(rooted.code, 0, "{}", rooted.transcript());
    let (a, b) = (here.json(), rooted.json());
    assert_eq!(a["inventories"][0]["repository"], "demo");
    assert_eq!(b["inventories"][0]["repository"], "demo");
    assert_eq!(a["inventories"][0]["path"], "secrets-inventory.yaml");
    assert_eq!(
        b["inventories"][0]["path"],
        "fixtures/demo/secrets-inventory.yaml"
    );
    assert_eq!(a["secrets"].as_array().unwrap().len(), 5);
    assert_eq!(names(&a), names(&b));
}

#[test]
fn the_root_is_a_positional_argument_and_root_an_alias() {
    let positional = report(
        &["fixtures/demo", "--quarter", Q4, "--format", "json"],
        &root(),
    );
    let flag = report(
        &[
            "--root",
            "fixtures/demo",
            "--quarter",
            Q4,
            "--format",
            "json",
        ],
        &root(),
    );
    assert_eq!(positional.code, 0, "{}", positional.transcript());
    assert_eq!(positional.stdout, flag.stdout);
    // The due_soon window comes from the repository given (30 days here).
    let doc = report(
        &["fixtures/demo", "--as-of", AS_OF, "--format", "json"],
        &root(),
    )
    .json();
    assert_eq!(doc["period"]["end"], "2026-12-23");
}

#[test]
fn the_last_day_of_the_calendar_works_as_in_check() {
    // `check --as-of 9999-12-31` works; the report's window used to
    // overflow past the calendar's end (exit 2).
    let check = keyledger(
        &[
            "check",
            ".",
            "--no-scan",
            "--as-of",
            "9999-12-31",
            "--format",
            "json",
        ],
        &demo(),
    );
    assert_ne!(check.code, 2, "{}", check.transcript());
    for format in ["markdown", "html", "csv", "json"] {
        let run = report(&["--as-of", "9999-12-31", "--format", format], &demo());
        assert_eq!(run.code, 0, "{format}: {}", run.transcript());
    }
    let doc = report(&["--as-of", "9999-12-31", "--format", "json"], &demo()).json();
    assert_eq!(doc["period"]["start"], "9999-12-31");
    assert_eq!(doc["period"]["end"], "9999-12-31");
    // Everything with a cadence and a date is overdue by then.
    assert_eq!(
        doc["summary"]["overdue"],
        check.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "rotation-overdue")
            .count()
    );
    let q = report(&["--quarter", "9999-Q4", "--format", "json"], &demo());
    assert_eq!(q.code, 0, "{}", q.transcript());
}

#[test]
fn repositories_with_the_same_name_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    for team in ["a", "b"] {
        let repo = dir.path().join(team).join("api");
        std::fs::create_dir_all(&repo).unwrap();
        std::fs::write(
            repo.join("secrets-inventory.yaml"),
            format!(
                "version: 1\nsecrets:\n  - name: TOKEN\n    owner: {team}\n    cadence: 30d\n    last_rotated: 2026-01-01\n"
            ),
        )
        .unwrap();
    }
    let run = report(
        &["a/api", "b/api", "--as-of", AS_OF, "--format", "csv"],
        dir.path(),
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let repos: Vec<&str> = run
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(repos, ["a/api", "b/api"]);
}

// ---------------------------------------------------------------- exit codes

#[test]
fn fail_on_overdue() {
    let plain = report(&["--as-of", AS_OF], &demo());
    assert_eq!(plain.code, 0, "{}", plain.transcript());
    let gated = report(&["--as-of", AS_OF, "--fail-on", "overdue"], &demo());
    assert_eq!(gated.code, 1, "{}", gated.transcript());
    // The report is printed either way.
    assert_eq!(plain.stdout, gated.stdout);
    // Only a waived overdue secret: nothing blocks.
    let waived = report(
        &[
            "--as-of",
            AS_OF,
            "--owner",
            "integrations@bytelyst.io",
            "--fail-on",
            "overdue",
        ],
        &demo(),
    );
    assert_eq!(waived.code, 0, "{}", waived.transcript());
    assert!(waived.stdout.contains("waived until 2027-01-31"));
    // Once the waiver has expired it blocks.
    let expired = report(
        &[
            "--as-of",
            "2027-02-01",
            "--owner",
            "integrations@bytelyst.io",
            "--fail-on",
            "overdue",
        ],
        &demo(),
    );
    assert_eq!(expired.code, 1, "{}", expired.transcript());
    // Due soon and never rotated do not count as overdue.
    let platform = report(
        &[
            "--as-of",
            AS_OF,
            "--owner",
            "platform-team",
            "--fail-on",
            "overdue",
            "--format",
            "json",
        ],
        &demo(),
    );
    assert_eq!(platform.code, 0, "{}", platform.transcript());
    assert_eq!(names(&platform.json()), ["OPENAI_API_KEY", "DATABASE_URL"]);
    let multi_gated = multi(&["--quarter", Q4, "--fail-on", "overdue"]);
    assert_eq!(multi_gated.code, 1);
}

// ------------------------------------------------------------------ --owner

#[test]
fn owner_filter() {
    let run = report(
        &[
            "--as-of",
            AS_OF,
            "--owner",
            "BILLING-team",
            "--format",
            "json",
        ],
        &demo(),
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let doc = run.json();
    assert_eq!(names(&doc), ["STRIPE_SECRET_KEY"]);
    assert_eq!(doc["owners"], serde_json::json!(["BILLING-team"]));
    assert_eq!(doc["summary"]["secrets"], 2); // STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET

    let two = multi(&[
        "--quarter",
        Q4,
        "--owner",
        "platform-team",
        "--owner",
        "risk-team",
        "--format",
        "json",
    ])
    .json();
    assert_eq!(
        names(&two),
        [
            "FRAUD_MODEL_TOKEN",
            "SCIM_BEARER_TOKEN",
            "SMTP_RELAY_PASSWORD"
        ]
    );
    // Waivers expiring are those of the owner's secrets.
    assert_eq!(two["waivers_expiring"].as_array().unwrap().len(), 1);
    assert_eq!(two["waivers_expiring"][0]["secret"], "SMTP_RELAY_PASSWORD");

    // A typo is an error, not an empty (green) report.
    let typo = report(&["--as-of", AS_OF, "--owner", "billing-teem"], &demo());
    assert_eq!(typo.code, 2, "{}", typo.transcript());
    assert_eq!(typo.stdout, "");
    assert!(
        typo.stderr.contains("no secret is owned by `billing-teem`")
            && typo.stderr.contains("did you mean `billing-team`?"),
        "{}",
        typo.stderr
    );
}

// ----------------------------------------------------------------- quarters

#[test]
fn quarter_parsing() {
    for (q, start, end) in [
        ("2026-Q4", "2026-10-01", "2026-12-31"),
        ("2026-Q1", "2026-01-01", "2026-03-31"),
        ("2024-q1", "2024-01-01", "2024-03-31"),
        ("2026-Q2", "2026-04-01", "2026-06-30"),
    ] {
        let doc = report(&["--quarter", q, "--format", "json"], &demo()).json();
        assert_eq!(doc["period"]["start"], start, "{q}");
        assert_eq!(doc["period"]["end"], end, "{q}");
        assert_eq!(doc["as_of"], end, "{q}");
    }
    // --as-of moves the as-of date inside the quarter (a planning run).
    let doc = report(
        &["--quarter", Q4, "--as-of", AS_OF, "--format", "json"],
        &demo(),
    )
    .json();
    assert_eq!(doc["as_of"], AS_OF);
    assert_eq!(doc["period"]["start"], "2026-10-01");
    assert_eq!(doc["summary"]["overdue"], 3);
    assert_eq!(doc["summary"]["due"], 1); // DATABASE_URL, 2026-12-02
    for bad in ["2026-Q5", "2026-Q0", "Q4-2026", "2026-4", "26-Q4"] {
        let run = report(&["--quarter", bad], &demo());
        assert_eq!(run.code, 2, "{bad}: {}", run.transcript());
        assert_eq!(run.stdout, "");
        assert!(
            run.stderr
                .contains(&format!("--quarter: invalid quarter `{bad}`")),
            "{}",
            run.stderr
        );
    }
    let run = report(&["--quarter", "2026-Q5"], &demo());
    insta::assert_snapshot!("report-bad-quarter", run.transcript());
    let run = report(&["--as-of", "2026-02-30"], &demo());
    assert_eq!(run.code, 2);
}

// ---------------------------------------------------------------- bad input

#[test]
fn bad_inventories_are_located_and_all_reported() {
    let run = report(
        &[
            "fixtures/bad/unknown-field/secrets-inventory.yaml",
            "fixtures/bad/invalid-date/secrets-inventory.yaml",
            "fixtures/demo/secrets-inventory.yaml",
        ],
        &root(),
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert_eq!(run.stdout, "");
    for loc in [
        "fixtures/bad/unknown-field/secrets-inventory.yaml:4:5",
        "fixtures/bad/invalid-date/secrets-inventory.yaml:4:19",
    ] {
        assert!(run.stderr.contains(loc), "{loc} missing:\n{}", run.stderr);
    }
    let missing = report(&["no/such/secrets-inventory.yaml"], &root());
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("cannot read no/such/secrets-inventory.yaml: not found")
    );
    let not_dir = report(&["--root", "no-such-dir"], &root());
    assert_eq!(not_dir.code, 2);
}

// --------------------------------------------------------------------- CSV

/// A small RFC 4180 reader: records of fields, CRLF line ends.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' => {
                assert!(field.is_empty(), "quote inside an unquoted field");
                quoted = true;
            }
            ',' => record.push(std::mem::take(&mut field)),
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            '\n' => panic!("bare LF line end"),
            c => field.push(c),
        }
    }
    assert!(!quoted, "unterminated quoted field");
    assert!(field.is_empty() && record.is_empty(), "no final CRLF");
    records
}

#[test]
fn csv_is_rfc_4180() {
    let run = multi(&["--quarter", Q4, "--format", "csv"]);
    let records = parse_csv(&run.stdout);
    let header = &records[0];
    assert_eq!(header[0], "repository");
    assert_eq!(records.len(), 12, "header + 11 secrets");
    for r in &records {
        assert_eq!(r.len(), header.len(), "{r:?}");
    }
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let adyen = records
        .iter()
        .find(|r| r[col("secret")] == "ADYEN_API_KEY")
        .unwrap();
    assert_eq!(
        adyen[col("waiver_reason")],
        "Adyen <\"live\"> & test key swap pending, see PAY-1412 | owner's call"
    );
    let recon = records
        .iter()
        .find(|r| r[col("secret")] == "RECON_SFTP_KEY")
        .unwrap();
    // A reason starting with `=` is not run as a formula by spreadsheets.
    assert!(recon[col("waiver_reason")].starts_with("'="));
    assert_eq!(recon[col("waived")], "true");
    assert_eq!(recon[col("days_overdue")], "152");
}

// -------------------------------------------------------------------- HTML

const VOID: [&str; 7] = ["meta", "br", "wbr", "col", "img", "hr", "input"];

/// Checks the HTML the report emits: a doctype, every element closed in
/// order (void elements and `/>` aside), attributes quoted, no stray `<`
/// or `>` in text, `&` only in entities, `<style>` without markup.
fn check_html(html: &str) -> Result<(), String> {
    let rest = html
        .strip_prefix("<!DOCTYPE html>\n")
        .ok_or("no <!DOCTYPE html>")?;
    let mut stack: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let b = rest.as_bytes();
    let mut i = 0;
    let line = |i: usize| rest[..i].matches('\n').count() + 2;
    while i < b.len() {
        match b[i] {
            b'<' => {
                let end = i + rest[i..]
                    .find('>')
                    .ok_or(format!("unclosed tag, line {}", line(i)))?;
                let tag = &rest[i + 1..end];
                if let Some(name) = tag.strip_prefix('/') {
                    let open = stack
                        .pop()
                        .ok_or(format!("</{name}> closes nothing, line {}", line(i)))?;
                    if open != name {
                        return Err(format!("</{name}> closes <{open}>, line {}", line(i)));
                    }
                } else {
                    let name: String = tag
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric())
                        .collect();
                    if name.is_empty() {
                        return Err(format!("bad tag <{tag}>, line {}", line(i)));
                    }
                    // Attributes: name="value", value without < or ".
                    let mut attrs = tag[name.len()..].trim_end_matches('/').trim();
                    while !attrs.is_empty() {
                        let eq = attrs
                            .find("=\"")
                            .ok_or(format!("unquoted attribute in <{tag}>"))?;
                        let aname = &attrs[..eq];
                        if aname.is_empty()
                            || !aname.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                        {
                            return Err(format!("bad attribute name `{aname}` in <{tag}>"));
                        }
                        let after = &attrs[eq + 2..];
                        let close = after
                            .find('"')
                            .ok_or(format!("unterminated attribute in <{tag}>"))?;
                        if after[..close].contains('<') {
                            return Err(format!("`<` in an attribute of <{tag}>"));
                        }
                        attrs = after[close + 1..].trim_start();
                    }
                    seen.push(name.clone());
                    if name == "style" {
                        let close = rest[end..].find("</style>").ok_or("unclosed <style>")?;
                        if rest[end + 1..end + close].contains('<') {
                            return Err("markup inside <style>".into());
                        }
                        i = end + close + "</style>".len();
                        continue;
                    }
                    if !tag.ends_with('/') && !VOID.contains(&name.as_str()) {
                        stack.push(name);
                    }
                }
                i = end + 1;
            }
            b'>' => return Err(format!("stray `>` in text, line {}", line(i))),
            b'&' => {
                let ent: String = rest[i + 1..]
                    .chars()
                    .take_while(|c| *c != ';' && *c != ' ' && *c != '<')
                    .collect();
                let ok = rest[i + 1 + ent.len()..].starts_with(';')
                    && (ent.chars().all(|c| c.is_ascii_alphabetic())
                        || ent
                            .strip_prefix('#')
                            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit())));
                if !ok || ent.is_empty() {
                    return Err(format!("bare `&` in text, line {}", line(i)));
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed elements: {stack:?}"));
    }
    for once in ["html", "head", "body", "title", "style", "main"] {
        let n = seen.iter().filter(|s| *s == once).count();
        // The SVG's own <title> is allowed besides the page's.
        if n == 0 || (n > 1 && once != "title") {
            return Err(format!("<{once}> appears {n} times"));
        }
    }
    Ok(())
}

fn assert_self_contained(html: &str) {
    for banned in [
        "http://", "https://", "src=", "<link", "<script", "@import", "url(", "<iframe", "<object",
        "<embed", "<img",
    ] {
        assert!(!html.contains(banned), "the page contains `{banned}`");
    }
    assert!(html.contains("<style>"), "inline CSS");
    assert!(
        html.contains("<svg class=\"timeline\""),
        "inline SVG timeline"
    );
    assert!(html.contains("@media print"), "print styles");
}

#[test]
fn html_is_well_formed_and_self_contained() {
    for (run, inventories) in [
        (
            report(&["--quarter", Q4, "--format", "html"], &demo()),
            vec![demo().join("secrets-inventory.yaml")],
        ),
        (
            report(&["--as-of", AS_OF, "--format", "html"], &demo()),
            vec![demo().join("secrets-inventory.yaml")],
        ),
        (
            multi(&["--quarter", Q4, "--format", "html"]),
            MULTI.iter().map(|m| multi_dir().join(m)).collect(),
        ),
    ] {
        assert_eq!(run.code, 0, "{}", run.stderr);
        let html = &run.stdout;
        if let Err(e) = check_html(html) {
            panic!("invalid HTML: {e}");
        }
        assert_self_contained(html);
        // Every secret of the fixture appears: in the owner tables (and the
        // chart) when listed, in "Not due in the period" otherwise.
        for inv in inventories {
            let text = std::fs::read_to_string(&inv).unwrap();
            let names: Vec<&str> = text
                .lines()
                .filter_map(|l| l.trim().strip_prefix("- name: "))
                .collect();
            assert!(names.len() >= 6, "{}", inv.display());
            for name in names {
                let cell = format!("<code class=\"name\">{name}</code>");
                assert_eq!(
                    html.matches(&cell).count(),
                    1,
                    "{name} appears once in the tables"
                );
            }
        }
    }
}

#[test]
fn html_lists_every_reported_secret_and_escapes_text() {
    let json = multi(&["--quarter", Q4, "--format", "json"]).json();
    let html = multi(&["--quarter", Q4, "--format", "html"]).stdout;
    let listed = names(&json);
    assert_eq!(listed.len(), 11);
    for name in &listed {
        assert!(
            html.contains(&format!("<code class=\"name\">{name}</code>")),
            "{name} missing from the tables"
        );
        assert!(
            html.contains(&format!("{name}</text>")),
            "{name} missing from the chart"
        );
    }
    for owner in [
        "payments-team",
        "identity-team",
        "platform-team",
        "risk-team",
        "finance-ops@example.com",
        "(no owner)",
    ] {
        assert!(html.contains(&format!("<h3>{owner} ")), "owner {owner}");
    }
    // The waiver reason holds < " > & |: escaped, never raw.
    assert!(html.contains("Adyen &lt;&quot;live&quot;&gt; &amp; test key swap pending"));
    assert!(!html.contains("<\"live\">"));
    // The same in Markdown: escaped so it cannot open a tag or a cell.
    let md = multi(&["--quarter", Q4]).stdout;
    assert!(
        md.contains(r#"Adyen \<"live"\> \& test key swap pending, see PAY-1412 \| owner's call"#)
    );
}

#[test]
fn html_checker_rejects_broken_pages() {
    let ok = "<!DOCTYPE html>\n<html><head><title>t</title><style>p{}</style></head><body><main><p>a &amp; b<br></p></main></body></html>";
    assert_eq!(check_html(ok), Ok(()));
    for bad in [
        "<html><head><title>t</title><style></style></head><body><main></main></body></html>",
        "<!DOCTYPE html>\n<html><head><title>t</title><style></style></head><body><main><p></main></body></html>",
        "<!DOCTYPE html>\n<html><head><title>t</title><style></style></head><body><main>a < b</main></body></html>",
        "<!DOCTYPE html>\n<html><head><title>t</title><style></style></head><body><main>a & b</main></body></html>",
        "<!DOCTYPE html>\n<html><head><title>t</title><style></style></head><body><main class=x></main></body></html>",
        "<!DOCTYPE html>\n<html><head><title>t</title><style></style></head><body><main>x</main></body>",
    ] {
        assert!(check_html(bad).is_err(), "accepted: {bad}");
    }
}

// ------------------------------------------------- check outputs, merged

/// `keyledger check --format json` of `dir`, written to `out`.
fn check_json(dir: &Path, extra: &[&str], out: &Path) {
    let mut args = vec!["check", ".", "--as-of", AS_OF, "--format", "json"];
    args.extend_from_slice(extra);
    let run = keyledger(&args, dir);
    assert_ne!(run.code, 2, "{}", run.transcript());
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    std::fs::write(out, &run.stdout).unwrap();
}

#[test]
fn a_check_output_reports_as_its_inventory_does() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo.json");
    check_json(&demo(), &[], &out);
    for format in ["json", "csv"] {
        let from_inventory = report(&["--quarter", Q4, "--format", format], &demo());
        let from_output = report(
            &[out.to_str().unwrap(), "--quarter", Q4, "--format", format],
            &demo(),
        );
        assert_eq!(from_output.code, 0, "{}", from_output.transcript());
        if format == "csv" {
            assert_eq!(from_output.stdout, from_inventory.stdout);
        } else {
            let (mut a, b) = (from_output.json(), from_inventory.json());
            // The check run's own counts come on top.
            let checks = a.as_object_mut().unwrap().remove("checks").unwrap();
            assert_eq!(a, b);
            assert_eq!(checks[0]["repository"], "demo");
            assert_eq!(checks[0]["as_of"], AS_OF);
            assert_eq!(checks[0]["blocking"], 11);
            assert!(b.get("checks").is_none(), "no checks key without outputs");
        }
    }
}

#[test]
fn folders_of_check_outputs_merge_with_a_repository_column() {
    let dir = tempfile::tempdir().unwrap();
    let art = dir.path().join("artifacts");
    // As a CI matrix leaves them: one folder per repository.
    check_json(
        &demo(),
        &["--repository", "acme/demo"],
        &art.join("demo/keyledger.json"),
    );
    check_json(
        &multi_dir().join("payments"),
        &["--repository", "acme/payments", "--no-scan"],
        &art.join("payments/keyledger.json"),
    );
    // A repository without an inventory: content only.
    let plain = dir.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    std::fs::write(plain.join("app.js"), "console.log('hi')\n").unwrap();
    check_json(
        &plain,
        &["--no-inventory", "--repository", "acme/plain"],
        &art.join("plain/keyledger.json"),
    );
    // Not an output: ignored by extension.
    std::fs::write(art.join("demo/keyledger.sarif"), "{}").unwrap();

    let run = report(
        &["artifacts", "--quarter", Q4, "--format", "json"],
        dir.path(),
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let doc = run.json();
    let repos: Vec<(&str, &serde_json::Value)> = doc["inventories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["repository"].as_str().unwrap(), &i["path"]))
        .collect();
    assert_eq!(
        repos,
        [
            ("acme/demo", &serde_json::json!("secrets-inventory.yaml")),
            (
                "acme/payments",
                &serde_json::json!("secrets-inventory.yaml")
            ),
            ("acme/plain", &serde_json::Value::Null),
        ]
    );
    let checks: Vec<&str> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["repository"].as_str().unwrap())
        .collect();
    // Most blocking first.
    assert_eq!(checks[0], "acme/demo");
    assert_eq!(checks.len(), 3);
    let csv = report(
        &["artifacts", "--quarter", Q4, "--format", "csv"],
        dir.path(),
    );
    assert!(
        csv.stdout
            .contains("\r\nacme/payments,secrets-inventory.yaml,")
    );
    let md = report(&["artifacts", "--quarter", Q4], dir.path());
    assert!(
        md.stdout.contains("## Check results by repository"),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout.contains("acme/plain (no inventory, 0 secrets)"),
        "{}",
        md.stdout
    );
    let html = report(
        &["artifacts", "--quarter", Q4, "--format", "html"],
        dir.path(),
    );
    assert!(html.stdout.contains("<h2>Check results by repository</h2>"));
    // Files and inventories mix.
    let mixed = report(
        &[
            "artifacts/demo/keyledger.json",
            "identity/secrets-inventory.yaml",
            "--quarter",
            Q4,
            "--format",
            "json",
        ],
        &multi_dir(),
    );
    // (paths relative to fixtures/report do not exist there)
    assert_eq!(mixed.code, 2);
    let mixed = report(
        &[
            art.join("demo/keyledger.json").to_str().unwrap(),
            multi_dir().join("identity").to_str().unwrap(),
            "--quarter",
            Q4,
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert_eq!(mixed.code, 0, "{}", mixed.transcript());
    assert_eq!(mixed.json()["inventories"].as_array().unwrap().len(), 2);
}

#[test]
fn bad_check_outputs_are_named_and_a_repository_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    check_json(&demo(), &[], &d.join("a/keyledger.json"));
    check_json(&demo(), &[], &d.join("b/keyledger.json"));
    let twice = report(&["a", "b"], d);
    assert_eq!(twice.code, 2, "{}", twice.transcript());
    assert!(
        twice.stderr.contains("repository `demo` is given twice"),
        "{}",
        twice.stderr
    );
    std::fs::write(d.join("broken.json"), "{\"version\": 1, \"findings\": [}").unwrap();
    std::fs::write(d.join("other.json"), "{\"name\": \"not keyledger\"}").unwrap();
    let run = report(&["broken.json", "other.json", "a"], d);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .contains("broken.json: not a `keyledger check --format json` output"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("line 1, column 29"), "{}", run.stderr);
    assert!(run.stderr.contains("other.json"), "{}", run.stderr);
    // An output written before outputs recorded the repository: the name
    // of the folder holding it.
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("a/keyledger.json")).unwrap())
            .unwrap();
    doc["summary"].as_object_mut().unwrap().remove("repository");
    std::fs::create_dir(d.join("legacy")).unwrap();
    std::fs::write(d.join("legacy/out.json"), doc.to_string()).unwrap();
    let run = report(&["legacy", "--format", "json", "--quarter", Q4], d);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(run.json()["inventories"][0]["repository"], "legacy");
    // An empty folder is neither a repository nor a folder of outputs.
    std::fs::create_dir(d.join("empty")).unwrap();
    let run = report(&["empty"], d);
    assert_eq!(run.code, 2, "{}", run.transcript());
}

#[test]
fn html_phrases_the_model_itself_not_stripped_markdown() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("secrets-inventory.yaml"),
        "version: 1\ndefaults: {owner: t, cadence: 30d}\nsecrets:\n  - {name: FUTURE_KEY, last_rotated: 2027-06-01}\n  - {name: OC_KEY, cadence: on-compromise}\n",
    )
    .unwrap();
    let html = report(&["--as-of", AS_OF, "--format", "html"], dir.path());
    assert_eq!(html.code, 0, "{}", html.transcript());
    let footer = html
        .stdout
        .lines()
        .find(|l| l.starts_with("<footer>"))
        .unwrap()
        .to_string();
    assert!(
        footer.contains(
            "1 secret with <code>last_rotated</code> after 2026-11-23 (run <code>keyledger check</code>)"
        ),
        "{footer}"
    );
    assert!(
        footer.contains("1 secret rotated only on compromise"),
        "{footer}"
    );
    assert!(!footer.contains('`'), "{footer}");
    let md = report(&["--as-of", AS_OF], dir.path());
    assert!(
        md.stdout
            .contains("1 secret with `last_rotated` after 2026-11-23 (run `keyledger check`)"),
        "{}",
        md.stdout
    );
}

/// Every string a report shows comes from a repository: a token planted
/// in an owner, a store ref, a runbook or a waiver reason is masked in
/// every format, read from an inventory or from a check output.
#[test]
fn a_value_planted_in_inventory_text_is_masked_in_every_report() {
    let token = "ghp_9fQ2LmX7vB4nR8kT1wZ6yC3hJ5dA0sE2uKpM";
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("secrets-inventory.yaml"),
        format!(
            "version: 1\nsecrets:\n  - name: API_KEY\n    owner: \"team {token}\"\n    store: {{kind: hashicorp-vault, ref: \"kv/{token}\"}}\n    cadence: 90d\n    last_rotated: 2026-01-01\n    runbook: \"docs/{token}.md\"\nwaivers:\n  - rule: rotation-overdue\n    secret: API_KEY\n    reason: \"see {token}\"\n    expires: 2027-01-01\n"
        ),
    )
    .unwrap();
    let check = keyledger(
        &[
            "check",
            ".",
            "--no-scan",
            "--format",
            "json",
            "--as-of",
            "2026-11-23",
        ],
        p,
    );
    assert!(check.code == 0 || check.code == 1, "{}", check.transcript());
    assert!(
        !check.stdout.contains(&token[4..]),
        "check json:\n{}",
        check.stdout
    );
    std::fs::write(p.join("check.json"), &check.stdout).unwrap();
    for input in ["secrets-inventory.yaml", "check.json"] {
        for format in ["markdown", "html", "csv", "json"] {
            let run = report(&[input, "--format", format, "--as-of", "2026-11-23"], p);
            assert!(
                run.code == 0 || run.code == 1,
                "{input} {format}: {}",
                run.transcript()
            );
            assert!(
                !run.stdout.contains(&token[4..]) && !run.stderr.contains(&token[4..]),
                "{input} {format}:\n{}",
                run.stdout
            );
            assert!(
                run.stdout.contains("ghp_"),
                "{input} {format}: the masked start is kept"
            );
        }
    }
}
