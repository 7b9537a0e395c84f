//! The compile property over real specs: every domain-shaped mapping that `check`
//! accepts compiles under `#![deny(warnings)]` (issue 15, point 1).
//!
//! [`run`] shapes ports for a sample of specs ([`shaped`](super::shaped)), keeps those
//! the planner accepts, and builds them all in one workspace (dependencies build once).
//! `failed` must be zero; each failure names the spec, the operation and the seed, and its
//! crate stays on disk with the port and mapping beside the generated code.

use super::SpecResult;
use super::shaped::{Shaped, shape};
use crate::load::mapping::Mapping;
use crate::load::openapi::Spec;
use crate::load::port::Port;
use std::path::{Path, PathBuf};

/// The figures of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Property {
    /// Specs in the sample.
    pub specs: usize,
    /// Mappings drawn.
    pub drawn: usize,
    /// Mappings `check` accepted.
    pub accepted: usize,
    /// Accepted mappings whose generated code compiled.
    pub compiled: usize,
    /// Accepted mappings whose generated code did not compile: (spec, operation, crate dir).
    pub failed: Vec<(String, String, PathBuf)>,
}

impl std::fmt::Display for Property {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "compile property: {} specs, {} domain-shaped mappings drawn, {} accepted by check, {} compiled, {} failed",
            self.specs,
            self.drawn,
            self.accepted,
            self.compiled,
            self.failed.len()
        )
    }
}

/// Plans and renders one shaped mapping: the generated code, or the first diagnostic.
pub fn generate(spec: &Spec, shaped: &Shaped) -> Result<String, String> {
    let mapping = Mapping::from_bytes(Path::new("shaped.yaml"), shaped.mapping.as_bytes())
        .map_err(|e| e.to_string())?;
    let at = (
        Path::new("shaped.yaml"),
        crate::error::Span { line: 1, col: 1 },
    );
    let port =
        Port::parse(Path::new("domain.rs"), &shaped.port, "Api", at).map_err(|e| e.to_string())?;
    let plan = crate::plan::build(spec, &mapping, &port).map_err(|e| e.to_string())?;
    crate::emit::rust::render(&plan).map_err(|e| e.to_string())
}

/// Runs the property over `specs` (`per_spec` operations each, drawn with `seed`),
/// compiling in `ws` against the runtime crate at `runtime`.
pub fn run(
    specs: &[PathBuf],
    per_spec: usize,
    seed: u64,
    ws: &Path,
    runtime: &Path,
) -> std::io::Result<Property> {
    let mut p = Property {
        specs: specs.len(),
        ..Property::default()
    };
    let mut results: Vec<SpecResult> = Vec::new();
    let mut sources: Vec<(String, Shaped)> = Vec::new();
    for path in specs {
        let name = path.display().to_string();
        let drawn = std::panic::catch_unwind(|| {
            let spec = Spec::load(path).ok()?;
            let shaped = shape(&spec, seed, per_spec);
            Some(
                shaped
                    .into_iter()
                    .map(|s| {
                        let code = generate(&spec, &s).ok();
                        (s, code)
                    })
                    .collect::<Vec<_>>(),
            )
        });
        let Ok(Some(drawn)) = drawn else { continue };
        for (s, code) in drawn {
            p.drawn += 1;
            if let Some(code) = code {
                p.accepted += 1;
                results.push(SpecResult {
                    name: format!("{name} {}", s.operation),
                    code: Some((s.port.clone(), code)),
                    ..SpecResult::default()
                });
                sources.push((name.clone(), s));
            }
        }
    }
    let mut refs: Vec<&mut SpecResult> = results.iter_mut().collect();
    super::compile::compile(&mut refs, ws, runtime)?;
    for (i, (r, (spec, s))) in results.iter().zip(&sources).enumerate() {
        if r.compiled == Some(true) {
            p.compiled += 1;
        } else {
            let dir = ws.join("crates").join(format!("c{i:04}"));
            // The mapping beside the crate, to reproduce the failure with `portcullis check`.
            let _ = std::fs::write(dir.join("mapping.yaml"), &s.mapping);
            p.failed.push((spec.clone(), s.operation.clone(), dir));
        }
    }
    Ok(p)
}
