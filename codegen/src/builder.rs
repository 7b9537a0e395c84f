//! [`Builder`]: generating adapters from `build.rs`, the way prost-build does.

use crate::emit;
use crate::error::{Diagnostic, Diagnostics, Error};
use crate::load::mapping::Mapping;
use crate::load::openapi::Spec;
use crate::load::port::Port;
use crate::plan::{self, Plan};
use std::path::{Path, PathBuf};

/// Generates adapters from mapping files.
///
/// # Examples
///
/// In `build.rs`:
///
/// ```no_run
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     portcullis_codegen::Builder::new()
///         .mapping("../mappings/stripe.yaml")
///         .generate()?;
///     Ok(())
/// }
/// ```
///
/// and in the crate, next to the domain module the mapping names:
///
/// ```text
/// mod stripe {
///     include!(concat!(env!("OUT_DIR"), "/stripe_gateway.rs"));
/// }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Builder {
    mappings: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    cargo_metadata: bool,
    contract: Option<emit::contract::ContractOptions>,
    dispatcher: Option<String>,
}

/// One generated adapter.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The validated plan it was emitted from.
    pub plan: Plan,
    /// The file name inside the output directory, e.g. `stripe_gateway.rs`.
    pub file_name: String,
    /// The Rust source.
    pub code: String,
    /// The files it was generated from (spec, mapping, port), for rerun-if-changed.
    pub inputs: Vec<PathBuf>,
}

impl Builder {
    /// A builder with no mappings, writing to `$OUT_DIR`, printing cargo directives.
    ///
    /// ```
    /// let b = portcullis_codegen::Builder::new();
    /// ```
    pub fn new() -> Self {
        Builder {
            mappings: Vec::new(),
            out_dir: None,
            cargo_metadata: true,
            contract: None,
            dispatcher: None,
        }
    }

    /// Adds a mapping file to generate.
    ///
    /// ```
    /// let mut b = portcullis_codegen::Builder::new();
    /// b.mapping("mappings/stripe.yaml").mapping("mappings/square.yaml");
    /// ```
    pub fn mapping(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.mappings.push(path.into());
        self
    }

    /// Where generated files go (default: the `OUT_DIR` cargo sets for build scripts).
    ///
    /// ```
    /// let mut b = portcullis_codegen::Builder::new();
    /// b.out_dir("target/generated");
    /// ```
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Whether to print `cargo:rerun-if-changed` lines (default: true).
    ///
    /// ```
    /// let mut b = portcullis_codegen::Builder::new();
    /// b.cargo_metadata(false);
    /// ```
    pub fn cargo_metadata(&mut self, on: bool) -> &mut Self {
        self.cargo_metadata = on;
        self
    }

    /// Appends contract tests to every generated adapter (default: off): a
    /// `#[cfg(test)] mod contract_tests` that serves the spec's examples (or samples
    /// synthesised from its schemas) from a mock vendor, validates the requests the
    /// adapter sends, and checks that drifted responses fail as contract errors. They
    /// run with the crate's own `cargo test`; see docs/contract-tests.md.
    ///
    /// ```
    /// let mut b = portcullis_codegen::Builder::new();
    /// b.mapping("mappings/stripe.yaml").contract_tests(true);
    /// ```
    pub fn contract_tests(&mut self, on: bool) -> &mut Self {
        self.contract = on.then(|| self.contract.take().unwrap_or_default());
        self
    }

    /// Where the contract tests find cassettes, relative to the crate's
    /// `CARGO_MANIFEST_DIR`: `<dir>/<adapter>/<operation>.json` is replayed when it
    /// exists, and recorded by the ignored `record` test. Turns contract tests on.
    ///
    /// ```
    /// let mut b = portcullis_codegen::Builder::new();
    /// b.mapping("mappings/stripe.yaml").cassettes("tests/cassettes");
    /// ```
    pub fn cassettes(&mut self, dir: impl Into<String>) -> &mut Self {
        let dir = dir.into().trim_matches('/').to_owned();
        self.contract = Some(emit::contract::ContractOptions {
            cassettes: Some(dir),
        });
        self
    }

    /// Also emits a dispatcher named `type_name` over every mapping of this builder
    /// (they must implement the same port): an enum implementing the port that holds
    /// any one of the adapters, chosen at start-up by name (the mapping file's stem,
    /// `stripe` for `stripe.yaml`) with `from_name`, or from the environment variable
    /// named after the type (`PAYMENT_PROVIDER` for `PaymentProvider`) with
    /// `from_env`. When the mappings have `webhooks:`, `<type_name>Events` chooses
    /// their decoders by the same names.
    ///
    /// Its file (`payment_provider.rs`) includes the adapters' files, so the service
    /// includes that one file and names no vendor; adding a provider is a mapping, a
    /// trimmed spec and one `.mapping(..)` line.
    ///
    /// ```
    /// let mut b = portcullis_codegen::Builder::new();
    /// b.mapping("mappings/stripe.yaml")
    ///     .mapping("mappings/square.yaml")
    ///     .dispatcher("PaymentProvider");
    /// ```
    ///
    /// ```text
    /// pub mod payments {
    ///     include!(concat!(env!("OUT_DIR"), "/payment_provider.rs"));
    /// }
    /// let gateway = payments::PaymentProvider::from_env(|config| config)?;
    /// ```
    pub fn dispatcher(&mut self, type_name: impl Into<String>) -> &mut Self {
        self.dispatcher = Some(type_name.into());
        self
    }

    /// Generates every mapping and writes each file whose content changed.
    pub fn generate(&self) -> Result<Vec<Generated>, Error> {
        let out_dir = match &self.out_dir {
            Some(d) => d.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| {
                    Error::Builder("OUT_DIR is not set; call .out_dir(..) outside build.rs".into())
                })?,
        };
        std::fs::create_dir_all(&out_dir).map_err(|source| Error::Io {
            path: out_dir.clone(),
            source,
        })?;
        let mut all = Vec::new();
        for m in &self.mappings {
            let g = match &self.contract {
                Some(options) => generate_with_contract_tests(m, options),
                None => generate_one(m),
            };
            if self.cargo_metadata {
                // Even a failed generation must rerun when the user fixes the inputs.
                let inputs = match &g {
                    Ok(g) => g.inputs.clone(),
                    Err(_) => inputs_of(m),
                };
                for i in inputs {
                    println!("cargo:rerun-if-changed={}", i.display());
                }
            }
            let g = g?;
            if self.cargo_metadata {
                for w in &g.plan.warnings {
                    // One line each: cargo shows a `cargo:warning` up to its newline.
                    println!("cargo:warning={}", w.as_warning().replace('\n', " "));
                }
            }
            write_if_changed(&out_dir.join(&g.file_name), &g.code)?;
            let docs = documents(&g.plan)?;
            write_if_changed(&out_dir.join(&docs.report_file), &docs.report)?;
            write_if_changed(&out_dir.join(&docs.alerts_file), &docs.alerts)?;
            all.push(g);
        }
        if let Some(type_name) = &self.dispatcher {
            let named: Vec<(String, &Generated)> = self
                .mappings
                .iter()
                .zip(&all)
                .map(|(m, g)| (mapping_name(m), g))
                .collect();
            let (file_name, code) = render_dispatcher(type_name, &named)?;
            write_if_changed(&out_dir.join(file_name), &code)?;
        }
        Ok(all)
    }
}

/// The name configuration uses for a mapping: its file's stem (`stripe` for
/// `mappings/stripe.yaml`).
fn mapping_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The dispatcher `type_name` over `adapters` (each with the name configuration uses
/// for it): its file name and code, without writing anything ([`Builder::dispatcher`]
/// writes it).
///
/// ```no_run
/// let stripe = portcullis_codegen::generate_one("mappings/stripe.yaml".as_ref())?;
/// let square = portcullis_codegen::generate_one("mappings/square.yaml".as_ref())?;
/// let (file, code) = portcullis_codegen::builder::render_dispatcher(
///     "PaymentProvider",
///     &[("stripe".into(), &stripe), ("square".into(), &square)],
/// )?;
/// assert_eq!(file, "payment_provider.rs");
/// assert!(code.contains("pub enum PaymentProvider"));
/// # Ok::<(), portcullis_codegen::Error>(())
/// ```
pub fn render_dispatcher(
    type_name: &str,
    adapters: &[(String, &Generated)],
) -> Result<(String, String), Error> {
    let members: Vec<(String, &Plan, String)> = adapters
        .iter()
        .map(|(name, g)| (name.clone(), &g.plan, g.file_name.clone()))
        .collect();
    let plan = plan::dispatch::build(type_name, &members)?;
    let code = emit::rust::dispatch::render(&plan)?;
    let file_name = format!(
        "{}.rs",
        crate::ident::snake(type_name).trim_start_matches("r#")
    );
    Ok((file_name, code))
}

/// Loads, validates, plans and emits one mapping without writing anything.
pub fn generate_one(mapping_path: &Path) -> Result<Generated, Error> {
    let (plan, inputs) = check(mapping_path)?;
    let code = emit::rust::render(&plan)?;
    let file_name = format!(
        "{}.rs",
        crate::ident::snake(&plan.adapter).trim_start_matches("r#")
    );
    Ok(Generated {
        plan,
        file_name,
        code,
        inputs,
    })
}

/// Like [`generate_one`], with the adapter's contract tests appended to its code.
///
/// ```no_run
/// use portcullis_codegen::emit::contract::ContractOptions;
/// let g = portcullis_codegen::builder::generate_with_contract_tests(
///     "mappings/stripe.yaml".as_ref(),
///     &ContractOptions::default(),
/// )?;
/// assert!(g.code.contains("mod contract_tests"));
/// # Ok::<(), portcullis_codegen::Error>(())
/// ```
pub fn generate_with_contract_tests(
    mapping_path: &Path,
    options: &emit::contract::ContractOptions,
) -> Result<Generated, Error> {
    let (mapping, gaps) = Mapping::load_with_gaps(mapping_path)?;
    let (plan, inputs, spec, port) = with_gaps(load_all(&mapping, None), &gaps)?;
    let mut code = emit::rust::render(&plan)?;
    let contract = plan::contract::build(&plan, &spec, &port);
    code.push('\n');
    code.push_str(&emit::contract::render(&plan, &contract, options)?);
    Ok(Generated {
        file_name: format!("{}.rs", file_stem(&plan)),
        plan,
        code,
        inputs,
    })
}

/// The documents generated next to an adapter's code, for people and for Prometheus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Documents {
    /// File name of the integration report, e.g. `stripe_gateway.INTEGRATION.md`.
    pub report_file: String,
    /// The integration report (Markdown): every call's policies, defaults called out.
    pub report: String,
    /// File name of the alert rules, e.g. `stripe_gateway.alerts.yaml`.
    pub alerts_file: String,
    /// Prometheus alerting rules for the adapter's metrics.
    pub alerts: String,
}

/// Renders the integration report and the alert rules of a planned adapter, without
/// writing anything; [`Builder::generate`] writes them next to the Rust file.
///
/// ```no_run
/// let g = portcullis_codegen::generate_one("mappings/stripe.yaml".as_ref())?;
/// let docs = portcullis_codegen::builder::documents(&g.plan)?;
/// assert_eq!(docs.report_file, "stripe_gateway.INTEGRATION.md");
/// # Ok::<(), portcullis_codegen::Error>(())
/// ```
pub fn documents(plan: &Plan) -> Result<Documents, Error> {
    let stem = file_stem(plan);
    Ok(Documents {
        report_file: format!("{stem}.INTEGRATION.md"),
        report: emit::report::render(plan)?,
        alerts_file: format!("{stem}.alerts.yaml"),
        alerts: emit::alerts::render(plan)?,
    })
}

/// The adapter's name as generated files are named: `stripe_gateway`.
fn file_stem(plan: &Plan) -> String {
    crate::ident::snake(&plan.adapter)
        .trim_start_matches("r#")
        .to_string()
}

/// Loads and validates one mapping: the plan, and the input files it read.
///
/// A mapping with gaps (`# FIXME` lines, as `portcullis scaffold` leaves them) fails
/// with one diagnostic per gap, and with everything wrong at other lines.
pub fn check(mapping_path: &Path) -> Result<(Plan, Vec<PathBuf>), Error> {
    check_file(mapping_path, None)
}

/// [`check`], optionally against another spec than the one the mapping names (the full
/// vendor spec, as `portcullis generate --spec` and `portcullis trim` use).
///
/// ```no_run
/// let full = std::path::Path::new("stripe.com.json");
/// let (plan, _) = portcullis_codegen::builder::check_file("mappings/stripe.yaml".as_ref(), Some(full))?;
/// # Ok::<(), portcullis_codegen::Error>(())
/// ```
pub fn check_file(
    mapping_path: &Path,
    spec_override: Option<&Path>,
) -> Result<(Plan, Vec<PathBuf>), Error> {
    let (mapping, gaps) = Mapping::load_with_gaps(mapping_path)?;
    with_gaps(check_with_spec(&mapping, spec_override), &gaps)
}

/// A result, failed when there are gaps: the gaps, and what else is wrong away from them.
fn with_gaps<T>(result: Result<T, Error>, gaps: &[Diagnostic]) -> Result<T, Error> {
    if gaps.is_empty() {
        return result;
    }
    match result {
        Ok(_) => Err(Error::Invalid(Diagnostics(gaps.to_vec()))),
        Err(Error::Invalid(found)) => Err(Error::Invalid(Diagnostics(
            crate::load::mapping::fold_gaps(gaps, &found.0),
        ))),
        Err(other) => Err(other),
    }
}

/// Validates a decoded mapping, optionally against another spec than the one it names.
pub fn check_with_spec(
    mapping: &Mapping,
    spec_override: Option<&Path>,
) -> Result<(Plan, Vec<PathBuf>), Error> {
    check_with_specs(mapping, spec_override, None)
}

/// [`check_with_spec`], also with another document for `webhooks.spec` than the one the
/// mapping names (the vendor's full webhook document, as `portcullis trim` uses).
pub fn check_with_specs(
    mapping: &Mapping,
    spec_override: Option<&Path>,
    webhooks_override: Option<&Path>,
) -> Result<(Plan, Vec<PathBuf>), Error> {
    let (plan, inputs, _, _) = load_all_with(mapping, spec_override, webhooks_override)?;
    Ok((plan, inputs))
}

/// The plan, its input files, and the loaded spec and port (contract tests read the
/// spec's examples and the port's types, which the plan does not carry).
fn load_all(
    mapping: &Mapping,
    spec_override: Option<&Path>,
) -> Result<(Plan, Vec<PathBuf>, Spec, Port), Error> {
    load_all_with(mapping, spec_override, None)
}

fn load_all_with(
    mapping: &Mapping,
    spec_override: Option<&Path>,
    webhooks_override: Option<&Path>,
) -> Result<(Plan, Vec<PathBuf>, Spec, Port), Error> {
    let dir = mapping.dir();
    let files = InputFiles::of(mapping, spec_override, webhooks_override);
    let spec = Spec::load_with_overlays(&files.spec, &files.overlays).map_err(|e| match e {
        Error::Io { path, source } if path == files.spec => Error::one(
            Diagnostic::new(
                &mapping.path,
                Some(mapping.spec.span),
                format!("cannot read the spec {}: {source}", path.display()),
            )
            .help("`spec:` is relative to the mapping file"),
        ),
        Error::Io { path, source } => {
            let span = mapping
                .overlays
                .iter()
                .find(|o| dir.join(&o.value) == path)
                .map(|o| o.span);
            Error::one(
                Diagnostic::new(
                    &mapping.path,
                    span,
                    format!("cannot read the overlay {}: {source}", path.display()),
                )
                .help("`overlays:` are relative to the mapping file"),
            )
        }
        other => other,
    })?;
    // A vendor that publishes its event schemas apart: they join the API's for planning.
    let spec = match (
        mapping.webhooks.as_ref().and_then(|w| w.spec.as_ref()),
        &files.webhooks,
    ) {
        (Some(named), Some(path)) => {
            let events = Spec::load(path).map_err(|e| match e {
                Error::Io { path, source } => Error::one(
                    Diagnostic::new(
                        &mapping.path,
                        Some(named.span),
                        format!("cannot read the webhook spec {}: {source}", path.display()),
                    )
                    .help("`webhooks.spec` is relative to the mapping file"),
                ),
                other => other,
            })?;
            spec.with_schemas_of(&events)?
        }
        _ => spec,
    };
    let port = Port::load(
        &files.port,
        &mapping.implements.port.value,
        (&mapping.path, mapping.implements.port.span),
    )?;
    let plan = plan::build(&spec, mapping, &port)?;
    check_mismatches(mapping, &plan, &spec, &port)?;
    Ok((plan, files.all(mapping), spec, port))
}

/// The files a mapping is generated from, as it names them (or as overridden).
struct InputFiles {
    spec: PathBuf,
    overlays: Vec<PathBuf>,
    /// The webhook event schemas, when `webhooks.spec` names a document of their own.
    webhooks: Option<PathBuf>,
    port: PathBuf,
    /// The port crate's sources (`src/`), which `check` reads for the signatures of
    /// `via:` functions: a changed function must rerun the check, or its mistake would
    /// be rustc's, in generated code.
    sources: Option<PathBuf>,
}

impl InputFiles {
    fn of(
        mapping: &Mapping,
        spec_override: Option<&Path>,
        webhooks_override: Option<&Path>,
    ) -> InputFiles {
        let dir = mapping.dir();
        let port = dir.join(&mapping.implements.source.value);
        InputFiles {
            spec: spec_override.map_or_else(|| dir.join(&mapping.spec.value), Path::to_path_buf),
            overlays: mapping.overlay_paths(),
            webhooks: mapping
                .webhooks
                .as_ref()
                .and_then(|w| w.spec.as_ref())
                .map(|named| {
                    webhooks_override.map_or_else(|| dir.join(&named.value), Path::to_path_buf)
                }),
            sources: crate::plan::via::crate_root(&port, &mapping.implements.module.value),
            port,
        }
    }

    /// Every one of them, the mapping first: what a build reruns on.
    fn all(self, mapping: &Mapping) -> Vec<PathBuf> {
        let mut all = vec![mapping.path.clone(), self.spec];
        all.extend(self.overlays);
        all.extend(self.webhooks);
        all.push(self.port);
        all.extend(self.sources);
        all
    }
}

/// What a generation that failed was made from, as far as the mapping still tells:
/// fixing any of them (the port, a `via:` function, the spec) must rerun the build.
fn inputs_of(mapping_path: &Path) -> Vec<PathBuf> {
    match Mapping::load(mapping_path) {
        Ok(mapping) => InputFiles::of(&mapping, None, None).all(&mapping),
        Err(_) => vec![mapping_path.to_path_buf()],
    }
}

/// Each declared `contract.mismatches` key names an example of its operation's
/// responses (`"<status> <example name>"`), so a renamed or removed example is noticed.
fn check_mismatches(mapping: &Mapping, plan: &Plan, spec: &Spec, port: &Port) -> Result<(), Error> {
    if mapping.operations.iter().all(|o| o.mismatches.is_empty()) {
        return Ok(());
    }
    let contract = plan::contract::build(plan, spec, port);
    let mut found = Vec::new();
    for om in &mapping.operations {
        let Some(oc) = contract
            .operations
            .iter()
            .find(|c| c.method == om.method.value)
        else {
            continue;
        };
        let names: Vec<String> = oc
            .responses
            .iter()
            .map(|(status, ex)| format!("{status} {}", ex.name))
            .collect();
        for (key, _) in &om.mismatches {
            if !names.contains(&key.value) {
                found.push(
                    Diagnostic::new(
                        &mapping.path,
                        Some(key.span),
                        format!(
                            "'{}' is not an example of {}'s responses",
                            key.value, om.call.value
                        ),
                    )
                    .help(format!(
                        "name one as \"<status> <example name>\": {}",
                        names.join(", ")
                    )),
                );
            }
        }
    }
    if found.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(Diagnostics(found)))
    }
}

fn write_if_changed(path: &Path, content: &str) -> Result<(), Error> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == content) {
        return Ok(());
    }
    std::fs::write(path, content).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    /// A `via:` function lives in the port's crate: a build reruns when any of its
    /// sources change, so a broken signature is `check`'s error, not rustc's.
    #[test]
    fn a_build_watches_the_port_crate_sources() {
        let g = generate_one(&repo().join("mappings/govuk_pay.yaml")).expect("generates");
        let src = repo().join("mappings/../examples/checkout/src");
        assert!(g.inputs.contains(&src), "{:?}", g.inputs);
        assert!(g.inputs.contains(&src.join("domain.rs")), "{:?}", g.inputs);
    }

    /// A failed generation watches what the mapping names, so fixing the port, a
    /// `via:` function or the spec reruns the build; an unreadable mapping is still
    /// watched itself.
    #[test]
    fn a_failed_build_watches_what_the_mapping_names() {
        let dir = std::env::temp_dir().join(format!("portcullis-inputs-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).expect("dir");
        let mapping = dir.join("m.yaml");
        std::fs::write(
            &mapping,
            "adapter: A\nimplements: { port: P, source: src/domain.rs, module: crate::domain }\nspec: spec.json\noverlays: [fix.yaml]\nbase_url: https://x.example\noperations: {}\n",
        )
        .expect("mapping");
        let inputs = inputs_of(&mapping);
        assert_eq!(
            inputs,
            vec![
                mapping.clone(),
                dir.join("spec.json"),
                dir.join("fix.yaml"),
                dir.join("src/domain.rs"),
                dir.join("src"),
            ]
        );
        std::fs::write(&mapping, "adapter: [").expect("mapping");
        assert_eq!(inputs_of(&mapping), vec![mapping.clone()]);
        std::fs::remove_dir_all(&dir).ok();
    }
}
