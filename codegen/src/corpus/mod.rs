//! The corpus runner: every spec of a directory, loaded, given a port and mapping that
//! cover every operation, generated, and (for a deterministic sample) compiled.
//!
//! Not part of the default test run: `portcullis corpus --dir …` (see BENCHMARKS.md).
//! A panic anywhere is caught and counted per spec, so one bad spec cannot hide the rest.

pub mod compile;
pub mod property;
pub mod report;
pub mod shaped;
pub mod synth;

use crate::load::mapping::Mapping;
use crate::load::openapi::Spec;
use crate::load::port::Port;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What happened to one spec.
#[derive(Debug, Clone, Default)]
pub struct SpecResult {
    /// The spec file, relative to the corpus directory.
    pub name: String,
    /// Loaded without error.
    pub loaded: bool,
    /// Why it did not load.
    pub load_error: Option<String>,
    /// Operations in the spec.
    pub ops_total: usize,
    /// Operations in the generated adapter.
    pub ops_generated: usize,
    /// Left-out operations: (operation, construct, JSON pointer).
    pub left_out: Vec<(String, String, String)>,
    /// Diagnostics by category.
    pub categories: BTreeMap<String, usize>,
    /// A caught panic's message.
    pub panic: Option<String>,
    /// The port source and the generated adapter, when generation succeeded.
    pub code: Option<(String, String)>,
    /// Whether the sample build compiled it (None: not in the sample).
    pub compiled: Option<bool>,
}

/// Runs one spec: load, synthesize, plan (dropping what cannot be planned), emit.
pub fn run_spec(dir: &Path, path: &Path) -> SpecResult {
    let name = path.strip_prefix(dir).unwrap_or(path).display().to_string();
    let outcome = std::panic::catch_unwind(|| run_spec_inner(path));
    match outcome {
        Ok(mut r) => {
            r.name = name;
            r
        }
        Err(p) => SpecResult {
            name,
            panic: Some(panic_text(&p)),
            ..SpecResult::default()
        },
    }
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

/// Category of a diagnostic: its message with quoted names blanked out.
pub fn category(message: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars() {
        if c == '\'' {
            quoted = !quoted;
            if quoted {
                out.push('_');
            }
            continue;
        }
        if !quoted {
            out.push(c);
        }
    }
    out
}

fn run_spec_inner(path: &Path) -> SpecResult {
    let mut r = SpecResult::default();
    let spec = match Spec::load(path) {
        Ok(s) => s,
        Err(e) => {
            r.load_error = Some(e.to_string().lines().next().unwrap_or_default().to_string());
            return r;
        }
    };
    r.loaded = true;
    r.ops_total = spec.operations.len();
    let synth = synth::synthesize(&spec);
    for l in &synth.left_out {
        *r.categories.entry(category(&l.construct)).or_default() += 1;
        r.left_out
            .push((l.operation.clone(), l.construct.clone(), l.pointer.clone()));
    }
    let port_path = PathBuf::from("domain.rs");
    let at = (
        Path::new("corpus.yaml"),
        crate::error::Span { line: 1, col: 1 },
    );
    let port = match Port::parse(&port_path, &synth.port, "Api", at) {
        Ok(p) => p,
        Err(e) => {
            *r.categories.entry("port synthesis".into()).or_default() += 1;
            r.load_error = Some(format!("synthesized port does not parse: {e}"));
            return r;
        }
    };
    let mut dropped: BTreeSet<String> = BTreeSet::new();
    for _round in 0..4 {
        let text = synth.mapping("spec.json", "domain.rs", &|k| !dropped.contains(k));
        let mapping = match Mapping::from_bytes(Path::new("corpus.yaml"), text.as_bytes()) {
            Ok(m) => m,
            Err(e) => {
                *r.categories.entry("mapping synthesis".into()).or_default() += 1;
                r.load_error = Some(format!("synthesized mapping does not decode: {e}"));
                return r;
            }
        };
        let mut port = port.clone();
        port.methods.retain(|m| !dropped.contains(&m.name));
        match crate::plan::build(&spec, &mapping, &port) {
            Ok(plan) => {
                match crate::emit::rust::render(&plan) {
                    Ok(code) => {
                        r.ops_generated = plan.operations.len();
                        let port_src = prune_port(&synth.port, &dropped);
                        r.code = Some((port_src, code));
                    }
                    Err(e) => {
                        *r.categories.entry("emit".into()).or_default() += 1;
                        r.load_error = Some(e.to_string());
                    }
                }
                return r;
            }
            Err(e) => {
                let owners = owners(&text, &synth);
                let mut progressed = false;
                for d in e.diagnostics() {
                    let line = d.span.map(|s| s.line).unwrap_or(0);
                    match owners.iter().rev().find(|(start, _)| *start <= line) {
                        Some((_, op)) if !dropped.contains(op) => {
                            dropped.insert(op.clone());
                            progressed = true;
                            *r.categories.entry(category(&d.message)).or_default() += 1;
                            let call = synth
                                .operations
                                .iter()
                                .find(|(k, _)| k == op)
                                .and_then(|(_, e)| e["call"].as_str().map(str::to_string))
                                .unwrap_or_default();
                            let pointer = spec
                                .operations
                                .get(&call)
                                .map(|o| {
                                    format!(
                                        "#/paths/{}/{}",
                                        crate::spec::refs::escape_pointer(&o.path),
                                        o.method
                                    )
                                })
                                .unwrap_or_default();
                            r.left_out.push((call, d.message.clone(), pointer));
                        }
                        Some(_) => {}
                        None => {
                            *r.categories.entry(category(&d.message)).or_default() += 1;
                        }
                    }
                }
                if !progressed {
                    r.load_error = Some(format!(
                        "cannot plan: {}",
                        e.diagnostics()
                            .first()
                            .map(|d| d.message.clone())
                            .unwrap_or_default()
                    ));
                    return r;
                }
            }
        }
    }
    r
}

/// (first line, operation) of every operation entry and response type entry in the mapping text.
fn owners(text: &str, synth: &synth::Synthesized) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut section = "";
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("  \"") {
            section = if line.starts_with("  \"operations\"") {
                "operations"
            } else if line.starts_with("  \"types\"") {
                "types"
            } else {
                ""
            };
            continue;
        }
        if let Some(rest) = line.strip_prefix("    \"") {
            let key = rest.split('"').next().unwrap_or_default().to_string();
            match section {
                "operations" => out.push((i + 1, key)),
                "types" => out.push((i + 1, synth.type_owner.get(&key).cloned().unwrap_or(key))),
                _ => {}
            }
        }
    }
    out
}

/// The port without the methods of dropped operations (their structs stay: unused is fine).
pub fn prune_port(port: &str, dropped: &BTreeSet<String>) -> String {
    let Ok(mut file) = syn::parse_file(port) else {
        return port.to_string();
    };
    for item in &mut file.items {
        if let syn::Item::Trait(t) = item {
            t.items.retain(|i| !matches!(i, syn::TraitItem::Fn(f) if dropped.contains(&f.sig.ident.to_string())));
        }
    }
    prettyplease::unparse(&file)
}

/// Every `*.json`/`*.yaml` spec under `dir`, sorted.
pub fn list_specs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .is_some_and(|x| x == "json" || x == "yaml" || x == "yml")
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A deterministic sample: every `len/n`-th spec.
pub fn sample<T>(items: &[T], n: usize) -> Vec<usize> {
    if items.is_empty() || n == 0 {
        return Vec::new();
    }
    let step = (items.len() as f64 / n.min(items.len()) as f64).max(1.0);
    (0..n.min(items.len()))
        .map(|i| ((i as f64) * step) as usize)
        .collect()
}
