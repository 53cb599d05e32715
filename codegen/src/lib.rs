//! Generates Rust types and typed service calls from WSDL 1.1 files, for the `portabilling`
//! client.
//!
//! It is meant for `build.rs`, the way `prost-build` is: point a [`Config`] at WSDL files (or at
//! directories of them), call [`Config::compile`], and `include!` the result from `OUT_DIR`.
//! The `portabilling` crate itself builds its bundled PortaBilling services this way, and a user
//! can do the same with the WSDL files saved from their own server.
//!
//! ```no_run
//! // In `fn main` of build.rs:
//! portabilling_codegen::Config::new()
//!     .wsdl("wsdl/")
//!     .compile()
//!     .unwrap_or_else(|e| panic!("{e}"));
//! ```
//!
//! ```ignore
//! // src/lib.rs
//! include!(concat!(env!("OUT_DIR"), "/portabilling_generated.rs"));
//! ```
//!
//! The generator reads WSDL with embedded schemas and with imported or included XSD files
//! (paths relative to the including file), rpc and document bindings, literal and encoded use,
//! and `soap:header` parts. It never fetches anything from the network. A construct it does not
//! support is an [`Error`] naming the file, line and construct, or, where a raw value is a fair
//! stand-in, a warning ([`Generated::warnings`]).
//!
//! To read the generated code, set `PORTABILLING_CODEGEN_OUT=<file>` while building: the
//! generator writes a copy there.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod diagnostic;
mod emit;
mod field_table;
mod model;
mod names;
mod schema;
mod wsdl;
mod xml;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, Error, Location};
pub use wsdl::POLICY_NS;

/// The source of the field lookup table's hash, for the `portabilling` runtime to compile: the
/// generator writes each struct's table, the runtime hashes a name to probe it, and both
/// compile this one text so that they hash alike. Its build script writes it into `OUT_DIR`.
pub const FIELD_TABLE_SOURCE: &str = include_str!("field_table.rs");

/// The file name written into `OUT_DIR` by [`Config::compile`].
pub const DEFAULT_OUTPUT: &str = "portabilling_generated.rs";

/// The environment variable that asks [`Config::compile`] for a readable copy of the output.
pub const COPY_ENV: &str = "PORTABILLING_CODEGEN_OUT";

/// What to generate, and how.
#[derive(Clone, Debug)]
pub struct Config {
    inputs: Vec<PathBuf>,
    overrides: Vec<PathBuf>,
    only: Option<BTreeSet<String>>,
    only_added: Option<BTreeSet<String>>,
    runtime: String,
    client: Option<String>,
    reserved: Vec<String>,
    output: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            inputs: Vec::new(),
            overrides: Vec::new(),
            only: None,
            only_added: None,
            runtime: "::portabilling::runtime".to_string(),
            client: None,
            reserved: Vec::new(),
            output: DEFAULT_OUTPUT.to_string(),
        }
    }
}

/// The result of a generation.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The Rust source.
    pub code: String,
    /// Constructs that were approximated (for example, an `xsd:union` read as a string).
    pub warnings: Vec<Diagnostic>,
    /// Every file that was read, WSDL and XSD.
    pub files: Vec<PathBuf>,
    /// Counts of what was generated.
    pub stats: Stats,
}

/// Counts of generated items.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Services (one module each).
    pub services: usize,
    /// Operations (one typed call each).
    pub operations: usize,
    /// Structs.
    pub structs: usize,
    /// Enums.
    pub enums: usize,
}

impl Config {
    /// A configuration with no inputs, for code outside the `portabilling` crate.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a WSDL file, or every `*.wsdl` file of a directory (in name order).
    pub fn wsdl(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.inputs.push(path.as_ref().to_path_buf());
        self
    }

    /// Adds a directory (or file) of WSDLs that take precedence over the [`wsdl`](Self::wsdl)
    /// inputs: a service it defines replaces the input service of the same name, whose
    /// operations it lacks are kept; a service the inputs lack is added. A replacement is
    /// generated when the service it replaces is (see [`only_services`](Self::only_services));
    /// an added service unless [`only_added_services`](Self::only_added_services) leaves it
    /// out.
    pub fn override_dir(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.overrides.push(path.as_ref().to_path_buf());
        self
    }

    /// Generates only these services of the [`wsdl`](Self::wsdl) inputs (by short name, such
    /// as `Account`; case does not matter).
    pub fn only_services<I, S>(&mut self, names: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.only = Some(
            names
                .into_iter()
                .map(|s| s.as_ref().to_ascii_lowercase())
                .collect(),
        );
        self
    }

    /// Generates only these of the services the [`override_dir`](Self::override_dir) adds (by
    /// short name; case does not matter): a build from a server's 80 WSDL files can hold the
    /// few services a program calls.
    pub fn only_added_services<I, S>(&mut self, names: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.only_added = Some(
            names
                .into_iter()
                .map(|s| s.as_ref().to_ascii_lowercase())
                .collect(),
        );
        self
    }

    /// The path of the runtime module the generated code uses (default
    /// `::portabilling::runtime`).
    pub fn runtime_path(&mut self, path: impl Into<String>) -> &mut Self {
        self.runtime = path.into();
        self
    }

    /// Gives `client_type` one accessor method per service (`client.account()`). The type must
    /// be defined in the crate that includes the output.
    pub fn client_type(&mut self, client_type: impl Into<String>) -> &mut Self {
        self.client = Some(client_type.into());
        self
    }

    /// Module names the output must not use, because the including module already has items
    /// of those names. A service whose module name is taken gets a numeric suffix.
    pub fn reserve_module_names<I, S>(&mut self, names: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.reserved.extend(names.into_iter().map(Into::into));
        self
    }

    /// The file name written into `OUT_DIR` (default [`DEFAULT_OUTPUT`]).
    pub fn output_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.output = name.into();
        self
    }

    /// Reads the inputs and returns the generated source.
    pub fn generate(&self) -> Result<Generated, Error> {
        let base_files = expand(&self.inputs)?;
        let override_files = expand(&self.overrides)?;
        if base_files.is_empty() && override_files.is_empty() {
            return Err(Error::Config("no WSDL files were given".into()));
        }
        let mut schemas = schema::SchemaSet::default();
        for replaced in self.inputs.iter().filter(|p| p.is_dir()) {
            for replacing in self.overrides.iter().filter(|p| p.is_dir()) {
                schemas
                    .redirects
                    .push((replaced.clone(), replacing.clone()));
            }
        }
        let mut overriding: Vec<wsdl::ServiceDef> = Vec::new();
        for file in &override_files {
            overriding.extend(wsdl::read(file, &mut schemas)?);
        }
        let mut services: Vec<wsdl::ServiceDef> = Vec::new();
        let mut used_overrides = BTreeSet::new();
        for file in &base_files {
            for base in wsdl::read(file, &mut schemas)? {
                let key = base.name.to_ascii_lowercase();
                let wanted = self.only.as_ref().is_none_or(|only| only.contains(&key));
                if let Some(pos) = overriding
                    .iter()
                    .position(|s| s.name.to_ascii_lowercase() == key)
                {
                    used_overrides.insert(pos);
                    if !wanted {
                        continue;
                    }
                    let mut user = overriding[pos].clone();
                    let known: BTreeSet<String> =
                        user.operations.iter().map(|o| o.name.clone()).collect();
                    user.operations.extend(
                        base.operations
                            .into_iter()
                            .filter(|o| !known.contains(&o.name)),
                    );
                    services.push(user);
                } else if wanted {
                    services.push(base);
                }
            }
        }
        for (pos, service) in overriding.into_iter().enumerate() {
            let key = service.name.to_ascii_lowercase();
            let wanted = self
                .only_added
                .as_ref()
                .is_none_or(|only| only.contains(&key));
            if !used_overrides.contains(&pos) && wanted {
                services.push(service);
            }
        }
        let mut seen = BTreeSet::new();
        for service in &services {
            if !seen.insert(service.name.to_ascii_lowercase()) {
                return Err(Diagnostic::new(
                    service.loc.clone(),
                    format!("service `{}` is defined twice", service.name),
                )
                .into());
            }
        }
        let built = model::build(&schemas, &services, &self.reserved)?;
        let mut warnings = schemas.take_warnings();
        warnings.extend(built.warnings.iter().cloned());
        // A construct reached from several places is reported once.
        let mut reported = BTreeSet::new();
        warnings.retain(|w| reported.insert(w.to_string()));
        let mut inputs: Vec<String> = base_files
            .iter()
            .chain(&override_files)
            .map(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .collect();
        inputs.sort();
        inputs.dedup();
        let code = emit::emit(
            &built,
            &emit::EmitOptions {
                runtime: self.runtime.clone(),
                client: self.client.clone(),
                inputs,
            },
        );
        let mut stats = Stats::default();
        for module in &built.modules {
            if let Some(service) = &module.service {
                stats.services += 1;
                stats.operations += service.operations.len();
            }
        }
        for ty in &built.types {
            match ty.kind {
                model::Kind::Struct(_) => stats.structs += 1,
                model::Kind::Enum(_) => stats.enums += 1,
            }
        }
        let mut files: Vec<PathBuf> = base_files.iter().chain(&override_files).cloned().collect();
        files.extend(schemas.files());
        files.sort();
        files.dedup();
        Ok(Generated {
            code,
            warnings,
            files,
            stats,
        })
    }

    /// For `build.rs`: generates, writes the output into `OUT_DIR`, tells cargo which files to
    /// watch, and reports warnings as cargo warnings. With `PORTABILLING_CODEGEN_OUT` set, also
    /// writes a copy of the output there.
    pub fn compile(&self) -> Result<Generated, Error> {
        for input in self.inputs.iter().chain(&self.overrides) {
            println!("cargo:rerun-if-changed={}", input.display());
        }
        println!("cargo:rerun-if-env-changed={COPY_ENV}");
        let generated = self.generate()?;
        for file in &generated.files {
            println!("cargo:rerun-if-changed={}", file.display());
        }
        for warning in &generated.warnings {
            println!("cargo:warning={warning}");
        }
        let out_dir = std::env::var_os("OUT_DIR").ok_or_else(|| {
            Error::Config("OUT_DIR is not set: call compile() from build.rs".into())
        })?;
        let target = PathBuf::from(out_dir).join(&self.output);
        write(&target, &generated.code)?;
        if let Some(copy) = std::env::var_os(COPY_ENV).filter(|v| !v.is_empty()) {
            write(Path::new(&copy), &generated.code)?;
        }
        Ok(generated)
    }
}

fn write(path: &Path, code: &str) -> Result<(), Error> {
    // Rewriting identical content would make cargo rebuild the including crate for nothing.
    if std::fs::read_to_string(path).is_ok_and(|old| old == code) {
        return Ok(());
    }
    std::fs::write(path, code).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Expands directories into their `*.wsdl` files, in name order.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|source| Error::Io {
                path: path.display().to_string(),
                source,
            })?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("wsdl"))
                })
                .collect();
            files.sort();
            out.extend(files);
        } else if path.exists() {
            out.push(path.clone());
        } else {
            return Err(Error::Io {
                path: path.display().to_string(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such file or directory",
                ),
            });
        }
    }
    Ok(out)
}
