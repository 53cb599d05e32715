//! Generates one file per corpus WSDL into `OUT_DIR`, with the default configuration a crate
//! outside `portabilling` uses (runtime path `::portabilling::runtime`).

/// The WSDL files under `wsdl/` and the name of the file generated from each.
const CORPUS: &[(&str, &str)] = &[
    ("library.wsdl", "library.rs"),
    ("weather.wsdl", "weather.rs"),
    ("shipping.wsdl", "shipping.rs"),
    ("tree.wsdl", "tree.rs"),
    ("clashes.wsdl", "clashes.rs"),
    ("odd_enums.wsdl", "odd_enums.rs"),
    ("legacy.wsdl", "legacy.rs"),
];

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    for (wsdl, output) in CORPUS {
        let generated = portabilling_codegen::Config::new()
            .wsdl(format!("{manifest}/wsdl/{wsdl}"))
            .output_name(*output)
            .compile()
            .unwrap_or_else(|e| panic!("code generation failed for {wsdl}: {e}"));
        assert!(
            generated.stats.operations > 0,
            "{wsdl}: no operations were generated"
        );
    }
}
