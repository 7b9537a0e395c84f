//! Any bytes as a spec, JSON or YAML: loading, then (when it loads) the corpus runner's
//! whole pipeline: a port and mapping for every operation, planned and emitted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    for name in ["spec.json", "spec.yaml"] {
        if portcullis_codegen::load::openapi::Spec::from_bytes(Path::new(name), data).is_ok() {
            let dir = std::env::temp_dir().join(format!("portcullis-fuzz-{}", std::process::id()));
            let _ = std::fs::create_dir_all(&dir);
            let file = dir.join(name);
            if std::fs::write(&file, data).is_ok() {
                let r = portcullis_codegen::corpus::run_spec(&dir, &file);
                assert!(r.panic.is_none(), "{:?}", r.panic);
            }
        }
    }
});
