//! Renderers: each turns the same list of findings into one format.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}
