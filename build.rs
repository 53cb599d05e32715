//! Generates the typed PortaBilling services from the bundled WSDLs (or a user's own, with
//! `PORTABILLING_WSDL_DIR`) into `OUT_DIR`.

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let mut config = portabilling_codegen::Config::new();
    config
        .wsdl(format!("{manifest}/wsdl"))
        .runtime_path("crate::runtime");
    if let Err(e) = config.compile() {
        panic!("code generation failed: {e}");
    }
}
