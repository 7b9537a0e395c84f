//! The mapping file: how a domain port is implemented on top of a vendor.
//!
//! The file is YAML (format described key by key in `docs/mapping.md`). [`model`]
//! holds what it says, as plain types with spans; `decode` reads it from the spanned
//! YAML tree, one file per section.

mod decode;
pub mod model;
pub mod schema;
pub mod webhooks;

pub(crate) use decode::gaps::fold as fold_gaps;
pub use decode::parse_duration;
pub use model::*;
pub use webhooks::{Envelope, EventMap, Signature, Unknown, Webhooks};
