//! Measures the build cost of the code `portabilling-codegen` generates. [`synth`] writes
//! synthetic WSDL sets of any size in the style of the bundled services; [`bench`] builds the
//! `portabilling` crate against them and reports build time, rustc peak memory and rlib size;
//! [`wrap`] is the `RUSTC_WRAPPER` side of that measurement. The `portabilling-buildcost`
//! command drives all three.

#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod bench;
pub mod synth;
pub mod wrap;
