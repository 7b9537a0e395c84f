//! `portcullis`: generate, check and trim adapters from the command line.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use portcullis_codegen::load::mapping::Mapping;
use portcullis_codegen::load::openapi::Spec;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "portcullis",
    version,
    about = "Generate typed vendor adapters that implement your domain port"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a mapping and write the adapter; prints what was generated.
    Generate {
        /// The mapping file.
        mapping: PathBuf,
        /// Output directory.
        #[arg(long, default_value = "target/portcullis")]
        out: PathBuf,
        /// Use this spec instead of the one the mapping names (e.g. the full vendor spec).
        #[arg(long)]
        spec: Option<PathBuf>,
    },
    /// Validate a mapping against its spec and port; exits non-zero with diagnostics.
    Check {
        /// The mapping file.
        mapping: PathBuf,
    },
    /// Write the minimal spec a mapping needs, descriptions dropped, keys sorted.
    Trim {
        /// The mapping file.
        #[arg(long)]
        mapping: PathBuf,
        /// The full vendor spec.
        #[arg(long)]
        spec: PathBuf,
        /// Where to write the trimmed spec (default: the mapping's `spec:`).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Where the full spec came from, recorded in the trimmed file.
        #[arg(long)]
        origin: Option<String>,
    },
    /// Classify a vendor spec update along what the mapping uses: breaking, review or safe.
    ///
    /// Exits 0 when nothing is breaking, 1 when something is (for CI), 2 when the
    /// inputs cannot be read or the mapping does not check against the old spec.
    Diff {
        /// The spec the mapping works with today.
        #[arg(long)]
        old: PathBuf,
        /// The vendor's new spec.
        #[arg(long)]
        new: PathBuf,
        /// The mapping file.
        #[arg(long)]
        mapping: PathBuf,
        /// `text` for people, `json` for tooling.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
}

/// Output of `portcullis diff`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum DiffFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Generate { mapping, out, spec } => {
            let started = std::time::Instant::now();
            let m = match Mapping::load(&mapping) {
                Ok(m) => m,
                Err(e) => return Ok(report(&e)),
            };
            let (plan, _) = match portcullis_codegen::builder::check_with_spec(&m, spec.as_deref())
            {
                Ok(p) => p,
                Err(e) => return Ok(report(&e)),
            };
            let code = portcullis_codegen::emit::rust::render(&plan)?;
            std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
            let file = out.join(format!(
                "{}.rs",
                portcullis_codegen::ident::snake(&plan.adapter).trim_start_matches("r#")
            ));
            std::fs::write(&file, &code).with_context(|| format!("writing {}", file.display()))?;
            print!("{}", plan.summary());
            println!(
                "wrote {} ({} lines) in {:.0?}",
                file.display(),
                code.lines().count(),
                started.elapsed()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { mapping } => match portcullis_codegen::check(&mapping) {
            Ok((plan, _)) => {
                print!("{}", plan.summary());
                println!(
                    "ok: {} is consistent with its spec and port",
                    mapping.display()
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => Ok(report(&e)),
        },
        Command::Trim {
            mapping,
            spec,
            out,
            origin,
        } => {
            let m = match Mapping::load(&mapping) {
                Ok(m) => m,
                Err(e) => return Ok(report(&e)),
            };
            let s = match Spec::load(&spec) {
                Ok(s) => s,
                Err(e) => return Ok(report(&e)),
            };
            let origin = portcullis_codegen::trim::Origin {
                source: origin.unwrap_or_else(|| spec.display().to_string()),
            };
            let text = match portcullis_codegen::trim::trim(&s, &m, &origin) {
                Ok(t) => t,
                Err(e) => return Ok(report(&e)),
            };
            let out = out.unwrap_or_else(|| m.dir().join(&m.spec.value));
            if let Some(parent) = out.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            std::fs::write(&out, &text).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "wrote {} ({} of {} operations, {} bytes from {}), sha256 {}",
                out.display(),
                m.operations.len(),
                s.operations.len(),
                text.len(),
                s.sha256,
                portcullis_codegen::trim::checksum(&text)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff {
            old,
            new,
            mapping,
            format,
        } => {
            // Like diff(1): 1 means "found something breaking", 2 means "could not compare".
            let trouble = |e: &portcullis_codegen::Error| {
                eprintln!("{e}");
                ExitCode::from(2)
            };
            let m = match Mapping::load(&mapping) {
                Ok(m) => m,
                Err(e) => return Ok(trouble(&e)),
            };
            let r = match portcullis_codegen::diff::diff(&m, &old, &new) {
                Ok(r) => r,
                Err(e) => return Ok(trouble(&e)),
            };
            match format {
                DiffFormat::Text => print!("{}", r.text()),
                DiffFormat::Json => println!("{}", serde_json::to_string_pretty(&r.json())?),
            }
            Ok(if r.has_breaking() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

fn report(e: &portcullis_codegen::Error) -> ExitCode {
    eprintln!("{e}");
    ExitCode::FAILURE
}
