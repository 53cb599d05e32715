//! Generates the typed PortaBilling services from the bundled WSDLs (or a user's own, with
//! `PORTABILLING_WSDL_DIR`) into `OUT_DIR`.

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let mut config = portabilling_codegen::Config::new();
    config
        .wsdl(format!("{manifest}/wsdl"))
        .runtime_path("crate::runtime")
        .client_type("crate::Client")
        // The crate's own modules: a service of the same name gets another module name.
        .reserve_module_names([
            "auth", "client", "error", "history", "model", "paging", "redact", "rest", "runtime",
            "soap", "transport",
        ]);
    if let Err(e) = config.compile() {
        panic!("code generation failed: {e}");
    }
}
