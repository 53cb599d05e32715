//! Generates the typed PortaBilling services into `OUT_DIR`, from the bundled WSDLs in `wsdl/`
//! and, with `PORTABILLING_WSDL_DIR=<dir>`, a user's own WSDL files (which override the bundled
//! service of the same name, or add a service). Each bundled service is built only when its
//! cargo feature is on; Session always is. `PORTABILLING_SERVICES=A,B,…` limits the services a
//! user's directory adds to those named.
// A build script reports failure by panicking: cargo shows the message and stops the build.
#![allow(clippy::expect_used, clippy::panic)]

/// The bundled services and their cargo features.
const BUNDLED: &[(&str, &str)] = &[
    ("Account", "account"),
    ("Customer", "customer"),
    ("Product", "product"),
    ("DID", "did"),
    ("Invoice", "invoice"),
    ("CDR", "cdr"),
    ("Generic", "generic"),
    ("Env", "env"),
    ("Subscription", "subscription"),
    ("BillingSession", "billing_session"),
    ("Service", "service"),
];

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let mut services = vec!["Session"];
    for (service, feature) in BUNDLED {
        let var = format!("CARGO_FEATURE_{}", feature.to_uppercase());
        if std::env::var_os(var).is_some() {
            services.push(service);
        }
    }
    let mut config = portabilling_codegen::Config::new();
    config
        .wsdl(format!("{manifest}/wsdl"))
        .only_services(&services)
        .runtime_path("crate::runtime")
        .client_type("crate::Client")
        // The crate's own modules: a service of the same name gets another module name.
        .reserve_module_names([
            "auth",
            "batch",
            "client",
            "error",
            "espf",
            "history",
            "inspect",
            "model",
            "paging",
            "pg",
            "ratelimit",
            "redact",
            "registry",
            "rest",
            "runtime",
            "server",
            "sim",
            "soap",
            "transport",
            "urlencoded",
            "wire",
            "wsdl",
        ]);
    println!("cargo:rerun-if-env-changed=PORTABILLING_WSDL_DIR");
    println!("cargo:rerun-if-env-changed=PORTABILLING_SERVICES");
    let user_dir = std::env::var_os("PORTABILLING_WSDL_DIR").filter(|d| !d.is_empty());
    if let Some(names) = std::env::var("PORTABILLING_SERVICES")
        .ok()
        .filter(|n| !n.trim().is_empty())
    {
        config.only_added_services(names.split(',').map(str::trim).filter(|n| !n.is_empty()));
    }
    if let Some(dir) = &user_dir {
        config.override_dir(dir);
    }
    let generated = match config.compile() {
        Ok(generated) => generated,
        Err(e) => panic!("code generation failed: {e}"),
    };
    let roots = [
        user_dir.map(std::path::PathBuf::from),
        Some(std::path::PathBuf::from(format!("{manifest}/wsdl"))),
    ];
    write_wsdl_files(&generated.files, &roots);
    write_if_changed("field_table.rs", portabilling_codegen::FIELD_TABLE_SOURCE);
}

/// Writes `name` into `OUT_DIR`, unless it already holds `code` (so its time stays and
/// nothing that includes it is rebuilt).
fn write_if_changed(name: &str, code: &str) {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let path = std::path::Path::new(&out).join(name);
    if std::fs::read_to_string(&path).ok().as_deref() != Some(code) {
        if let Err(e) = std::fs::write(&path, code) {
            panic!("cannot write {}: {e}", path.display());
        }
    }
}

/// Writes `wsdl_files.rs` into `OUT_DIR`: the WSDL and XSD files the services were generated
/// from, by their path in their directory, for the simulator to serve at `/wsdl/` (so that a
/// client can fetch the set a server publishes). A user's file wins over a bundled one of the
/// same name. Without the simulator the list is empty, and nothing is embedded.
fn write_wsdl_files(files: &[std::path::PathBuf], roots: &[Option<std::path::PathBuf>]) {
    let mut entries = std::collections::BTreeMap::new();
    if std::env::var_os("CARGO_FEATURE_SIM").is_some() {
        for root in roots.iter().flatten() {
            let root = root.canonicalize().unwrap_or_else(|_| root.clone());
            for file in files {
                let file = file.canonicalize().unwrap_or_else(|_| file.clone());
                if let Ok(relative) = file.strip_prefix(&root) {
                    let name = relative.to_string_lossy().replace('\\', "/");
                    entries.entry(name).or_insert(file);
                }
            }
        }
    }
    let mut code = String::from(
        "/// The WSDL and XSD files the services were generated from, by name.\n\
         pub(crate) const WSDL_FILES: &[(&str, &str)] = &[\n",
    );
    for (name, file) in &entries {
        code.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            file.display().to_string()
        ));
    }
    code.push_str("];\n");
    write_if_changed("wsdl_files.rs", &code);
}
