//! Renderers: each turns the same list of findings into one format.

pub mod github;
pub mod human;
pub mod json;
pub mod markdown;
pub mod sarif;

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    /// A summary for CI job pages (GitHub job summaries, merge request notes).
    Markdown,
}

/// Renders an outcome in a format; `human` options apply to the human
/// format (and `show_notes` to GitHub annotations).
pub fn render(out: &crate::check::Outcome, format: Format, human: &human::Options) -> String {
    match format {
        Format::Human if human.first_run => human::first_run(out),
        Format::Human => human::render(out, human),
        Format::Json => json::render(out),
        Format::Sarif => sarif::render(out),
        Format::Github => github::render(out, human.show_notes),
        Format::Markdown => markdown::render(out),
    }
}
