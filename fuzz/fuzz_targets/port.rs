//! Any text as a domain port source.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = portcullis_codegen::load::port::Port::parse(
            std::path::Path::new("domain.rs"),
            text,
            "Api",
            (
                std::path::Path::new("m.yaml"),
                portcullis_codegen::error::Span { line: 1, col: 1 },
            ),
        );
    }
});
