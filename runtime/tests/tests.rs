//! Integration tests of the runtime against `MockVendor` on loopback: one binary,
//! one module per concern.

mod it;
