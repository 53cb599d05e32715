//! Generates the typed PortaBilling services into `OUT_DIR`, from the bundled WSDLs in `wsdl/`
//! and, with `PORTABILLING_WSDL_DIR=<dir>`, a user's own WSDL files (which override the bundled
//! service of the same name, or add a service). Each bundled service is built only when its
//! cargo feature is on; Session always is. `PORTABILLING_SERVICES=A,B,…` limits the services a
//! user's directory adds to those named.

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
        ]);
    println!("cargo:rerun-if-env-changed=PORTABILLING_WSDL_DIR");
    println!("cargo:rerun-if-env-changed=PORTABILLING_SERVICES");
    if let Some(names) = std::env::var("PORTABILLING_SERVICES")
        .ok()
        .filter(|n| !n.trim().is_empty())
    {
        config.only_added_services(names.split(',').map(str::trim).filter(|n| !n.is_empty()));
    }
    if let Some(dir) = std::env::var_os("PORTABILLING_WSDL_DIR").filter(|d| !d.is_empty()) {
        config.override_dir(dir);
    }
    if let Err(e) = config.compile() {
        panic!("code generation failed: {e}");
    }
}
