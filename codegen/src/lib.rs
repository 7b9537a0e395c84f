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
//! * [`builder`]: the entry point: [`Builder`] for build.rs, [`generate_one`], [`check`].
//! * [`load`]: read the three inputs: the spec ([`load::openapi`], 3.1 rewritten to 3.0 by
//!   `normalize`), the mapping ([`load::mapping`]: its model and its YAML decoding), the
//!   port ([`load::port`], with `syn`).
//! * [`spec`]: the one view of a loaded spec: `$ref`s, media types, success responses,
//!   schema views; every module below asks the spec its questions here.
//! * [`plan`]: validate the three against each other and build the plan, the one seam:
//!   one file per noun (auth, policies, params, body, responses, errors, wire types,
//!   converters), and the contract tests' own plan.
//! * [`emit`]: render the plan: the adapter as Rust ([`emit::rust`]), its contract tests
//!   ([`emit::contract`]), INTEGRATION.md ([`emit::report`]) and alert rules
//!   ([`emit::alerts`]).
//!
//! Tools around the pipeline, each behind a `portcullis` subcommand (crate
//! `portcullis-cli`):
//!
//! * [`scaffold`]: a starting mapping for a port and a spec, with marked gaps.
//! * [`trim`]: the minimal spec a mapping needs, for `specs/`.
//! * [`diff`]: what a vendor's spec update means for one mapping.
//! * [`corpus`]: the generator run over a directory of public specs.
//!
//! Shared by all: [`ident`] (identifier sanitising) and [`error`] (the diagnostics, each
//! naming its file, place and fix).

// In pipeline order, as listed above (one per group, so rustfmt keeps the order).
pub mod builder;

pub mod load;

pub mod spec;

pub mod plan;

pub mod emit;

pub mod scaffold;

pub mod trim;

pub mod diff;

pub mod corpus;

pub mod ident;

pub mod error;

pub use builder::{Builder, Generated, check, generate_one};
pub use error::{Diagnostic, Error};
