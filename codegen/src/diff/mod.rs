//! `portcullis diff`: what a vendor's spec update means for one mapping.
//!
//! A vendor publishes a new version of its spec. Most of what changed does not touch the
//! adapter; a few changes might break it in production. This module finds the changes
//! that reach the *mapped surface* (the operations, parameters, request fields, response
//! fields, enum values and statuses the mapping uses), classifies each one, and points at
//! the mapping line it affects. Everything else is only counted.
//!
//! Classes describe what the adapter that is deployed today experiences once the vendor
//! ships the new version:
//!
//! * [`Class::Breaking`]: calls fail or read the wrong thing (a mapped field is gone, a
//!   type changed, a new required field is not sent, an enum value has nowhere to go).
//! * [`Class::Review`]: calls keep working, but a person should look (a new enum value
//!   lands in the catch-all, an arm can no longer match, a new success status).
//! * [`Class::Safe`]: nothing to do (a new optional request field, a new error status).
//!
//! Two sources feed the findings. The mapped surface of each spec is walked and compared
//! (`surface.rs`, `classify.rs`). Then the planner, which is what `portcullis check` runs,
//! validates the mapping against the new spec: a diagnostic the old spec did not cause is
//! a breaking finding at its mapping line unless a finding on that line already explains
//! it. So anything the planner would refuse is never reported as safe.
//!
//! # Examples
//!
//! ```no_run
//! use portcullis_codegen::diff;
//! use portcullis_codegen::load::mapping::Mapping;
//! use std::path::Path;
//!
//! let mapping = Mapping::load(Path::new("mappings/adyen.yaml"))?;
//! let report = diff::diff(
//!     &mapping,
//!     Path::new("specs/adyen/CheckoutService-v70.json"),
//!     Path::new("specs/adyen/CheckoutService-v71.json"),
//! )?;
//! print!("{}", report.text());
//! std::process::exit(if report.has_breaking() { 1 } else { 0 });
//! # Ok::<(), portcullis_codegen::Error>(())
//! ```

mod classify;
mod enums;
mod outside;
mod raw;
mod render;
mod response;
mod surface;
mod verdict;

use crate::error::{Error, Span};
use crate::load::mapping::Mapping;
use crate::load::openapi::Spec;
use crate::load::port::Port;
use std::path::{Path, PathBuf};

pub use outside::{Outside, Tally};

/// How much a change matters to the deployed adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Calls fail or read the wrong value once the vendor ships the change.
    Breaking,
    /// Calls keep working, but a person should look.
    Review,
    /// Nothing to do.
    Safe,
}

impl Class {
    /// The word used in reports: `breaking`, `review` or `safe`.
    ///
    /// ```
    /// assert_eq!(portcullis_codegen::diff::Class::Review.as_str(), "review");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Review => "review",
            Class::Safe => "safe",
        }
    }
}

/// What kind of change a finding is about; stable names for tooling (`--format json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Change {
    /// A mapped operation is gone.
    OperationRemoved,
    /// A mapped operation is still there under another operationId.
    OperationRenamed,
    /// A mapped field or parameter is gone.
    FieldRemoved,
    /// A mapped field or parameter is gone and a similar one of the same type appeared.
    FieldRenamed,
    /// A mapped field's type changed.
    TypeChanged,
    /// A mapped field's format changed (`string` became `string (date-time)`).
    FormatChanged,
    /// A request field or parameter became required.
    BecameRequired,
    /// A mapped response field may now be absent or null.
    BecameOptional,
    /// A field or parameter was added to a mapped request.
    FieldAdded,
    /// A vendor enum value was added to a mapped field.
    EnumValueAdded,
    /// A vendor enum value was removed from a mapped field.
    EnumValueRemoved,
    /// A vendor enum value an arm of a response `values:` maps was removed: the arm
    /// can no longer match (the deployed adapter still works).
    EnumArmDead,
    /// A success status of a mapped operation is gone.
    StatusRemoved,
    /// A status was added to a mapped operation.
    StatusAdded,
    /// A constraint a mapped request value is checked against changed (`maxLength`,
    /// `pattern`, a bound, `maxItems`).
    ConstraintChanged,
    /// The planner refuses the mapping against the new spec for a reason no other kind covers.
    Rejected,
}

impl Change {
    /// The kebab-case name used in JSON output.
    ///
    /// ```
    /// use portcullis_codegen::diff::Change;
    /// assert_eq!(Change::EnumValueAdded.as_str(), "enum-value-added");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Change::OperationRemoved => "operation-removed",
            Change::OperationRenamed => "operation-renamed",
            Change::FieldRemoved => "field-removed",
            Change::FieldRenamed => "field-renamed",
            Change::TypeChanged => "type-changed",
            Change::FormatChanged => "format-changed",
            Change::BecameRequired => "became-required",
            Change::BecameOptional => "became-optional",
            Change::FieldAdded => "field-added",
            Change::EnumValueAdded => "enum-value-added",
            Change::EnumValueRemoved => "enum-value-removed",
            Change::EnumArmDead => "enum-arm-dead",
            Change::StatusRemoved => "status-removed",
            Change::StatusAdded => "status-added",
            Change::ConstraintChanged => "constraint-changed",
            Change::Rejected => "rejected",
        }
    }
}

/// One change on the mapped surface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How much it matters.
    pub class: Class,
    /// What kind of change it is.
    pub change: Change,
    /// The mapping line it affects.
    pub span: Span,
    /// The port methods whose mapping it affects, comma-separated (a `types:` entry can
    /// serve several).
    pub operation: String,
    /// What changed, in one sentence.
    pub message: String,
    /// What to do about it, when there is something to say.
    pub help: Option<String>,
}

/// The title and version of one of the two specs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecInfo {
    /// The file.
    pub path: PathBuf,
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// sha256 of the file.
    pub sha256: String,
}

/// Everything `portcullis diff` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The mapping file.
    pub mapping: PathBuf,
    /// The spec the mapping is known to work with.
    pub old: SpecInfo,
    /// The vendor's new spec.
    pub new: SpecInfo,
    /// Changes on the mapped surface, in mapping order.
    pub findings: Vec<Finding>,
    /// Changes outside the mapped surface, counted.
    pub outside: Outside,
}

impl Report {
    /// True when any finding is breaking: `portcullis diff` then exits with status 1.
    pub fn has_breaking(&self) -> bool {
        self.findings.iter().any(|f| f.class == Class::Breaking)
    }

    /// How many findings are of this class.
    pub fn count(&self, class: Class) -> usize {
        self.findings.iter().filter(|f| f.class == class).count()
    }
}

/// Compares two versions of a vendor spec along the surface `mapping` uses.
///
/// The mapping must check against `old` (it is the version the adapter was built for);
/// otherwise its diagnostics are returned as the error.
pub fn diff(mapping: &Mapping, old: &Path, new: &Path) -> Result<Report, Error> {
    // The mapping's corrections apply to both versions: a fix the new version no
    // longer needs (its target is gone) is reported as the error it is.
    let overlays = mapping.overlay_paths();
    let old_spec = Spec::load_with_overlays(old, &overlays)?;
    let new_spec = Spec::load_with_overlays(new, &overlays)?;
    let port = Port::load(
        &mapping.dir().join(&mapping.implements.source.value),
        &mapping.implements.port.value,
        (&mapping.path, mapping.implements.port.span),
    )?;
    diff_loaded(mapping, &port, &old_spec, &new_spec)
}

/// [`diff`] over inputs already loaded.
pub fn diff_loaded(
    mapping: &Mapping,
    port: &Port,
    old: &Spec,
    new: &Spec,
) -> Result<Report, Error> {
    // The baseline must be sound, or every finding would be noise.
    crate::plan::build(old, mapping, port)?;
    let rejected = match crate::plan::build(new, mapping, port) {
        Ok(_) => Vec::new(),
        Err(Error::Invalid(d)) => d.0,
        Err(other) => return Err(other),
    };
    let before = surface::Surface::of(old, mapping, port);
    let after = surface::Surface::of(new, mapping, port);
    let mut findings = classify::compare(&before, &after, new);
    verdict::absorb_planner(&mut findings, mapping, &rejected);
    findings.sort_by(|a, b| {
        (a.span, a.class, a.change, &a.message, &a.operation).cmp(&(
            b.span,
            b.class,
            b.change,
            &b.message,
            &b.operation,
        ))
    });
    let findings = merge_shared(findings);
    let outside = outside::count(old, new, &before.operation_keys(), &after.operation_keys());
    Ok(Report {
        mapping: mapping.path.clone(),
        old: info(old),
        new: info(new),
        findings,
        outside,
    })
}

/// A `types:` entry read by several operations gives one finding per operation at the
/// same line; the reader wants it once, with every operation it affects.
fn merge_shared(sorted: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for f in sorted {
        match out.last_mut() {
            Some(last)
                if (
                    last.span,
                    last.class,
                    last.change,
                    &last.message,
                    &last.help,
                ) == (f.span, f.class, f.change, &f.message, &f.help) =>
            {
                if !last.operation.split(", ").any(|o| o == f.operation) {
                    last.operation = format!("{}, {}", last.operation, f.operation);
                }
            }
            _ => out.push(f),
        }
    }
    out
}

fn info(s: &Spec) -> SpecInfo {
    SpecInfo {
        path: s.path.clone(),
        title: s.api.info.title.clone(),
        version: s.api.info.version.clone(),
        sha256: s.sha256.clone(),
    }
}
