//! Vendor types stay inside the generated module.

#[test]
fn vendor_types_cannot_be_named_from_outside() {
    let _heavy = crate::HEAVY.blocking_lock();
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
    // Every generated adapter compiles and implements its port, seen from another crate.
    t.pass("ui/pass/*.rs");
}
