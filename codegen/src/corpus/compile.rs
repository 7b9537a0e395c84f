//! Compiling a sample of generated adapters under `deny(warnings)`, as one workspace of
//! small crates sharing a target directory (dependencies build once).

use super::SpecResult;
use std::io::BufRead as _;
use std::path::Path;
use std::process::{Command, Stdio};

/// Writes one crate per result with code into `ws`, builds them, and sets `compiled`.
pub fn compile(results: &mut [&mut SpecResult], ws: &Path, runtime: &Path) -> std::io::Result<()> {
    let crates = ws.join("crates");
    std::fs::create_dir_all(&crates)?;
    let mut members = Vec::new();
    for (i, r) in results.iter().enumerate() {
        let Some((port, code)) = &r.code else {
            continue;
        };
        let name = format!("c{i:04}");
        let dir = crates.join(&name);
        std::fs::create_dir_all(dir.join("src"))?;
        std::fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\nportcullis-runtime = {{ path = {:?} }}\n",
                runtime.display().to_string()
            ),
        )?;
        std::fs::write(
            dir.join("src/lib.rs"),
            format!(
                "//! {}\n#![deny(warnings)]\n\npub mod domain;\n\npub mod adapter {{\n    include!(\"adapter.rs\");\n}}\n",
                r.name
            ),
        )?;
        std::fs::write(dir.join("src/domain.rs"), port)?;
        std::fs::write(dir.join("src/adapter.rs"), code)?;
        members.push(format!("\"crates/{name}\""));
    }
    std::fs::write(
        ws.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )?;
    let mut child = Command::new("cargo")
        .args([
            "build",
            "--workspace",
            "--keep-going",
            "--message-format=json",
            "--quiet",
        ])
        .current_dir(ws)
        // A sample is built once: incremental artefacts (about 50 MB per adapter, 21 GB
        // for 400) would never be reused, only fill the disk.
        .env("CARGO_INCREMENTAL", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut built = std::collections::BTreeSet::new();
    if let Some(out) = child.stdout.take() {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if v["reason"] == "compiler-artifact" {
                if let Some(n) = v["target"]["name"].as_str() {
                    built.insert(n.to_string());
                }
            }
        }
    }
    child.wait()?;
    for (i, r) in results.iter_mut().enumerate() {
        if r.code.is_some() {
            r.compiled = Some(built.contains(&format!("c{i:04}")));
        }
    }
    Ok(())
}
