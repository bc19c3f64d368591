//! The command line: parse arguments, call the library, map the result to an
//! exit code (0 clean, 1 blocking findings, 2 usage or input errors).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use keyledger::check::{self, Options};
use keyledger::diag::{self, Diag, ErrorCode, Fatal};
use keyledger::finding::Severity;
use keyledger::render::{self, Format};
use keyledger::{cadence, policy, rules, schema};

#[derive(Parser)]
#[command(
    name = "keyledger",
    version,
    about = "A policy-as-code linter for a repository's secret inventory"
)]
struct Cli {
    /// When to use colour: auto (a terminal without NO_COLOR), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args)]
struct Common {
    /// The repository root.
    #[arg(default_value = ".")]
    root: PathBuf,
    /// The inventory file (default: secrets-inventory.yaml at the root).
    #[arg(long)]
    inventory: Option<PathBuf>,
    /// The configuration file (default: keyledger.toml at the root).
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Validate the inventory, evaluate policies and rotations.
    Check {
        #[command(flatten)]
        common: Common,
        /// Evaluate as of this date (YYYY-MM-DD) instead of today.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Every finding in full (repeated ones are grouped otherwise), and
        /// the suppressed findings and skipped files.
        #[arg(short, long)]
        verbose: bool,
        /// Also show notes (weak evidence, test and example values) in
        /// human and GitHub output; JSON and SARIF always hold them.
        #[arg(long)]
        show_notes: bool,
        /// A first-adoption overview: findings by rule and by file with
        /// counts, then the ten to act on first (human format).
        #[arg(long, conflicts_with = "format")]
        first_run: bool,
        /// Check the inventory only; do not scan file content.
        #[arg(long)]
        no_scan: bool,
        /// Scan content without an inventory (no inventory, policy or rotation checks).
        #[arg(long, conflicts_with = "no_scan")]
        no_inventory: bool,
        /// Scan the staged changes (the index against HEAD): the pre-commit check.
        #[arg(long, conflicts_with_all = ["since", "history", "no_scan"])]
        staged: bool,
        /// Scan the lines added by the commits in REV..HEAD (pull requests).
        #[arg(long, value_name = "REV", conflicts_with_all = ["history", "no_scan"])]
        since: Option<String>,
        /// Scan every blob reachable from any ref, each once.
        #[arg(long, conflicts_with = "no_scan")]
        history: bool,
        /// A store metadata export (aws secretsmanager list-secrets, az
        /// keyvault secret list / key list-versions, gcloud secrets list /
        /// versions list, vault kv metadata get, kubectl get secrets; JSON)
        /// to check the inventory against; repeatable, `-` reads standard
        /// input. Adds to `evidence` in keyledger.toml.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["staged", "no_inventory"])]
        evidence: Vec<PathBuf>,
        /// Scan exactly these files as they are on disk, with every content
        /// check and no inventory rules (what the pre-commit hooks run:
        /// the staged files on a commit, every file under --all-files).
        #[arg(
            long,
            value_name = "PATH",
            num_args = 0..,
            allow_hyphen_values = true,
            conflicts_with_all = ["staged", "since", "history", "no_scan"]
        )]
        files: Option<Vec<PathBuf>>,
        /// Lowest severity that exits 1 (default: `fail_on` in keyledger.toml, else error).
        #[arg(long, value_enum, value_name = "SEVERITY")]
        fail_on: Option<FailOn>,
        /// The repository's name in the output, for reports that merge many
        /// runs (default: the path of the `origin` remote, e.g. acme/api,
        /// else the root directory's name).
        #[arg(long, value_name = "NAME", env = "KEYLEDGER_REPOSITORY")]
        repository: Option<String>,
        /// Also write the result in another format to a file, e.g.
        /// `--output sarif=keyledger.sarif` (repeatable; written only when
        /// the check ran, so a failed run leaves no empty file).
        #[arg(long, value_name = "FORMAT=PATH", value_parser = parse_output)]
        output: Vec<(Format, PathBuf)>,
        /// Report unreadable git objects (missing, corrupt, not fetched by a
        /// partial or shallow clone) but do not exit 2 for them: the scan
        /// is then knowingly incomplete.
        #[arg(long)]
        allow_incomplete_history: bool,
        /// Threads for --history (default: one per core).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
        threads: Option<u16>,
        /// Neither read nor write the --history cache (.git/keyledger/).
        #[arg(long)]
        no_cache: bool,
    },
    /// Work with store metadata exports (evidence).
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// Print a fingerprint of a secret's value, read from standard input
    /// (never from an argument, never echoed), to paste under the secret's
    /// `fingerprints` in the inventory.
    Fingerprint {
        /// The secret's name in the inventory.
        name: String,
        #[command(flatten)]
        common: Common,
    },
    /// Draft secrets-inventory.yaml from the environment variables the code reads.
    Init {
        #[command(flatten)]
        common: Common,
        /// Replace an existing inventory.
        #[arg(long)]
        force: bool,
        /// Print the draft instead of writing it.
        #[arg(long)]
        stdout: bool,
    },
    /// Write the baseline file (default .keyledger/baseline.json) from the
    /// current findings, so later runs accept them and report only new ones.
    Baseline {
        #[command(flatten)]
        common: Common,
        /// Evaluate as of this date (YYYY-MM-DD) instead of today.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Replace the file at the baseline path even if it is not a
        /// keyledger baseline.
        #[arg(long)]
        force: bool,
    },
    /// Print a JSON Schema: the inventory's (default), the config's or a policy file's.
    Schema {
        #[arg(value_enum, default_value_t = SchemaKind::Inventory)]
        kind: SchemaKind,
        /// Write it to this file instead (e.g. .keyledger/secret-inventory.schema.json,
        /// which `init` points editors at; `check` warns when it is stale).
        #[arg(long, value_name = "PATH")]
        write: Option<PathBuf>,
    },
    /// Print the effective configuration.
    Config {
        #[command(flatten)]
        common: Common,
    },
    /// Print a rule's or a policy's documentation.
    Explain {
        /// A rule id (rotation-overdue) or a policy id.
        rule: Option<String>,
        /// List every rule and built-in policy.
        #[arg(long)]
        list: bool,
        /// Print the rule table as Markdown (the README's).
        #[arg(long)]
        table: bool,
    },
    /// The overdue-rotation report for a quarter or an as-of date, over
    /// one repository or many (inventories and `check --format json` outputs).
    Report(keyledger::report::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a folder.
    Man {
        /// Write keyledger.1 and keyledger-COMMAND.1 into this folder.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// `check --fail-on`.
#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Note,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Severity {
        match f {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Note => Severity::Note,
        }
    }
}

/// `--output FORMAT=PATH`.
fn parse_output(s: &str) -> Result<(Format, PathBuf), String> {
    let (format, path) = s
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=PATH (e.g. sarif=keyledger.sarif), got `{s}`"))?;
    let format = Format::from_str(format, true).map_err(|_| {
        let names: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value().map(|v| v.get_name().to_string()))
            .collect();
        format!("unknown format `{format}`; one of {}", names.join(", "))
    })?;
    if path.is_empty() {
        return Err("the PATH after `=` is empty".into());
    }
    Ok((format, PathBuf::from(path)))
}

#[derive(Subcommand)]
enum EvidenceCommand {
    /// Propose `last_rotated` edits from the stores' dates, as a unified
    /// diff of the inventory on standard output (review it, then `git
    /// apply`); the inventory itself is never rewritten.
    Update {
        #[command(flatten)]
        common: Common,
        /// A store metadata export; repeatable, `-` reads standard input.
        /// Adds to `evidence` in keyledger.toml.
        #[arg(long, value_name = "FILE")]
        evidence: Vec<PathBuf>,
        /// Evaluate as of this date (YYYY-MM-DD) instead of today.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaKind {
    Inventory,
    Config,
    Policy,
}

fn use_color(choice: ColorChoice, stream_is_tty: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            stream_is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// Writes to stdout; a closed pipe (`keyledger … | head`) is a clean stop.
fn emit(s: &str) -> Result<(), ExitCode> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("keyledger: cannot write output: {e}");
            Err(ExitCode::from(2))
        }
    }
}

fn fail(fatal: &Fatal, color: ColorChoice) -> ExitCode {
    let text = diag::render_fatal(&fatal.0, use_color(color, std::io::stderr().is_terminal()));
    eprint!("{text}");
    let n = fatal.0.len();
    eprintln!(
        "keyledger: stopped: {n} {} (exit code 2)",
        if n == 1 { "error" } else { "errors" }
    );
    ExitCode::from(2)
}

fn options(common: Common, as_of: Option<&str>) -> Result<Options, Fatal> {
    options_with(common, as_of, true, false)
}

fn options_with(
    common: Common,
    as_of: Option<&str>,
    scan: bool,
    no_inventory: bool,
) -> Result<Options, Fatal> {
    let as_of = match as_of {
        Some(s) => Some(
            cadence::parse_date(s)
                .map_err(|e| Diag::plain(ErrorCode::Usage, format!("--as-of: {e}")))?,
        ),
        None => None,
    };
    if !common.root.is_dir() {
        return Err(Diag::plain(
            ErrorCode::Usage,
            format!("{} is not a directory", common.root.display()),
        )
        .into());
    }
    Ok(Options {
        root: common.root,
        inventory: common.inventory,
        config: common.config,
        as_of,
        scan,
        no_inventory,
        no_baseline: false,
        scope: Default::default(),
        evidence: Vec::new(),
        repository: None,
        fail_on: None,
        git: Default::default(),
    })
}

fn explain(rule: Option<String>, list: bool, table: bool) -> Result<String, Fatal> {
    if table {
        return Ok(rules::markdown_table());
    }
    let packs = policy::builtin_packs()?;
    if list || rule.is_none() {
        let mut s = String::from("Rules:\n");
        for r in rules::ALL {
            s.push_str(&format!(
                "  {:<26} {:<8} {}\n",
                r.id,
                r.severity.as_str(),
                r.summary
            ));
        }
        for p in packs {
            s.push_str(&format!("\nPolicies of the `{}` pack:\n", p.pack));
            for pol in &p.policies {
                s.push_str(&format!(
                    "  {:<34} {:<8} {}\n",
                    pol.id,
                    pol.severity.as_str(),
                    pol.description
                ));
            }
        }
        return Ok(s);
    }
    let id = rule.unwrap_or_default();
    if let Some(r) = rules::find(&id) {
        return Ok(format!(
            "# {}\n\n{}\n\nDefault severity: {}.\n\n{}",
            r.id, r.summary, r.severity, r.doc
        ));
    }
    for p in packs {
        if let Some(pol) = p.policies.iter().find(|x| x.id == id) {
            let mut s = format!(
                "# {}\n\nPolicy of the `{}` pack ({}); severity {}.\n\n{}\n",
                pol.id, pol.pack, pol.defined_at, pol.severity, pol.description
            );
            if let Some(src) = &pol.source {
                s.push_str(&format!("\nSource: {src}\n"));
            }
            return Ok(s);
        }
    }
    let ids: Vec<String> = rules::ALL
        .iter()
        .map(|r| r.id.to_string())
        .chain(
            packs
                .iter()
                .flat_map(|p| p.policies.iter().map(|x| x.id.clone())),
        )
        .collect();
    let mut d = Diag::plain(ErrorCode::Usage, format!("no rule or policy named `{id}`"));
    d = match schema::did_you_mean(&id, ids.iter().map(String::as_str)) {
        Some(s) => d.with_help(format!("did you mean `{s}`?")),
        None => d.with_help("`keyledger explain --list` lists them"),
    };
    Err(d.into())
}

fn run(cli: Cli) -> Result<ExitCode, Fatal> {
    match cli.command {
        Command::Check {
            common,
            as_of,
            format,
            verbose,
            show_notes,
            first_run,
            no_scan,
            no_inventory,
            staged,
            since,
            history,
            evidence,
            files,
            fail_on,
            repository,
            output,
            allow_incomplete_history,
            threads,
            no_cache,
        } => {
            let mut opts = options_with(common, as_of.as_deref(), !no_scan, no_inventory)?;
            opts.evidence = evidence;
            opts.git = keyledger::git::GitOptions {
                threads: threads.map(usize::from),
                no_cache,
                allow_incomplete: allow_incomplete_history,
            };
            opts.scope = match (staged, since, history, files) {
                (true, ..) => keyledger::git::Scope::Staged,
                (_, Some(rev), ..) => keyledger::git::Scope::Since(rev),
                (_, _, true, _) => keyledger::git::Scope::History,
                (.., Some(files)) => keyledger::git::Scope::Files(files),
                _ => keyledger::git::Scope::Tree,
            };
            opts.repository = repository;
            opts.fail_on = fail_on.map(Severity::from);
            let outcome = check::run(&opts)?;
            let human = render::human::Options {
                color: false,
                verbose,
                show_notes,
                first_run,
            };
            for (format, path) in &output {
                let text = render::render(&outcome, *format, &human);
                write_atomically(path, &text)?;
            }
            let human = render::human::Options {
                color: use_color(cli.color, std::io::stdout().is_terminal()),
                ..human
            };
            let text = render::render(&outcome, format, &human);
            if let Err(code) = emit(&text) {
                return Ok(code);
            }
            if outcome.incomplete() {
                eprintln!(
                    "keyledger: the scan is incomplete: some git objects could not be read (listed in the summary); exit code 2. Fetch them, or pass --allow-incomplete-history to accept"
                );
            }
            Ok(ExitCode::from(outcome.exit_code() as u8))
        }
        Command::Init {
            common,
            force,
            stdout,
        } => {
            let opts = options(common, None)?;
            let config = check::load_config(&opts)?;
            let (path, display) = check::inventory_path(&opts, &config)?;
            let say_skipped = |stats: &keyledger::scan::Stats| {
                if let Some(line) = keyledger::init::skipped_summary(stats) {
                    eprintln!("keyledger: {}", keyledger::redact::controls(&line));
                }
            };
            if stdout {
                let (text, stats) =
                    keyledger::init::draft_at(&opts.root, &config, &display, check::today());
                // The editor line points at SCHEMA_PATH; `check` says how
                // to write it (stale-schema) until it exists.
                say_skipped(&stats);
                return Ok(emit(&text).err().unwrap_or(ExitCode::SUCCESS));
            }
            let (n, stats) =
                keyledger::init::run(&opts.root, &config, &path, &display, force, check::today())?;
            say_skipped(&stats);
            eprintln!(
                "keyledger: drafted {} with {n} secrets and wrote {} for editors; review the TODOs, then run `keyledger check`",
                keyledger::redact::controls(&display),
                keyledger::init::SCHEMA_PATH
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Baseline {
            common,
            as_of,
            force,
        } => {
            let mut opts = options(common, as_of.as_deref())?;
            opts.no_baseline = true;
            let outcome = check::run(&opts)?;
            let rel = outcome.config.baseline.clone();
            let n = keyledger::baseline::write(&opts.root, &rel, &outcome.findings, force)?;
            let covered = outcome
                .findings
                .iter()
                .filter(|f| f.suppressed.is_none())
                .count();
            // One entry covers every finding of one rule on one value in
            // one file (the same PII field logged twice is one entry).
            eprintln!(
                "keyledger: wrote {} with {n} entries covering {covered} findings; commit it, and review its diff like code",
                keyledger::redact::display(&rel)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Evidence(EvidenceCommand::Update {
            common,
            evidence,
            as_of,
        }) => {
            let mut opts = options(common, as_of.as_deref())?;
            opts.evidence = evidence;
            let p = keyledger::evidence::update::run(&opts)?;
            for line in p.summary_lines() {
                eprintln!("keyledger: {line}");
            }
            Ok(emit(&p.diff).err().unwrap_or(ExitCode::SUCCESS))
        }
        Command::Fingerprint { name, common } => {
            let opts = options(common, None)?;
            let text = keyledger::fingerprint_cmd::run(&opts, &name)?;
            Ok(emit(&text).err().unwrap_or(ExitCode::SUCCESS))
        }
        Command::Schema { kind, write } => {
            let text = match kind {
                SchemaKind::Inventory => schema::INVENTORY_SCHEMA,
                SchemaKind::Config => schema::CONFIG_SCHEMA,
                SchemaKind::Policy => schema::POLICY_SCHEMA,
            };
            match write {
                Some(path) => {
                    write_atomically(&path, text)?;
                    eprintln!("keyledger: wrote {}", path.display());
                    Ok(ExitCode::SUCCESS)
                }
                None => Ok(emit(text).err().unwrap_or(ExitCode::SUCCESS)),
            }
        }
        Command::Config { common } => {
            let opts = options(common, None)?;
            let config = check::load_config(&opts)?;
            Ok(emit(&config.to_toml()).err().unwrap_or(ExitCode::SUCCESS))
        }
        Command::Explain { rule, list, table } => {
            let text = explain(rule, list, table)?;
            Ok(emit(&text).err().unwrap_or(ExitCode::SUCCESS))
        }
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut command(), "keyledger", &mut buf);
            Ok(emit(&String::from_utf8_lossy(&buf))
                .err()
                .unwrap_or(ExitCode::SUCCESS))
        }
        Command::Man { dir } => {
            let cmd = command();
            match dir {
                Some(dir) => {
                    std::fs::create_dir_all(&dir).map_err(|e| {
                        Diag::plain(
                            ErrorCode::Io,
                            format!("cannot create {}: {e}", dir.display()),
                        )
                    })?;
                    clap_mangen::generate_to(cmd, &dir).map_err(|e| {
                        Diag::plain(
                            ErrorCode::Io,
                            format!("cannot write into {}: {e}", dir.display()),
                        )
                    })?;
                    eprintln!("keyledger: wrote the man pages into {}", dir.display());
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    let mut buf = Vec::new();
                    clap_mangen::Man::new(cmd).render(&mut buf).map_err(|e| {
                        Diag::plain(ErrorCode::Io, format!("cannot render the man page: {e}"))
                    })?;
                    Ok(emit(&String::from_utf8_lossy(&buf))
                        .err()
                        .unwrap_or(ExitCode::SUCCESS))
                }
            }
        }
        Command::Report(args) => {
            let out = keyledger::report::run(&args)?;
            for note in &out.notes {
                eprintln!("keyledger: {note}");
            }
            Ok(emit(&out.text)
                .err()
                .unwrap_or(ExitCode::from(out.exit_code)))
        }
    }
}

/// Transparent huge pages make every fresh 2 MiB region fault in zeroed at
/// once; for a short-lived scanner that allocates as it reads, that was a
/// fifth of the run. Normal pages are cheaper here.
fn disable_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE only sets a flag on this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// For `--history`: the object reader and the scanner allocate a buffer
/// per blob. glibc hands large ones back to the kernel on `free` (mmap
/// threshold, heap trimming), so the next blob faults its pages in again;
/// keeping freed memory in the process avoids that. Process-wide, so set
/// here, once, before any thread starts.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes glibc's allocator; it is called before any
    // other thread starts and takes plain integers.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
}

/// The command line, with the version of the detector set in `--version`.
fn command() -> clap::Command {
    Cli::command()
        .version(keyledger::version::long())
        .long_version(keyledger::version::long())
}

/// Writes a file the user named through a temporary file in the same
/// folder, so an interrupted run never leaves a truncated file.
fn write_atomically(path: &Path, text: &str) -> Result<(), Fatal> {
    let io = |e: std::io::Error| {
        Diag::plain(
            ErrorCode::Io,
            format!("cannot write {}: {e}", path.display()),
        )
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e).into());
    }
    Ok(())
}

fn main() -> ExitCode {
    disable_transparent_huge_pages();
    let cli = Cli::from_arg_matches(&command().get_matches()).unwrap_or_else(|e| e.exit());
    if matches!(cli.command, Command::Check { history: true, .. }) {
        keep_freed_memory();
    }
    let color = cli.color;
    match run(cli) {
        Ok(code) => code,
        Err(fatal) => fail(&fatal, color),
    }
}
