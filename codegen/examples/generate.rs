//! Prints the code generated from WSDL files or directories, for reading or diffing.
//!
//! ```text
//! cargo run -p portabilling-codegen --example generate -- wsdl/ > generated.rs
//! ```

fn main() {
    let inputs: Vec<String> = std::env::args().skip(1).collect();
    if inputs.is_empty() {
        eprintln!("usage: generate <WSDL file or directory>...");
        std::process::exit(2);
    }
    let mut config = portabilling_codegen::Config::new();
    for input in &inputs {
        config.wsdl(input);
    }
    match config.generate() {
        Ok(generated) => {
            for warning in &generated.warnings {
                eprintln!("warning: {warning}");
            }
            eprintln!("{:?}", generated.stats);
            print!("{}", generated.code);
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
