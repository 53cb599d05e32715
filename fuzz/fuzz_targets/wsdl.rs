//! The generator's WSDL reader: the input is written as `service.wsdl` in a scratch directory
//! and generated from. Any input must give `Ok` or `Err`: never a panic, a stack overflow, a
//! hang or unbounded memory. (Imports the input names are read relative to the scratch
//! directory, as the generator reads them.)
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use portabilling_codegen::Config;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("portabilling-fuzz-wsdl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = dir();
    let file = dir.join("service.wsdl");
    if std::fs::write(&file, data).is_ok() {
        let _ = Config::new().wsdl(&file).generate();
    }
});
