//! The README's build.rs, used exactly as written, prints a broken mapping's diagnostics
//! as `portcullis check` does, not a `Debug` dump: a crate with that build.rs and a
//! mapping with a mistake is built with cargo, and its build output is read.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The README's `// build.rs` block, as written there.
fn readme_build_rs() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let start = readme
        .find("```rust\n// build.rs\n")
        .expect("the README has a build.rs block");
    let body = &readme[start + "```rust\n".len()..];
    let end = body.find("```").expect("the block ends");
    body[..end].to_string()
}

fn copy(from: &Path, to: &Path) {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).expect("dir");
    }
    std::fs::copy(from, to).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
}

/// The workspace's target directory, where the crate's own build is kept between runs
/// (a subfolder, so it never waits for the lock of the build running this test).
fn target_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    target.join("readme-build-script")
}

#[test]
fn the_readme_build_script_prints_diagnostics_like_check() {
    let _heavy = crate::HEAVY.blocking_lock();
    let build_rs = readme_build_rs();
    assert!(
        build_rs.contains(".mapping(\"mappings/stripe.yaml\")"),
        "{build_rs}"
    );
    let dir = std::env::temp_dir().join(format!("portcullis-build-rs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // The layout the README's mapping expects: mappings/, specs/, the port.
    copy(
        &root().join("specs/stripe/payments.json"),
        &dir.join("specs/stripe/payments.json"),
    );
    copy(
        &root().join("examples/checkout/src/domain.rs"),
        &dir.join("examples/checkout/src/domain.rs"),
    );
    copy(&root().join("Cargo.lock"), &dir.join("Cargo.lock"));
    let mapping = std::fs::read_to_string(root().join("mappings/stripe.yaml")).expect("mapping");
    let broken = mapping.replacen("succeeded: Paid", "succeeded: Payed", 1);
    assert_ne!(broken, mapping);
    let line = broken
        .lines()
        .position(|l| l.contains("succeeded: Payed"))
        .map(|i| i + 1)
        .expect("line");
    let col = broken
        .lines()
        .nth(line - 1)
        .and_then(|l| l.find("Payed"))
        .expect("col")
        + 1;
    std::fs::create_dir_all(dir.join("mappings")).expect("dir");
    std::fs::write(dir.join("mappings/stripe.yaml"), broken).expect("mapping");
    std::fs::create_dir_all(dir.join("src")).expect("dir");
    std::fs::write(
        dir.join("src/lib.rs"),
        "//! Never compiled: the build script fails.\n",
    )
    .expect("lib");
    std::fs::write(dir.join("build.rs"), &build_rs).expect("build.rs");
    let codegen = root().join("codegen");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"readme-build-script\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[build-dependencies]\nportcullis-codegen = {{ path = {:?} }}\n\n[workspace]\n",
            codegen.display().to_string()
        ),
    )
    .expect("Cargo.toml");

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--offline", "--quiet", "--target-dir"])
        .arg(target_dir())
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env("CARGO_INCREMENTAL", "0")
        .output()
        .expect("cargo runs");
    std::fs::remove_dir_all(&dir).ok();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the build fails:\n{stderr}");
    let error =
        format!("error: mappings/stripe.yaml:{line}:{col}: PaymentStatus has no variant 'Payed'");
    let lines: Vec<&str> = stderr.lines().map(str::trim_end).collect();
    assert!(
        lines.iter().any(|l| l.ends_with(&error)),
        "{error}\nin:\n{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.trim_start() == "help: did you mean 'Paid'?"),
        "{stderr}"
    );
    assert!(
        lines.iter().any(|l| l.trim_start() == "1 error found"),
        "{stderr}"
    );
    assert!(!stderr.contains("Diagnostic {"), "{stderr}");
    assert!(!stderr.contains("Invalid("), "{stderr}");
}
