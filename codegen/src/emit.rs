//! Writing the model out as Rust source.
//!
//! The output is laid out the way `rustfmt` would lay it out (a test runs `rustfmt --check` on
//! it), so that reading it in `OUT_DIR`, in the golden files or through
//! `PORTABILLING_CODEGEN_OUT` is like reading hand-written code. The layout rules used here are
//! rustfmt's defaults: 4-space indent, 100 columns, struct literals one field per line, calls
//! and signatures broken one argument per line when they do not fit.

use std::fmt::Write as _;

use crate::model::{Card, Field, Kind, Model, Operation, Service, Struct, Ty, Type, TypeId};
use crate::wsdl::Style;

const MAX_WIDTH: usize = 100;

/// Options that change the emitted code.
#[derive(Clone, Debug)]
pub struct EmitOptions {
    /// The path of the runtime module (`crate::runtime` inside the portabilling crate,
    /// `::portabilling::runtime` elsewhere).
    pub runtime: String,
    /// A client type to give one accessor method per service (`client.account()`).
    pub client: Option<String>,
    /// The inputs, listed in the header comment.
    pub inputs: Vec<String>,
}

/// A text buffer with an indentation level.
struct Out {
    text: String,
    indent: usize,
}

impl Out {
    fn line(&mut self, s: &str) {
        if s.is_empty() {
            self.text.push('\n');
            return;
        }
        for _ in 0..self.indent {
            self.text.push_str("    ");
        }
        self.text.push_str(s);
        self.text.push('\n');
    }

    fn blank(&mut self) {
        if !self.text.ends_with("\n\n") && !self.text.ends_with("{\n") && !self.text.is_empty() {
            self.text.push('\n');
        }
    }

    fn open(&mut self, s: &str) {
        self.line(s);
        self.indent += 1;
    }

    fn close(&mut self, s: &str) {
        self.indent -= 1;
        self.line(s);
    }

    fn width(&self) -> usize {
        self.indent * 4
    }

    fn fits(&self, s: &str) -> bool {
        self.width() + s.chars().count() <= MAX_WIDTH
    }

    /// Writes doc comment lines (`///` or `//!`).
    fn doc(&mut self, prefix: &str, text: &str) {
        for line in text.lines() {
            let line = line.trim_end();
            if line.is_empty() {
                self.line(prefix);
            } else {
                self.line(&format!("{prefix} {line}"));
            }
        }
    }
}

/// A Rust string literal.
fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// Documentation text made safe for rustdoc: bare URLs are wrapped in `<…>` so that rustdoc
/// does not warn about them, and square brackets are escaped so that they are not read as links.
/// Code spans (between backticks) are left as they are, as rustdoc shows them literally.
fn doc_text(s: &str) -> String {
    // A fence would start a code block, which rustdoc compiles as a doctest.
    let s = &s.replace("```", "'''");
    if s.matches('`').count() % 2 != 0 {
        // Unbalanced backticks are not code spans: escape everywhere.
        return prose(s);
    }
    s.split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { part.to_string() } else { prose(part) })
        .collect::<Vec<_>>()
        .join("`")
}

/// [`doc_text`] outside code spans: URLs become autolinks; brackets, angle brackets and code
/// fences are escaped (rustdoc would read them as links, HTML tags and doctests).
fn prose(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let is_url = (word.starts_with("http://") || word.starts_with("https://"))
            && !word.contains(['<', '>', '[', ']', '`']);
        if is_url {
            let trimmed = word.trim_end_matches(['.', ',', ';', ')', ':', '!', '?']);
            let _ = write!(out, "<{trimmed}>{}", &word[trimmed.len()..]);
        } else {
            for c in word.chars() {
                match c {
                    '[' => out.push_str("\\["),
                    ']' => out.push_str("\\]"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    _ => out.push(c),
                }
            }
        }
    }
    out.split('\n')
        .map(|line| if line.starts_with("~~~") { format!("\\{line}") } else { line.to_string() })
        .collect::<Vec<_>>()
        .join("\n")
}

/// An enumeration value as a Markdown code span, for documentation.
fn value_doc(value: &str) -> String {
    if value.is_empty() {
        return "The empty value.".to_string();
    }
    let value = value.replace('`', "'").replace(['\n', '\r'], " ");
    if value.trim().is_empty() || value.starts_with(' ') || value.ends_with(' ') {
        return format!("The value {:?}.", value);
    }
    format!("The value `{value}`.")
}

/// Emits the whole generated file.
pub fn emit(model: &Model, options: &EmitOptions) -> String {
    let mut out = Out {
        text: String::new(),
        indent: 0,
    };
    out.line("// @generated by portabilling-codegen. Do not edit: change the WSDL files instead.");
    out.line("//");
    out.line("// Inputs:");
    for input in &options.inputs {
        out.line(&format!("// - {input}"));
    }
    for m in 0..model.modules.len() {
        if m == 0 && model.types_in(0).next().is_none() {
            continue;
        }
        out.blank();
        module_block(&mut out, model, m, options);
    }
    out.blank();
    registry(&mut out, model, options);
    if let Some(client) = &options.client {
        out.blank();
        accessors(&mut out, model, client);
    }
    out.text
}

fn module_block(out: &mut Out, model: &Model, m: usize, options: &EmitOptions) {
    let module = &model.modules[m];
    let mut doc = match &module.service {
        Some(service) => {
            let mut d = module
                .doc
                .clone()
                .map(|d| doc_text(&d))
                .unwrap_or_else(|| format!("The {} service.", service.name));
            let _ = write!(
                d,
                "\n\nGenerated from the WSDL service `{}` in `{}`.",
                service.wsdl_name,
                file_name(&service.file)
            );
            if let Some(address) = &service.address {
                let _ = write!(d, " Its SOAP address there is <{address}>.");
            }
            d
        }
        None => module.doc.clone().unwrap_or_default(),
    };
    if doc.is_empty() {
        doc = format!("The `{}` module.", module.name);
    }
    out.doc("///", &doc);
    out.open(&format!("pub mod {} {{", module.name));
    out.line(&format!("use {} as rt;", options.runtime));
    if !module.reexports.is_empty() {
        out.blank();
        let mut names: Vec<&str> = module.reexports.iter().map(|&id| model.types[id].rust.as_str()).collect();
        names.sort_unstable();
        for name in names {
            out.line(&format!("pub use super::{}::{name};", model.modules[0].name));
        }
    }
    for (id, ty) in model.types_in(m) {
        out.blank();
        match &ty.kind {
            Kind::Struct(s) => structure(out, model, m, id, ty, s),
            Kind::Enum(e) => enumeration(out, ty, e),
        }
    }
    if let Some(service) = &module.service {
        out.blank();
        api(out, model, m, service);
        out.blank();
        operations(out, model, m, service);
    }
    out.close("}");
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn type_doc(ty: &Type) -> String {
    let ns = if ty.xsd.ns.is_empty() { String::new() } else { format!(" in `{}`", ty.xsd.ns) };
    if ty.anonymous {
        let mut doc = ty
            .doc
            .as_deref()
            .map(doc_text)
            .unwrap_or_else(|| format!("The type of `{}`.", ty.xsd.local));
        let _ = write!(doc, "\n\nAnonymous XSD type{ns}, declared at `{}`.", ty.loc.short());
        return doc;
    }
    let mut doc = ty.doc.as_deref().map(doc_text).unwrap_or_else(|| format!("The `{}` type.", ty.xsd.local));
    let _ = write!(doc, "\n\nXSD type `{}`{ns}, declared at `{}`.", ty.xsd.local, ty.loc.short());
    doc
}

/// The Rust type of a value before cardinality.
fn rust_ty(model: &Model, from: usize, ty: &Ty) -> String {
    match ty {
        Ty::Builtin(b) => b.rust().to_string(),
        Ty::Flag => "rt::Flag".to_string(),
        Ty::Any => "rt::AnyValue".to_string(),
        Ty::Named(id) => model.path(*id, from),
        Ty::List(inner) => format!("Vec<{}>", rust_ty(model, from, inner)),
    }
}

/// The Rust type of a field.
fn field_ty(model: &Model, from: usize, f: &Field) -> String {
    let base = rust_ty(model, from, &f.ty);
    let base = if f.boxed { format!("Box<{base}>") } else { base };
    match f.card {
        Card::Many if f.item_nillable => format!("Vec<Option<{base}>>"),
        Card::Many => format!("Vec<{base}>"),
        _ if matches!(f.ty, Ty::List(_)) => base,
        Card::Optional => format!("Option<{base}>"),
        Card::Required => base,
    }
}

/// The runtime `TypeInfo` expression of a value type.
fn type_info(model: &Model, from: usize, ty: &Ty) -> String {
    match ty {
        Ty::Builtin(b) => format!("rt::TypeInfo::{}", b.type_info()),
        Ty::Flag => "rt::TypeInfo::Flag".to_string(),
        Ty::Any => "rt::TypeInfo::Any".to_string(),
        Ty::Named(id) => match model.types[*id].kind {
            Kind::Struct(_) => format!("rt::TypeInfo::Struct(rt::schema_of::<{}>)", model.path(*id, from)),
            Kind::Enum(_) => format!("rt::TypeInfo::Enum(rt::enum_schema_of::<{}>)", model.path(*id, from)),
        },
        Ty::List(inner) => format!("rt::TypeInfo::List(&{})", type_info(model, from, inner)),
    }
}

fn structure(out: &mut Out, model: &Model, m: usize, _id: TypeId, ty: &Type, s: &Struct) {
    out.doc("///", &type_doc(ty));
    out.line("#[derive(Clone, Default, PartialEq)]");
    out.open(&format!("pub struct {} {{", ty.rust));
    for f in &s.fields {
        let mut doc = f.doc.as_deref().map(doc_text).unwrap_or_default();
        if !doc.is_empty() {
            doc.push_str("\n\n");
        }
        let what = if f.attribute {
            format!("Attribute `{}`", f.wire)
        } else if f.wire.is_empty() {
            "The text content".to_string()
        } else {
            match &f.namespace {
                // An element reference into another namespace: the runtime matches elements by
                // local name, so the namespace is only documented.
                Some(ns) if *ns != ty.xsd.ns => format!("Element `{}` in `{ns}`", f.wire),
                _ => format!("Element `{}`", f.wire),
            }
        };
        let _ = write!(doc, "{what}, `{}`", f.xsd_type);
        if f.sensitive {
            doc.push_str(", a secret: shown as `<redacted>` in `Debug` output");
        }
        doc.push('.');
        out.doc("///", &doc);
        let decl = format!("pub {}: {},", f.rust, field_ty(model, m, f));
        out.line(&decl);
    }
    out.line("/// Elements the schema does not describe, kept as received.");
    out.line(&format!("pub {}: rt::Extra,", s.extra));
    out.close("}");
    out.blank();
    out.open(&format!("impl rt::Structure for {} {{", ty.rust));
    out.open("const SCHEMA: &'static rt::StructSchema = &rt::StructSchema {");
    out.line(&format!("name: {},", lit(&ty.xsd.local)));
    out.line(&format!("namespace: {},", lit(&ty.xsd.ns)));
    out.line(&format!("doc: {},", lit(ty.doc.as_deref().unwrap_or(""))));
    out.line(&format!("source: {},", lit(&ty.loc.short())));
    out.line(&format!("qualified: {},", s.qualified));
    if s.fields.is_empty() {
        out.line("fields: &[],");
    } else {
        out.open("fields: &[");
        for f in &s.fields {
            out.open("rt::FieldSchema {");
            out.line(&format!("name: {},", lit(&f.wire)));
            out.line(&format!("rust_name: {},", lit(f.rust.trim_start_matches("r#"))));
            out.line(&format!("ty: {},", type_info(model, m, &f.ty)));
            out.line(&format!("xsd_type: {},", lit(&f.xsd_type)));
            let occurs = match f.card {
                Card::Required => "Required",
                Card::Optional => "Optional",
                Card::Many if f.item_nillable => "ManyNillable",
                Card::Many => "Many",
            };
            out.line(&format!("occurs: rt::Occurs::{occurs},"));
            let kind = if f.attribute {
                "Attribute"
            } else if f.wire.is_empty() {
                "Text"
            } else {
                "Element"
            };
            out.line(&format!("kind: rt::FieldKind::{kind},"));
            out.line(&format!("sensitive: {},", f.sensitive));
            out.line(&format!("doc: {},", lit(f.doc.as_deref().unwrap_or(""))));
            out.close("},");
        }
        out.close("],");
    }
    out.close("};");
    out.blank();
    // Field lookup by wire name.
    let named: Vec<(usize, &Field)> = s.fields.iter().enumerate().filter(|(_, f)| !f.wire.is_empty()).collect();
    if named.is_empty() {
        out.open("fn field_index(_name: &str) -> Option<usize> {");
        out.line("None");
    } else {
        out.open("fn field_index(name: &str) -> Option<usize> {");
        out.open("match name {");
        let mut seen = std::collections::BTreeSet::new();
        for (i, f) in &named {
            if seen.insert(f.wire.as_str()) {
                out.line(&format!("{} => Some({i}),", lit(&f.wire)));
            }
        }
        out.line("_ => None,");
        out.close("}");
    }
    out.close("}");
    out.blank();
    if s.fields.is_empty() {
        out.open("fn decode_field<D: rt::FieldDecoder>(&mut self, _index: usize, d: D) -> Result<(), D::Error> {");
        out.line("d.skip()");
    } else {
        out.open("fn decode_field<D: rt::FieldDecoder>(&mut self, index: usize, d: D) -> Result<(), D::Error> {");
        out.open("match index {");
        for (i, f) in s.fields.iter().enumerate() {
            out.line(&format!("{i} => d.decode(&mut self.{}),", f.rust));
        }
        out.line("_ => d.skip(),");
        out.close("}");
    }
    out.close("}");
    out.blank();
    out.open("fn encode_fields<E: rt::FieldEncoder>(&self, e: &mut E) -> Result<(), E::Error> {");
    for (i, f) in s.fields.iter().enumerate() {
        out.line(&format!("e.field({i}, &self.{})?;", f.rust));
    }
    out.line(&format!("e.extra(&self.{})", s.extra));
    out.close("}");
    out.blank();
    out.open("fn extra(&self) -> &rt::Extra {");
    out.line(&format!("&self.{}", s.extra));
    out.close("}");
    out.blank();
    out.open("fn extra_mut(&mut self) -> &mut rt::Extra {");
    out.line(&format!("&mut self.{}", s.extra));
    out.close("}");
    out.close("}");
    out.blank();
    out.line(&format!("rt::structure_impls!({});", ty.rust));
}

fn enumeration(out: &mut Out, ty: &Type, e: &crate::model::Enum) {
    out.doc("///", &type_doc(ty));
    out.line("#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]");
    out.open(&format!("pub enum {} {{", ty.rust));
    for (i, (variant, value)) in e.variants.iter().enumerate() {
        out.line(&format!("/// {}", value_doc(value)));
        if i == 0 {
            out.line("#[default]");
        }
        out.line(&format!("{variant},"));
    }
    out.line("/// A value the schema does not list, kept as received.");
    if e.variants.is_empty() {
        out.line("#[default]");
        out.line(&format!("{},", e.other));
    } else {
        out.line(&format!("{}(String),", e.other));
    }
    out.close("}");
    out.blank();
    out.open(&format!("impl rt::Enumeration for {} {{", ty.rust));
    out.open("const SCHEMA: &'static rt::EnumSchema = &rt::EnumSchema {");
    out.line(&format!("name: {},", lit(&ty.xsd.local)));
    out.line(&format!("namespace: {},", lit(&ty.xsd.ns)));
    out.line(&format!("doc: {},", lit(ty.doc.as_deref().unwrap_or(""))));
    out.line(&format!("source: {},", lit(&ty.loc.short())));
    let values: Vec<String> = e.variants.iter().map(|(_, v)| lit(v)).collect();
    let one_line = format!("values: &[{}],", values.join(", "));
    if values.is_empty() {
        out.line("values: &[],");
    } else if out.fits(&one_line) && values.join(", ").len() <= 60 {
        out.line(&one_line);
    } else {
        out.open("values: &[");
        for v in &values {
            out.line(&format!("{v},"));
        }
        out.close("],");
    }
    out.close("};");
    out.blank();
    out.open("fn as_str(&self) -> &str {");
    out.open("match self {");
    for (variant, value) in &e.variants {
        out.line(&format!("Self::{variant} => {},", lit(value)));
    }
    if e.variants.is_empty() {
        out.line(&format!("Self::{} => \"\",", e.other));
    } else {
        out.line(&format!("Self::{}(value) => value,", e.other));
    }
    out.close("}");
    out.close("}");
    out.blank();
    out.open("fn from_wire(value: &str) -> Self {");
    if e.variants.is_empty() {
        out.line("let _ = value;");
        out.line(&format!("Self::{}", e.other));
    } else {
        out.open("match value {");
        for (variant, value) in &e.variants {
            out.line(&format!("{} => Self::{variant},", lit(value)));
        }
        out.line(&format!("_ => Self::{}(value.to_string()),", e.other));
        out.close("}");
    }
    out.close("}");
    out.close("}");
    out.blank();
    out.line(&format!("rt::enumeration_impls!({});", ty.rust));
}

/// Writes a function signature, broken one parameter per line when it does not fit.
fn signature(out: &mut Out, head: &str, params: &[String], ret: &str) {
    let one = format!("{head}({}){ret} {{", params.join(", "));
    if out.fits(&one) {
        out.open(&one);
        return;
    }
    out.open(&format!("{head}("));
    for p in params {
        out.line(&format!("{p},"));
    }
    out.indent -= 1;
    out.open(&format!("){ret} {{"));
}

fn first_sentence(doc: &str) -> String {
    let first = doc.split("\n\n").next().unwrap_or("").replace('\n', " ");
    match first.find(". ") {
        Some(i) => first[..=i].to_string(),
        None => first,
    }
}

fn api(out: &mut Out, model: &Model, m: usize, service: &Service) {
    out.doc(
        "///",
        &format!(
            "The typed calls of the {} service.\n\nGet one from a client's accessor, or wrap any [`Transport`](rt::Transport) with [`{}::new`].",
            service.name, service.api
        ),
    );
    out.line("#[derive(Debug)]");
    out.open(&format!("pub struct {}<'a, T> {{", service.api));
    out.line("transport: &'a T,");
    out.close("}");
    out.blank();
    out.open(&format!("impl<T> Clone for {}<'_, T> {{", service.api));
    out.open("fn clone(&self) -> Self {");
    out.line("*self");
    out.close("}");
    out.close("}");
    out.blank();
    out.line(&format!("impl<T> Copy for {}<'_, T> {{}}", service.api));
    out.blank();
    out.open(&format!("impl<'a, T: rt::Transport> {}<'a, T> {{", service.api));
    out.line("/// Wraps a transport.");
    out.open("pub fn new(transport: &'a T) -> Self {");
    out.line("Self { transport }");
    out.close("}");
    for op in &service.operations {
        out.blank();
        let req = model.path(op.request, m);
        let resp = model.path(op.response, m);
        let mut doc = op.doc.as_deref().map(doc_text).unwrap_or_else(|| format!("Calls `{}`.", op.method));
        let _ = write!(
            doc,
            "\n\nMethod `{}/{}`, declared at `{}`.",
            service.name,
            op.method,
            op.loc.short()
        );
        out.doc("///", &doc);
        signature(
            out,
            &format!("pub fn {}", op.function),
            &["&self".into(), format!("request: &{req}")],
            &format!(" -> rt::Result<{resp}>"),
        );
        out.line(&format!("self.transport.call::<op::{}>(request)", op.descriptor));
        out.close("}");
        if let Some(paging) = &op.paging {
            let item = paging_item(model, m, paging);
            out.blank();
            out.doc(
                "///",
                &format!(
                    "Pages through [`{}`](Self::{}) with `limit` and `offset`, yielding one item at a time.\n\nSee [`Pages`](rt::Pages) for the page size and the total.",
                    op.function, op.function
                ),
            );
            signature(
                out,
                &format!("pub fn {}", paging.iter_function),
                &["&self".into(), format!("request: {req}")],
                &format!(" -> rt::Pages<'a, T, op::{}>", op.descriptor),
            );
            out.line("rt::Pages::new(self.transport, request)");
            out.close("}");
            out.blank();
            out.doc(
                "///",
                &format!(
                    "Calls [`{}`](Self::{}) and decodes the `{}` items one by one as they arrive, so memory does not grow with the list.",
                    op.function, op.function, paging.list_wire
                ),
            );
            signature(
                out,
                &format!("pub fn {}", paging.stream_function),
                &["&self".into(), format!("request: &{req}")],
                &format!(" -> rt::Result<rt::ItemStream<{item}>>"),
            );
            out.line(&format!("self.transport.stream::<op::{}>(request)", op.descriptor));
            out.close("}");
        }
    }
    out.close("}");
}

fn paging_item(model: &Model, m: usize, paging: &crate::model::Paging) -> String {
    let item = rust_ty(model, m, &paging.item);
    if paging.item_nillable {
        format!("Option<{item}>")
    } else {
        item
    }
}

fn operations(out: &mut Out, model: &Model, m: usize, service: &Service) {
    out.line(&format!("/// Descriptors of the {} service's operations.", service.name));
    out.open("pub mod op {");
    out.line("use super::*;");
    for op in &service.operations {
        out.blank();
        descriptor(out, model, m, service, op);
    }
    out.blank();
    out.line(&format!("/// Every operation of the {} service, in WSDL order.", service.name));
    if service.operations.is_empty() {
        out.line("pub const ALL: &[&rt::OperationInfo] = &[];");
    } else {
        out.open("pub const ALL: &[&rt::OperationInfo] = &[");
        for op in &service.operations {
            out.line(&format!("<{} as rt::Operation>::INFO,", op.descriptor));
        }
        out.close("];");
    }
    out.close("}");
}

fn descriptor(out: &mut Out, model: &Model, m: usize, service: &Service, op: &Operation) {
    let summary = op.doc.as_deref().map(first_sentence).map(|s| doc_text(&s)).unwrap_or_default();
    out.doc(
        "///",
        &format!(
            "`{}/{}`: {}\n\nCalled by [`{}::{}`](super::{}::{}).",
            service.name,
            op.method,
            if summary.is_empty() { "an operation." } else { &summary },
            service.api,
            op.function,
            service.api,
            op.function
        ),
    );
    out.line("#[derive(Clone, Copy, Debug)]");
    out.line(&format!("pub struct {};", op.descriptor));
    out.blank();
    // In the `op` module a descriptor shadows the service module's type of the same name (the
    // request type of a document/literal operation is often named like the operation).
    let descriptors: Vec<&str> = service.operations.iter().map(|o| o.descriptor.as_str()).collect();
    let req = unshadow(&model.path(op.request, m), &descriptors);
    let resp = unshadow(&model.path(op.response, m), &descriptors);
    out.open(&format!("impl rt::Operation for {} {{", op.descriptor));
    out.line(&format!("type Request = {req};"));
    out.line(&format!("type Response = {resp};"));
    out.open("const INFO: &'static rt::OperationInfo = &rt::OperationInfo {");
    out.line(&format!("service: {},", lit(&service.name)));
    out.line(&format!("method: {},", lit(&op.method)));
    out.line(&format!("doc: {},", lit(op.doc.as_deref().unwrap_or(""))));
    out.line(&format!("source: {},", lit(&op.loc.short())));
    let style = match op.style {
        Style::Rpc => "Rpc",
        Style::Document => "Document",
    };
    out.line(&format!("style: rt::Style::{style},"));
    out.line(&format!("encoded: {},", op.encoded));
    out.line(&format!("namespace: {},", lit(&op.namespace)));
    out.line(&format!("soap_action: {},", lit(&op.action)));
    out.line(&format!("request_element: {},", lit(&op.request_element)));
    match &op.request_part {
        Some(p) => out.line(&format!("request_part: Some({}),", lit(p))),
        None => out.line("request_part: None,"),
    }
    out.line(&format!("response_element: {},", lit(&op.response_element)));
    match &op.header {
        Some((element, ns)) => {
            out.open("header: Some(rt::HeaderInfo {");
            out.line(&format!("element: {},", lit(element)));
            out.line(&format!("namespace: {},", lit(ns)));
            out.close("}),");
        }
        None => out.line("header: None,"),
    }
    match &op.paging {
        Some(p) => out.line(&format!("list_field: Some({}),", lit(&p.list_wire))),
        None => out.line("list_field: None,"),
    }
    for (name, ty) in [("request", &req), ("response", &resp)] {
        let line = format!("{name}: <{ty} as rt::Structure>::SCHEMA,");
        if out.fits(&line) {
            out.line(&line);
        } else {
            out.line(&format!("{name}: rt::schema_of::<{ty}>(),"));
        }
    }
    out.line(&format!("new_request: rt::new_dyn::<{req}>,"));
    out.line(&format!("new_response: rt::new_dyn::<{resp}>,"));
    out.close("};");
    out.close("}");
    if let Some(paging) = &op.paging {
        out.blank();
        let item = unshadow(&paging_item(model, m, paging), &descriptors);
        out.open(&format!("impl rt::PagedOperation for {} {{", op.descriptor));
        out.line(&format!("type Item = {item};"));
        out.blank();
        signature(
            out,
            "fn set_page",
            &[format!("request: &mut {req}"), "offset: u64".into(), "limit: u64".into(), "get_total: bool".into()],
            "",
        );
        for (field, value) in [(&paging.offset_field, "offset"), (&paging.limit_field, "limit")] {
            let expr = format!("rt::page_number({value})");
            let expr = if field.1 { format!("Some({expr})") } else { expr };
            out.line(&format!("request.{} = {expr};", field.0));
        }
        match &paging.get_total_field {
            Some((name, optional)) => {
                let expr = "rt::page_number(u64::from(get_total))".to_string();
                let expr = if *optional { format!("Some({expr})") } else { expr };
                out.line(&format!("request.{name} = {expr};"));
            }
            None => out.line("let _ = get_total;"),
        }
        out.close("}");
        out.blank();
        out.open(&format!("fn into_items(response: {resp}) -> Vec<Self::Item> {{"));
        out.line(&format!("response.{}", paging.list_field));
        out.close("}");
        out.blank();
        match &paging.total_field {
            Some((name, optional)) => {
                out.open(&format!("fn total(response: &{resp}) -> Option<u64> {{"));
                if *optional {
                    out.line(&format!("response.{name}.and_then(rt::page_count)"));
                } else {
                    out.line(&format!("rt::page_count(response.{name})"));
                }
            }
            None => {
                out.open(&format!("fn total(_response: &{resp}) -> Option<u64> {{"));
                out.line("None");
            }
        }
        out.close("}");
        out.close("}");
    }
}

/// Prefixes `super::` to every name in the type `ty` that is one of `shadowing`, unless the name
/// is already part of a path.
fn unshadow(ty: &str, shadowing: &[&str]) -> String {
    let mut out = String::with_capacity(ty.len());
    let mut rest = ty;
    while let Some(start) = rest.find(|c: char| c.is_alphanumeric() || c == '_') {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        let end = from.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(from.len());
        let (word, after) = from.split_at(end);
        if shadowing.contains(&word) && !out.ends_with("::") {
            out.push_str("super::");
        }
        out.push_str(word);
        rest = after;
    }
    out.push_str(rest);
    out
}

fn registry(out: &mut Out, model: &Model, options: &EmitOptions) {
    out.line("/// Every generated service, with its operations.");
    let services: Vec<(&Service, &str)> = model
        .modules
        .iter()
        .filter_map(|m| m.service.as_ref().map(|s| (s, m.name.as_str())))
        .collect();
    let rt = &options.runtime;
    if services.is_empty() {
        out.line(&format!("pub const SERVICES: &[{rt}::ServiceInfo] = &[];"));
        return;
    }
    out.open(&format!("pub const SERVICES: &[{rt}::ServiceInfo] = &["));
    for (service, module) in services {
        let doc = model
            .modules
            .iter()
            .find(|m| m.name == module)
            .and_then(|m| m.doc.clone())
            .unwrap_or_default();
        out.open(&format!("{rt}::ServiceInfo {{"));
        out.line(&format!("name: {},", lit(&service.name)));
        out.line(&format!("wsdl_name: {},", lit(&service.wsdl_name)));
        out.line(&format!("module: {},", lit(module)));
        out.line(&format!("doc: {},", lit(&doc)));
        out.line(&format!("source: {},", lit(file_name(&service.file))));
        match &service.address {
            Some(a) => out.line(&format!("address: Some({}),", lit(a))),
            None => out.line("address: None,"),
        }
        out.line(&format!("operations: {module}::op::ALL,"));
        out.close("},");
    }
    out.close("];");
}

fn accessors(out: &mut Out, model: &Model, client: &str) {
    out.open(&format!("impl {client} {{"));
    let mut first = true;
    for module in &model.modules {
        let Some(service) = &module.service else { continue };
        if !first {
            out.blank();
        }
        first = false;
        out.doc(
            "///",
            &format!(
                "The typed calls of the {} service (`{}`).",
                service.name, service.wsdl_name
            ),
        );
        signature(
            out,
            &format!("pub fn {}", module.name),
            &["&self".into()],
            &format!(" -> {}::{}<'_, Self>", module.name, service.api),
        );
        out.line(&format!("{}::{}::new(self)", module.name, service.api));
        out.close("}");
    }
    out.close("}");
}
