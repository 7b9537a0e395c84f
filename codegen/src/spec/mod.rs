//! One view of a vendor spec: every question about the document is answered here, once.
//!
//! [`crate::load::openapi`] reads the document; this module answers what the planner,
//! the contract-test samples, `diff`, `trim`, `scaffold` and the corpus runner ask of it,
//! so that two of them can never disagree about what a `$ref` points at, which media
//! type is JSON, or which responses are successes.
//!
//! * [`refs`]: `$ref`s and JSON pointers, over the raw document and the typed one.
//! * [`media`]: media types (JSON, form, multipart).
//! * [`responses`]: response statuses and the success responses of an operation.
//! * [`view`]: a schema with `$ref`s, `allOf` and one-variant unions resolved.
//! * [`conform`]: whether a JSON value is what a schema describes.

pub mod conform;
pub mod media;
pub mod refs;
pub mod responses;
pub mod view;
