//! Hostile repositories (issue 12): every input keyledger reads in CI is the
//! attacker's. Each case runs the real binary under a memory limit and a
//! deadline and asserts what must hold: no panic, no hang, bounded memory,
//! no secret and nothing from outside the repository in any output, the
//! right exit code.
//!
//! `KEYLEDGER_TEST_BIN=/path/to/keyledger cargo test --test hostile` runs the
//! same cases against another build (an older release, to see them fail).

use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const AS_OF: &str = "2026-11-23";
/// Address space for one run: far above what any case needs (mimalloc
/// reserves some), far below what the bombs took (6 GB).
const MEMORY: u64 = 2 << 30;

fn bin() -> PathBuf {
    std::env::var_os("KEYLEDGER_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_keyledger")))
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    raw: Vec<u8>,
    elapsed: Duration,
}

impl Out {
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
    fn transcript(&self) -> String {
        format!(
            "exit {:?} after {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code,
            self.elapsed,
            clip(&self.stdout),
            clip(&self.stderr)
        )
    }
}

fn clip(s: &str) -> String {
    if s.len() > 4000 {
        let mut end = 4000;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}… ({} bytes)", &s[..end], s.len())
    } else {
        s.to_string()
    }
}

/// Runs keyledger in `cwd` with a memory limit; kills it at `deadline`.
fn run_env(args: &[&str], cwd: &Path, deadline: Duration, env: &[(&str, &str)]) -> Out {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    // SAFETY: setrlimit is async-signal-safe; nothing else runs in the child.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: MEMORY,
                rlim_max: MEMORY,
            };
            libc::setrlimit(libc::RLIMIT_AS, &lim);
            Ok(())
        });
    }
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn keyledger");
    let mut so = child.stdout.take().expect("stdout");
    let mut se = child.stderr.take().expect("stderr");
    let t1 = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = so.read_to_end(&mut b);
        b
    });
    let t2 = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = se.read_to_end(&mut b);
        b
    });
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    let out = t1.join().unwrap_or_default();
    let err = t2.join().unwrap_or_default();
    let mut raw = out.clone();
    raw.extend_from_slice(&err);
    let o = Out {
        code,
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr: String::from_utf8_lossy(&err).into_owned(),
        raw,
        elapsed,
    };
    assert!(
        o.code.is_some(),
        "keyledger {args:?} did not finish within {deadline:?}"
    );
    assert!(
        !o.stderr.contains("panicked") && o.code != Some(101),
        "keyledger {args:?} panicked:\n{}",
        o.transcript()
    );
    assert!(
        !o.stderr.contains("memory allocation") && o.code != Some(134),
        "keyledger {args:?} ran out of memory:\n{}",
        o.transcript()
    );
    o
}

fn run(args: &[&str], cwd: &Path) -> Out {
    run_env(args, cwd, Duration::from_secs(60), &[])
}

fn write(root: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let p = root.join(rel);
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(p, text).unwrap();
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid C string; mkfifo only creates a node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

const INVENTORY: &str = "version: 1\ndefaults: {owner: t, store: {kind: hashicorp-vault, ref: kv/app}, cadence: 90d}\nsecrets:\n  - name: JWT_SECRET\n    last_rotated: 2026-11-01\n";

/// A GitHub token that detectors recognise, different per call site.
fn token(seed: u64) -> String {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let abc = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let body: String = (0..36)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            abc[(x % abc.len() as u64) as usize] as char
        })
        .collect();
    format!("ghp_{body}")
}

/// No more of the token than its redacted head (`ghp_`) may show.
fn assert_no_secret(out: &Out, secret: &str) {
    let tail = &secret[5..];
    assert!(
        !out.all().contains(tail),
        "the secret leaked:\n{}",
        out.transcript()
    );
}

/// No raw control character but newlines (and tabs) in any output.
fn assert_no_controls(out: &Out) {
    let bad: Vec<u8> = out
        .raw
        .iter()
        .copied()
        .filter(|&b| (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7f)
        .collect();
    assert!(
        bad.is_empty(),
        "raw control bytes {bad:?}:\n{}",
        out.transcript()
    );
}

fn repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "secrets-inventory.yaml", INVENTORY);
    write(
        d.path(),
        "src/app.js",
        "const s = process.env.JWT_SECRET;\n",
    );
    d
}

// ------------------------------------------------------ wide columns ----

#[test]
fn a_label_past_column_65536_survives_every_format() {
    let d = repo();
    let t = token(1);
    write(
        d.path(),
        "dist/bundle.js",
        format!(
            "{}\"{t}\";{}\n",
            "a=1;".repeat(20_000),
            "b=2;".repeat(20_000)
        ),
    );
    for format in ["human", "json", "sarif", "github"] {
        let out = run(
            &["check", ".", "--as-of", AS_OF, "--format", format],
            d.path(),
        );
        assert_eq!(out.code, Some(1), "{format}: {}", out.transcript());
        assert_no_secret(&out, &t);
        if format == "human" {
            assert!(
                out.stdout.contains("[dist/bundle.js:1:80002]"),
                "{}",
                out.transcript()
            );
            let widest = out.stdout.lines().map(|l| l.chars().count()).max();
            assert!(widest < Some(300), "{}", out.transcript());
        }
    }
    // A 70,000-character key in the inventory, a single-line baseline.
    let d = repo();
    write(
        d.path(),
        "secrets-inventory.yaml",
        format!(
            "{INVENTORY}waivers: []\n{{\"{}\": 1}}\n",
            "k".repeat(70_000)
        ),
    );
    let out = run(&["check", ".", "--no-scan", "--as-of", AS_OF], d.path());
    assert_eq!(out.code, Some(2), "{}", out.transcript());
    let d = repo();
    let entries: Vec<String> = (0..3000)
        .map(|i| format!("{{\"fingerprint\": \"{i:016x}\", \"rule\": \"leaked-credential\", \"path\": \"x{i}\"}}"))
        .collect();
    write(
        d.path(),
        ".keyledger/baseline.json",
        format!("{{\"version\": 1, \"findings\": [{}]}}", entries.join(", ")),
    );
    for format in ["human", "json", "sarif", "github"] {
        let out = run(
            &["check", ".", "--as-of", AS_OF, "--format", format],
            d.path(),
        );
        assert_eq!(out.code, Some(0), "{format}: {}", out.transcript());
    }
}

// ---------------------------------------------- memory and time bombs ----

#[test]
fn a_yaml_alias_bomb_is_refused_at_the_alias() {
    let d = repo();
    let mut bomb = String::from(
        "version: 1\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(",");
        bomb.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
    }
    bomb.push_str("secrets: []\n");
    assert!(bomb.len() < 500);
    write(d.path(), "secrets-inventory.yaml", &bomb);
    let out = run_env(
        &["check", ".", "--no-scan"],
        d.path(),
        Duration::from_secs(20),
        &[],
    );
    assert_eq!(out.code, Some(2), "{}", out.transcript());
    assert!(
        out.stderr.contains("expand to more than"),
        "{}",
        out.transcript()
    );
    assert!(
        out.stderr.contains("[secrets-inventory.yaml:"),
        "{}",
        out.transcript()
    );
}

#[test]
fn huge_mappings_and_toml_tables_are_linear() {
    let d = repo();
    let mut inv = String::from(INVENTORY);
    inv.push_str("extra:\n");
    for i in 0..80_000 {
        inv.push_str(&format!("  k{i}: {i}\n"));
    }
    write(d.path(), "secrets-inventory.yaml", &inv);
    let out = run(&["check", ".", "--no-scan", "--as-of", AS_OF], d.path());
    assert_eq!(out.code, Some(2), "{}", out.transcript());
    assert!(out.elapsed < Duration::from_secs(20), "{:?}", out.elapsed);

    // 300,000 tables in keyledger.toml, each an unknown key.
    let d = repo();
    let toml: String = (0..300_000).map(|i| format!("[t{i}]\n")).collect();
    write(d.path(), "keyledger.toml", &toml);
    let out = run(&["check", ".", "--no-scan"], d.path());
    assert_eq!(out.code, Some(2), "{}", out.transcript());
    assert!(out.elapsed < Duration::from_secs(30), "{:?}", out.elapsed);
    assert!(
        out.stderr.contains("more errors, not shown"),
        "{}",
        out.transcript()
    );
}

#[test]
fn deep_nesting_nul_bytes_and_giant_keys_are_errors() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "secrets-inventory.yaml",
            format!(
                "version: 1\nx: {}{}\n",
                "[".repeat(100_000),
                "]".repeat(100_000)
            )
            .into_bytes(),
        ),
        (
            "secrets-inventory.yaml",
            format!("version: 1\nx:\n{}y\n", "- ".repeat(50_000)).into_bytes(),
        ),
        (
            "secrets-inventory.toml",
            format!(
                "version = 1\nx = {}1{}\n",
                "[".repeat(100_000),
                "]".repeat(100_000)
            )
            .into_bytes(),
        ),
        (
            "secrets-inventory.yaml",
            b"version: 1\nsecrets:\n  - name: A\0B\n".to_vec(),
        ),
        (
            "secrets-inventory.yaml",
            format!("version: 1\n\"{}\": 1\n", "k".repeat(2_000_000)).into_bytes(),
        ),
    ];
    for (name, text) in cases {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), name, &text);
        let out = run(&["check", ".", "--no-scan"], d.path());
        assert_eq!(out.code, Some(2), "{name}: {}", out.transcript());
        assert!(out.all().len() < 100_000, "{}", out.transcript());
        assert_no_controls(&out);
    }
}

#[test]
fn many_findings_in_one_file_are_fast() {
    let d = repo();
    let abc = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut x: u64 = 88172645463325252;
    let mut text = String::with_capacity(120_000 * 21);
    for _ in 0..120_000 {
        text.push_str("AKIA");
        for _ in 0..16 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            text.push(abc[(x % 32) as usize] as char);
        }
        text.push('\n');
    }
    write(d.path(), "keys.txt", &text);
    let out = run_env(
        &["check", ".", "--as-of", AS_OF],
        d.path(),
        Duration::from_secs(120),
        &[],
    );
    assert_eq!(out.code, Some(1), "{}", out.transcript());
    assert!(out.elapsed < Duration::from_secs(45), "{:?}", out.elapsed);
    // Every finding is listed: the first 3 of the rule with snippets, the
    // rest one per line.
    let total: usize = out
        .stdout
        .lines()
        .find_map(|l| {
            l.strip_prefix("leaked-credential: ")?
                .strip_suffix(" findings (3 shown above); also:")
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", out.transcript()));
    let listed = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("  keys.txt:") && l.contains("AWS access key ID"))
        .count();
    assert_eq!(listed + 3, total);
    assert!(total > 100_000, "{total}");
    // --verbose: the first 1,000 with snippets, the rest one per line.
    let out = run_env(
        &["check", ".", "--as-of", AS_OF, "--verbose"],
        d.path(),
        Duration::from_secs(120),
        &[],
    );
    assert_eq!(out.code, Some(1), "{}", out.transcript());
    assert!(out.elapsed < Duration::from_secs(45), "{:?}", out.elapsed);
    let more: usize = out
        .stdout
        .lines()
        .find_map(|l| {
            l.strip_suffix(" more findings, without snippets (`--format json` has every detail):")
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", out.transcript()));
    let compact = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("keys.txt:") && l.contains(": error leaked-credential: "))
        .count();
    assert_eq!(compact, more);
    assert_eq!(more + 1000, total);
}

#[test]
fn many_findings_on_one_long_line_are_fast() {
    // A minified bundle: 100,000 key ids on one 2 MB line, and 10,000
    // assignments of an inventoried name on another file's single line.
    // (ad327c8 looked for `keyledger:allow` on the whole line per finding:
    // over two minutes in release.)
    let d = repo();
    let abc = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut x: u64 = 2463534242;
    let mut text = String::new();
    for _ in 0..100_000 {
        text.push_str("AKIA");
        for _ in 0..16 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            text.push(abc[(x % 32) as usize] as char);
        }
        text.push(' ');
    }
    write(d.path(), "dist/keys.js", &text);
    let assigns: Vec<String> = (0..10_000)
        .map(|i| {
            format!(
                "var JWT_SECRET=\"{:024x}\"",
                (i as u128) * 0x9E3779B97F4A7C15
            )
        })
        .collect();
    write(d.path(), "dist/app.js", assigns.join(";"));
    let out = run_env(
        &["check", ".", "--as-of", AS_OF, "--format", "json"],
        d.path(),
        Duration::from_secs(150),
        &[],
    );
    assert_eq!(out.code, Some(1), "{}", out.transcript());
    assert!(out.elapsed < Duration::from_secs(60), "{:?}", out.elapsed);
}

#[test]
fn many_stale_baseline_entries_are_fast() {
    let d = repo();
    let entries: Vec<String> = (0..40_000)
        .map(|i| {
            format!(
                "    {{\n      \"fingerprint\": \"{:016x}\",\n      \"rule\": \"leaked-credential\",\n      \"path\": \"gone/{i}.txt\"\n    }}",
                (i as u64).wrapping_mul(0x9E3779B97F4A7C15)
            )
        })
        .collect();
    write(
        d.path(),
        ".keyledger/baseline.json",
        format!(
            "{{\n  \"version\": 1,\n  \"findings\": [\n{}\n  ]\n}}\n",
            entries.join(",\n")
        ),
    );
    let out = run(
        &["check", ".", "--as-of", AS_OF, "--format", "json"],
        d.path(),
    );
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    assert!(out.elapsed < Duration::from_secs(20), "{:?}", out.elapsed);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let stale = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "stale-baseline")
        .count();
    assert_eq!(stale, 40_000);
    // Each entry is located at its own line.
    let last = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "stale-baseline")
        .map(|f| f["line"].as_u64().unwrap())
        .max();
    assert_eq!(last, Some(4 + 39_999 * 5 + 1));
}

#[test]
fn endless_and_blocking_files_are_refused() {
    // An inventory that is a symlink to /dev/zero, or a FIFO; the same for
    // every other file keyledger reads.
    for rel in [
        "secrets-inventory.yaml",
        "keyledger.toml",
        ".keyledger/baseline.json",
        ".keyledger/policies/p.yaml",
    ] {
        for kind in ["zero", "fifo"] {
            let d = repo();
            let p = d.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            let _ = std::fs::remove_file(&p);
            match kind {
                "zero" => std::os::unix::fs::symlink("/dev/zero", &p).unwrap(),
                _ => mkfifo(&p),
            }
            let out = run_env(
                &["check", ".", "--as-of", AS_OF],
                d.path(),
                Duration::from_secs(20),
                &[],
            );
            assert_eq!(out.code, Some(2), "{rel} ({kind}): {}", out.transcript());
            assert!(out.stderr.contains(rel), "{rel}: {}", out.transcript());
        }
    }
    // Named on the command line, /dev/zero is still bounded.
    let d = repo();
    let out = run(&["check", ".", "--inventory", "/dev/zero"], d.path());
    assert_eq!(out.code, Some(2), "{}", out.transcript());
    // An inventory past the size limit.
    let d = repo();
    let mut big = String::from(INVENTORY);
    big.push_str(&"# padding\n".repeat(1_000_000));
    write(d.path(), "secrets-inventory.yaml", &big);
    let out = run(&["check", ".", "--no-scan"], d.path());
    assert_eq!(out.code, Some(2), "{}", out.transcript());
    assert!(
        out.stderr.contains("larger than 8 MiB"),
        "{}",
        out.transcript()
    );
    // The policy folder as a FIFO or a file.
    for kind in ["fifo", "file"] {
        let d = repo();
        std::fs::create_dir_all(d.path().join(".keyledger")).unwrap();
        let p = d.path().join(".keyledger/policies");
        match kind {
            "fifo" => mkfifo(&p),
            _ => std::fs::write(&p, "id: x\n").unwrap(),
        }
        let out = run_env(
            &["check", ".", "--no-scan"],
            d.path(),
            Duration::from_secs(20),
            &[],
        );
        assert_eq!(out.code, Some(2), "{kind}: {}", out.transcript());
        assert!(
            out.stderr.contains(".keyledger/policies"),
            "{}",
            out.transcript()
        );
    }
    // A baseline that is a directory.
    let d = repo();
    std::fs::create_dir_all(d.path().join(".keyledger/baseline.json")).unwrap();
    let out = run(&["check", ".", "--as-of", AS_OF], d.path());
    assert_eq!(out.code, Some(2), "{}", out.transcript());
    assert!(out.stderr.contains("directory"), "{}", out.transcript());
}

// ---------------------------------------------- reading outside the repo ----

#[test]
fn no_file_is_read_through_a_symlink_or_dotdot_out_of_the_repository() {
    let outside = tempfile::tempdir().unwrap();
    let canary = format!("canary-{}", token(7));
    write(
        outside.path(),
        "secret.yaml",
        format!("version: 1\nleak: {canary}\n"),
    );
    write(
        outside.path(),
        "secret.json",
        format!("{{\"leak\": \"{canary}\"}}"),
    );
    write(
        outside.path(),
        "secret.toml",
        format!("leak = \"{canary}\"\n"),
    );
    let o = |f: &str| outside.path().join(f);
    // (file in the repository that is a symlink out, its target)
    let links: Vec<(&str, PathBuf)> = vec![
        ("secrets-inventory.yaml", "/proc/self/environ".into()),
        ("secrets-inventory.yaml", o("secret.yaml")),
        ("keyledger.toml", o("secret.toml")),
        (".keyledger/baseline.json", o("secret.json")),
        (".keyledger/policies/p.yaml", o("secret.yaml")),
        (".keyledger", outside.path().to_path_buf()),
    ];
    for (rel, target) in &links {
        let d = repo();
        let p = d.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let _ = std::fs::remove_file(&p);
        std::os::unix::fs::symlink(target, &p).unwrap();
        if *rel == ".keyledger" {
            write(
                outside.path(),
                "policies/p.yaml",
                format!("id: x\nleak: {canary}\n"),
            );
        }
        let out = run_env(
            &["check", ".", "--as-of", AS_OF],
            d.path(),
            Duration::from_secs(30),
            &[("KL_CANARY", &canary)],
        );
        assert_eq!(out.code, Some(2), "{rel}: {}", out.transcript());
        assert!(!out.all().contains("canary"), "{rel}: {}", out.transcript());
        assert!(out.stderr.contains(rel), "{rel}: {}", out.transcript());
    }
    // Paths in keyledger.toml and the inventory that leave the repository.
    let rel_out = |f: &str| pathdiff(outside.path().join(f));
    let configs = [
        format!("inventory = \"{}\"\n", rel_out("secret.yaml")),
        format!("inventory = \"{}\"\n", o("secret.yaml").display()),
        format!("baseline = \"{}\"\n", rel_out("secret.json")),
    ];
    for cfg in &configs {
        let d = repo();
        write(d.path(), "keyledger.toml", cfg);
        let out = run(&["check", ".", "--as-of", AS_OF], d.path());
        assert_eq!(out.code, Some(2), "{cfg}: {}", out.transcript());
        assert!(!out.all().contains("canary"), "{cfg}: {}", out.transcript());
        assert!(
            out.stderr.contains("inside the repository"),
            "{}",
            out.transcript()
        );
    }
    // pii.from and runbooks: schemas are not read outside; a runbook that
    // is a symlink out is reported as outside, not as existing.
    let d = repo();
    std::os::unix::fs::symlink(o("secret.json"), d.path().join("user.schema.json")).unwrap();
    std::os::unix::fs::symlink(o("secret.yaml"), d.path().join("runbook.md")).unwrap();
    write(
        d.path(),
        "secrets-inventory.yaml",
        format!("{INVENTORY}    runbook: runbook.md\npii:\n  from: [user.schema.json]\n"),
    );
    let out = run(&["check", ".", "--as-of", AS_OF], d.path());
    assert_eq!(out.code, Some(2), "{}", out.transcript());
    assert!(!out.all().contains("canary"), "{}", out.transcript());
    assert!(
        out.stderr.contains("user.schema.json"),
        "{}",
        out.transcript()
    );
    write(
        d.path(),
        "secrets-inventory.yaml",
        format!("{INVENTORY}    runbook: runbook.md\n"),
    );
    let out = run(
        &["check", ".", "--as-of", AS_OF, "--format", "json"],
        d.path(),
    );
    assert_eq!(out.code, Some(1), "{}", out.transcript());
    assert!(
        out.stdout.contains("outside the repository"),
        "{}",
        out.transcript()
    );
    // A symlinked folder inside the repository pointing out is not walked,
    // even with follow_symlinks.
    let d = repo();
    write(
        outside.path(),
        "leak/creds.txt",
        format!("token = {}\n", token(9)),
    );
    std::os::unix::fs::symlink(outside.path().join("leak"), d.path().join("vendor")).unwrap();
    write(
        d.path(),
        "keyledger.toml",
        "[scan]\nfollow_symlinks = true\n",
    );
    let out = run(
        &["check", ".", "--as-of", AS_OF, "--format", "json"],
        d.path(),
    );
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        doc["summary"]["scan"]["skipped"]["outside_root"],
        serde_json::json!(["vendor"]),
        "{}",
        out.transcript()
    );
    // Named on the command line, a file outside is the user's to read.
    let d = repo();
    write(outside.path(), "inv.yaml", INVENTORY);
    let inv = o("inv.yaml");
    let out = run(
        &[
            "check",
            ".",
            "--no-scan",
            "--as-of",
            AS_OF,
            "--inventory",
            inv.to_str().unwrap(),
        ],
        d.path(),
    );
    assert_eq!(out.code, Some(0), "{}", out.transcript());
}

/// `target` relative to a repository in the same temporary folder: `../..`.
fn pathdiff(target: PathBuf) -> String {
    let tmp = std::env::temp_dir();
    let rel = target.strip_prefix(&tmp).unwrap_or(&target);
    format!("../{}", rel.display())
}

// ---------------------------------------------- secrets in error snippets ----

#[test]
fn error_snippets_never_show_a_secret() {
    let t = token(3);
    // Inventory, config, policy and baseline errors on a line with a token.
    let cases: Vec<(&str, String)> = vec![
        (
            "secrets-inventory.yaml",
            format!("{INVENTORY}    cadence: {t}\n"),
        ),
        (
            "secrets-inventory.yaml",
            format!("version: 1\nsecrets:\n  - name: A\n    owner: {t}\n    bogus: [1\n"),
        ),
        ("keyledger.toml", format!("due_soon = \"{t}\"\n")),
        ("keyledger.toml", format!("due_son = 1 # {t}\n")),
        (
            ".keyledger/policies/p.yaml",
            format!("id: my-policy\ndescription: {t}\nrequire:\n  max_cadense: 90d\n"),
        ),
        (
            ".keyledger/baseline.json",
            format!(
                "{{\"version\": 1, \"findings\": [{{\"fingerprint\": \"{t}\", \"rule\": 1}}]}}"
            ),
        ),
    ];
    for (rel, text) in &cases {
        let d = repo();
        write(d.path(), rel, text);
        let out = run(&["check", ".", "--as-of", AS_OF], d.path());
        assert_eq!(out.code, Some(2), "{rel}: {}", out.transcript());
        assert_no_secret(&out, &t);
    }
    // An inventoried value (fingerprinted) that no detector knows.
    let value = "orange-Tractor-71-quietly";
    let fp = keyledger::scan::fingerprint::make(&[9; 8], value);
    let d = repo();
    write(
        d.path(),
        "secrets-inventory.yaml",
        format!(
            "version: 1\nsecrets:\n  - name: DB_PASSWORD\n    owner: t\n    store: {{kind: hashicorp-vault, ref: kv/app}}\n    fingerprints: [\"{fp}\"]\n    cadence: {value}\n"
        ),
    );
    let out = run(&["check", ".", "--as-of", AS_OF], d.path());
    assert_eq!(out.code, Some(2), "{}", out.transcript());
    assert!(!out.all().contains("Tractor"), "{}", out.transcript());
}

// ------------------------------------------------- terminal injection ----

#[test]
fn control_characters_from_the_repository_never_reach_the_terminal() {
    let d = repo();
    let t = token(4);
    let names: [&[u8]; 4] = [
        b"evil\x1b]0;pwned\x07\x1b[2J.env",
        b"cr\rback\x08space.env",
        b"line\n::error file=x::injected.env",
        b"bad\xff\xfeutf8.env",
    ];
    for n in names {
        let p = d.path().join(std::ffi::OsStr::from_bytes(n));
        std::fs::write(p, format!("GITHUB_TOKEN={t}\n")).unwrap();
    }
    write(
        d.path(),
        "secrets-inventory.yaml",
        "version: 1\ndefaults: {owner: t, store: {kind: hashicorp-vault, ref: kv/app}, cadence: 90d}\nsecrets:\n  - name: JWT_SECRET\nwaivers:\n  - rule: never-rotated\n    reason: \"\\e[31mred\\r\\n::warning::x\"\n    expires: 2099-01-01\n",
    );
    for format in ["human", "github", "json", "sarif"] {
        let out = run(
            &[
                "check",
                ".",
                "--as-of",
                AS_OF,
                "--format",
                format,
                "--verbose",
            ],
            d.path(),
        );
        assert_eq!(out.code, Some(1), "{format}: {}", out.transcript());
        assert_no_controls(&out);
        assert_no_secret(&out, &t);
        // No line a CI runner would take for a workflow command, but ours.
        for line in out.stdout.lines() {
            let l = line.trim_start();
            if l.starts_with("::") {
                assert!(
                    format == "github"
                        && ["::error ", "::warning ", "::notice "]
                            .iter()
                            .any(|p| line.starts_with(p))
                        && !line.contains("::injected"),
                    "{format}: {line:?}"
                );
            }
        }
    }
}

// ------------------------------------------------------------- writes ----

#[test]
fn baseline_writes_stay_inside_and_never_replace_other_files() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "notes.txt", "precious\n");
    let d = repo();
    write(
        d.path(),
        "keyledger.toml",
        format!(
            "baseline = \"{}\"\n",
            pathdiff(outside.path().join("notes.txt"))
        ),
    );
    let out = run(&["baseline", ".", "--as-of", AS_OF], d.path());
    assert_eq!(out.code, Some(2), "{}", out.transcript());
    assert_eq!(
        std::fs::read_to_string(outside.path().join("notes.txt")).unwrap(),
        "precious\n"
    );
    // Through a symlinked folder.
    let d = repo();
    std::os::unix::fs::symlink(outside.path(), d.path().join(".keyledger")).unwrap();
    let out = run(&["baseline", ".", "--as-of", AS_OF], d.path());
    assert_eq!(out.code, Some(2), "{}", out.transcript());
    assert!(!outside.path().join("baseline.json").exists());
    // A file at the path that is not a baseline needs --force.
    let d = repo();
    write(d.path(), "keyledger.toml", "baseline = \"README.md\"\n");
    write(d.path(), "README.md", "# read me\n");
    let out = run(&["baseline", ".", "--as-of", AS_OF], d.path());
    assert_eq!(out.code, Some(2), "{}", out.transcript());
    assert!(out.stderr.contains("--force"), "{}", out.transcript());
    assert_eq!(
        std::fs::read_to_string(d.path().join("README.md")).unwrap(),
        "# read me\n"
    );
    let out = run(&["baseline", ".", "--as-of", AS_OF, "--force"], d.path());
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    assert!(
        std::fs::read_to_string(d.path().join("README.md"))
            .unwrap()
            .contains("\"version\": 1")
    );
}

#[test]
fn baseline_and_init_write_atomically() {
    use std::os::unix::fs::MetadataExt;
    let d = repo();
    write(d.path(), "leak.txt", format!("token = {}\n", token(5)));
    let out = run(&["baseline", ".", "--as-of", AS_OF], d.path());
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    let p = d.path().join(".keyledger/baseline.json");
    let first = std::fs::metadata(&p).unwrap().ino();
    write(d.path(), "leak2.txt", format!("token = {}\n", token(6)));
    let out = run(&["baseline", ".", "--as-of", AS_OF], d.path());
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    // Replaced by a rename (a new inode), not rewritten in place; no
    // temporary file left behind.
    assert_ne!(std::fs::metadata(&p).unwrap().ino(), first);
    let left: Vec<_> = std::fs::read_dir(d.path().join(".keyledger"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("baseline.json")]);
    let inv = d.path().join("secrets-inventory.yaml");
    let before = std::fs::metadata(&inv).unwrap().ino();
    let out = run(&["init", ".", "--force"], d.path());
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    assert_ne!(std::fs::metadata(&inv).unwrap().ino(), before);
}

#[test]
fn baseline_settles() {
    let d = tempfile::tempdir().unwrap();
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    copy_dir(&demo, d.path());
    let _ = std::fs::remove_dir_all(d.path().join(".keyledger"));
    let mut texts = Vec::new();
    for _ in 0..3 {
        let out = run(&["baseline", ".", "--as-of", AS_OF], d.path());
        assert_eq!(out.code, Some(0), "{}", out.transcript());
        texts.push(std::fs::read_to_string(d.path().join(".keyledger/baseline.json")).unwrap());
    }
    assert_eq!(texts[0], texts[1]);
    assert_eq!(texts[1], texts[2]);
    let out = run(
        &["check", ".", "--as-of", AS_OF, "--format", "json"],
        d.path(),
    );
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    assert!(
        !out.stdout.contains("stale-baseline"),
        "{}",
        out.transcript()
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

// ------------------------------------------------------ skip accounting ----

#[test]
fn every_skipped_file_is_counted_by_reason_and_special_files_are_not_opened() {
    let d = repo();
    write(d.path(), "public/app.min.js", "var a=1;\n");
    write(d.path(), "public/app.js.map", "{\"version\":3}\n");
    mkfifo(&d.path().join("pipe"));
    let out = run_env(
        &["check", ".", "--as-of", AS_OF, "--format", "json"],
        d.path(),
        Duration::from_secs(20),
        &[],
    );
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let skipped = &doc["summary"]["scan"]["skipped"];
    assert_eq!(
        skipped["minified"],
        serde_json::json!(["public/app.min.js"]),
        "{skipped}"
    );
    assert_eq!(
        skipped["source_map"],
        serde_json::json!(["public/app.js.map"]),
        "{skipped}"
    );
    assert_eq!(skipped["fifo"], serde_json::json!(["pipe"]), "{skipped}");
    let out = run(&["check", ".", "--as-of", AS_OF], d.path());
    assert!(out.stdout.contains("1 fifo"), "{}", out.transcript());
    let out = run_env(
        &["init", ".", "--stdout"],
        d.path(),
        Duration::from_secs(20),
        &[],
    );
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    assert!(out.stderr.contains("1 fifo"), "{}", out.transcript());
}

// ---------------------------------------------------------- YAML tabs ----

#[test]
fn a_tab_error_points_at_the_tab_and_the_hint_only_where_it_applies() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "secrets-inventory.yaml",
        "version: 1\nsecrets:\n  - name: A\n\towner: x\n",
    );
    let out = run(&["check", ".", "--no-scan"], d.path());
    assert_eq!(out.code, Some(2), "{}", out.transcript());
    assert!(
        out.stderr.contains("[secrets-inventory.yaml:4:1]"),
        "{}",
        out.transcript()
    );
    assert!(out.stderr.contains("use spaces"), "{}", out.transcript());
    write(
        d.path(),
        "secrets-inventory.yaml",
        "version: 1\nsecrets:\n  - name: \"A\tB\"\n    owner: [x\n",
    );
    let out = run(&["check", ".", "--no-scan"], d.path());
    assert_eq!(out.code, Some(2), "{}", out.transcript());
    assert!(!out.stderr.contains("tabs"), "{}", out.transcript());
}

// ------------------------------------------------------------ policies ----

#[test]
fn huge_numbers_of_policies_are_refused() {
    let d = repo();
    let mut pack = String::from("pack: many\npolicies:\n");
    for i in 0..5000 {
        pack.push_str(&format!(
            "  - id: p-{i}\n    description: d\n    require: {{owner: true}}\n"
        ));
    }
    write(d.path(), ".keyledger/policies/many.yaml", &pack);
    let out = run(&["check", ".", "--no-scan", "--format", "sarif"], d.path());
    assert_eq!(out.code, Some(2), "{}", out.transcript());
    assert!(out.stderr.contains("at most 1000"), "{}", out.transcript());
    let d = repo();
    for i in 0..1100 {
        write(
            d.path(),
            &format!(".keyledger/policies/p{i}.yaml"),
            format!("id: p-{i}\ndescription: d\nrequire: {{owner: true}}\n"),
        );
    }
    let out = run(&["check", ".", "--no-scan"], d.path());
    assert_eq!(out.code, Some(2), "{}", out.transcript());
}

// -------------------------------------------------------------- config ----

#[test]
fn every_config_error_is_reported_at_once() {
    let d = repo();
    write(
        d.path(),
        "keyledger.toml",
        "due_soon = \"soon\"\n[scan]\nallow_paths = [\"a/{b\"]\ntest_paths = [\"c/{d\"]\n",
    );
    let out = run(&["check", "."], d.path());
    assert_eq!(out.code, Some(2), "{}", out.transcript());
    assert!(
        out.stderr.contains("stopped: 3 errors"),
        "{}",
        out.transcript()
    );
}
