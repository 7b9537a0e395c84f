//! Any bytes as a mapping file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = portcullis_codegen::load::mapping::Mapping::from_bytes(
        std::path::Path::new("mapping.yaml"),
        data,
    );
});
