//! Portcullis generates the adapter between your domain and a vendor's HTTP API.
//!
//! Three inputs go in: the vendor's OpenAPI spec, a mapping file (YAML, reviewed in pull
//! requests), and your domain port (a Rust trait, read with `syn`). They are checked
//! against each other, turned into a [`plan::Plan`], and emitted as one Rust file that
//! implements your trait on top of `portcullis-runtime`.
//!
//! # From build.rs
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     portcullis_codegen::Builder::new()
//!         .mapping("../../mappings/stripe.yaml")
//!         .generate()?;
//!     Ok(())
//! }
//! ```
//!
//! ```text
//! // src/lib.rs — the mapping's `implements.module` is `crate::domain`
//! pub mod domain;
//! pub mod stripe {
//!     include!(concat!(env!("OUT_DIR"), "/stripe_gateway.rs"));
//! }
//! ```
//!
//! A mistake in the mapping fails the build with diagnostics that name the mapping
//! file, line and column, and the nearest valid name; it never surfaces as a rustc
//! error inside generated code.
//!
//! # Modules, in pipeline order
//!
//! * [`load`]: read the spec ([`load::openapi`]), the mapping ([`load::mapping`]), the port ([`load::port`]).
//! * [`spec`]: the one view of a loaded spec: `$ref`s, media types, success responses, schema views.
//! * [`plan`]: validate the three against each other and build the plan (the one seam).
//! * [`emit`]: render the plan as Rust (and, on request, its contract tests).
//! * [`trim`]: the minimal spec a mapping needs, for `specs/`.
//! * [`scaffold`]: a starting mapping for a port and a spec, with marked gaps.
//! * [`ident`]: identifier sanitising.
//! * [`error`]: the diagnostics, each naming its file, place and fix.

pub mod builder;
pub mod corpus;
pub mod diff;
pub mod emit;
pub mod error;
pub mod ident;
pub mod load;
pub mod plan;
pub mod scaffold;
pub mod spec;
pub mod trim;

pub use builder::{Builder, Generated, check, generate_one};
pub use error::{Diagnostic, Error};
