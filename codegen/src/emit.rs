//! Writing the model out as Rust source.
//!
//! The output is laid out the way `rustfmt` would lay it out (a test runs `rustfmt --check` on
//! it), so that reading it in `OUT_DIR`, in the golden files or through
//! `PORTABILLING_CODEGEN_OUT` is like reading hand-written code. The layout rules used here are
//! rustfmt's defaults: 4-space indent, 100 columns, struct literals one field per line, calls
//! and signatures broken one argument per line when they do not fit.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::field_table::field_table;
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

/// The display width of `s` as rustfmt counts it: East Asian wide characters take two
/// columns, combining marks none.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x0300..=0x036F | 0x200B..=0x200F | 0xFE00..=0xFE0F => 0,
            0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x1F300..=0x1F64F
            | 0x1F900..=0x1F9FF
            | 0x20000..=0x3FFFD => 2,
            _ => 1,
        })
        .sum()
}

/// The width rustfmt allows the arguments of a call on one line (`fn_call_width`), and the
/// contents of an array on one line (`array_width`).
const SMALL_WIDTH: usize = 60;
/// Array items up to this width are laid out several to a line
/// (`short_array_element_width_threshold`).
const SHORT_ITEM: usize = 10;

/// An expression whose layout depends on the room it has: a call with one argument, as in
/// `rt::TypeInfo::List(&rt::TypeInfo::Struct(rt::schema_of::<T>))`, or anything else as one
/// unbreakable piece.
enum Expr {
    /// Text that is never broken.
    Atom(String),
    /// `callee(argument)`; the callee may start with `&`.
    Call(String, Box<Expr>),
    /// A generic type with one argument, `Head<Argument>`.
    Generic(String, Box<Expr>),
}

impl Expr {
    fn call(callee: impl Into<String>, arg: Expr) -> Expr {
        Expr::Call(callee.into(), Box::new(arg))
    }

    /// A type as written by the emitter (`Option<Box<super::types::Foo>>`), broken into its
    /// generic heads where it has one argument each.
    fn ty(text: &str) -> Expr {
        if let (Some(open), true) = (text.find('<'), text.ends_with('>')) {
            let inner = &text[open + 1..text.len() - 1];
            let mut depth = 0i32;
            let several = inner.chars().any(|c| {
                match c {
                    '<' => depth += 1,
                    '>' => depth -= 1,
                    _ => {}
                }
                c == ',' && depth == 0
            });
            if !several {
                return Expr::Generic(text[..open].to_string(), Box::new(Expr::ty(inner)));
            }
        }
        Expr::Atom(text.to_string())
    }

    fn flat(&self) -> String {
        match self {
            Expr::Atom(s) => s.clone(),
            Expr::Call(callee, arg) => format!("{callee}({})", arg.flat()),
            Expr::Generic(head, arg) => format!("{head}<{}>", arg.flat()),
        }
    }

    /// Lays the expression out as rustfmt does, starting on a line whose block indent is
    /// `indent`, with `width` columns left on that line. Continuation lines carry their
    /// indentation. `None` when it cannot fit.
    fn rewrite(&self, indent: usize, width: usize) -> Option<String> {
        match self {
            Expr::Atom(s) => (display_width(s) <= width).then(|| s.clone()),
            Expr::Generic(head, arg) => {
                let flat = self.flat();
                if display_width(&flat) <= width {
                    return Some(flat);
                }
                if display_width(head) + 1 > width {
                    return None;
                }
                // Type arguments do not overflow: they go on their own lines.
                let nested = indent + 4;
                let inner = arg.rewrite(nested, MAX_WIDTH.checked_sub(nested + 1)?)?;
                Some(format!(
                    "{head}<\n{}{inner},\n{}>",
                    " ".repeat(nested),
                    " ".repeat(indent)
                ))
            }
            Expr::Call(callee, arg) => {
                let one_line_width = width.checked_sub(display_width(callee) + 2)?;
                // The argument of a single-argument call may overflow: it starts on this line
                // and breaks itself. A nested call gets at most `fn_call_width`.
                if let Expr::Call(..) = **arg {
                    let budget = one_line_width.min(SMALL_WIDTH);
                    if let Some(overflowed) = arg.rewrite(indent, budget) {
                        let first = overflowed.lines().next().unwrap_or("");
                        if display_width(first) <= budget {
                            return Some(format!("{callee}({overflowed})"));
                        }
                    }
                }
                let nested = indent + 4;
                let inner = arg.rewrite(nested, MAX_WIDTH.checked_sub(nested + 1)?)?;
                if !inner.contains('\n') && display_width(&inner) <= one_line_width {
                    return Some(format!("{callee}({inner})"));
                }
                Some(format!(
                    "{callee}(\n{}{inner},\n{})",
                    " ".repeat(nested),
                    " ".repeat(indent)
                ))
            }
        }
    }
}

/// Whether rustfmt prefers the right-hand side of an assignment on the next line (`next`) to
/// the multi-line one that starts on the same line (`same`).
fn prefer_next_line(same: &str, next: &str) -> bool {
    let ends = |s: &str, c: char| s.lines().next().is_some_and(|l| l.ends_with(c));
    !next.contains('\n')
        || same.matches('\n').count() > next.matches('\n').count() + 1
        || ['(', '{', '[']
            .iter()
            .any(|&c| ends(same, c) && !ends(next, c))
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
        self.width() + display_width(s) <= MAX_WIDTH
    }

    /// Writes `head expr tail` for an assignment or a declaration (`type T = X;`,
    /// `pub field: Type,`), with the expression on the same line or, as rustfmt prefers it, on
    /// the next one.
    fn assign(&mut self, head: &str, expr: &Expr, tail: &str) {
        let indent = self.width();
        let room = |start: usize| MAX_WIDTH.checked_sub(start + display_width(tail));
        let same = room(indent + display_width(head) + 1).and_then(|w| expr.rewrite(indent, w));
        if let Some(same) = &same {
            if !same.contains('\n') {
                return self.place(head, same, tail, false);
            }
        }
        let next = room(indent + 4).and_then(|w| expr.rewrite(indent + 4, w));
        match (same, next) {
            (Some(same), Some(next)) if !prefer_next_line(&same, &next) => {
                self.place(head, &same, tail, false)
            }
            (_, Some(next)) => self.place(head, &next, tail, true),
            (Some(same), None) => self.place(head, &same, tail, false),
            // It does not fit anywhere: rustfmt leaves such code as it is.
            (None, None) => self.place(head, &expr.flat(), tail, false),
        }
    }

    /// Writes a struct field `name: expr,`. Unlike an assignment, rustfmt keeps the value on the
    /// field's line whenever it can be laid out from there, and moves it to the next line only
    /// when it cannot.
    fn field_expr(&mut self, name: &str, expr: &Expr) {
        let indent = self.width();
        let head = format!("{name}:");
        let same = MAX_WIDTH
            .checked_sub(indent + display_width(&head) + 2)
            .and_then(|w| expr.rewrite(indent, w));
        if let Some(same) = same {
            return self.place(&head, &same, ",", false);
        }
        match MAX_WIDTH
            .checked_sub(indent + 4)
            .and_then(|w| expr.rewrite(indent + 4, w))
        {
            Some(next) => self.place(&head, &next, ",", true),
            // It does not fit anywhere: rustfmt leaves such code as it is.
            None => self.place(&head, &expr.flat(), ",", false),
        }
    }

    /// Writes an expression on lines of its own, followed by `tail`.
    fn expr(&mut self, expr: &Expr, tail: &str) {
        let indent = self.width();
        let text = MAX_WIDTH
            .checked_sub(indent + display_width(tail))
            .and_then(|w| expr.rewrite(indent, w))
            .unwrap_or_else(|| expr.flat());
        let text = format!("{text}{tail}");
        let mut lines = text.split('\n');
        self.line(lines.next().unwrap_or(""));
        // Continuation lines already carry their indentation.
        for line in lines {
            self.text.push_str(line);
            self.text.push('\n');
        }
    }

    /// Writes `head text tail`, `text` being laid out already (its continuation lines carry
    /// their indentation), on the head's line or on the next.
    fn place(&mut self, head: &str, text: &str, tail: &str, on_next: bool) {
        let text = format!("{text}{tail}");
        let mut lines = text.split('\n');
        let first = lines.next().unwrap_or("");
        if on_next {
            self.line(head);
            self.indent += 1;
            self.line(first);
            self.indent -= 1;
        } else {
            self.line(&format!("{head} {first}"));
        }
        // Continuation lines already carry their indentation.
        for line in lines {
            self.text.push_str(line);
            self.text.push('\n');
        }
    }

    /// Writes `head &[Item { … }, …]tail` (a field or a constant holding struct literals), the
    /// items written by `item`: one item sits on the bracket's line, as rustfmt lays it out.
    fn struct_array(
        &mut self,
        head: &str,
        item_head: &str,
        count: usize,
        tail: &str,
        mut item: impl FnMut(&mut Out, usize),
    ) {
        // Only an assignment moves its value to the next line; a struct field keeps it.
        let may_move = head.ends_with('=');
        if count == 0 {
            self.line(&format!("{head} &[]{tail}"));
            return;
        }
        if count == 1 {
            let same = format!("{head} &[{item_head} {{");
            let next = format!("&[{item_head} {{");
            if self.fits(&same) {
                self.open(&same);
                item(self, 0);
                self.close(&format!("}}]{tail}"));
                return;
            }
            if may_move && self.width() + 4 + display_width(&next) <= MAX_WIDTH {
                self.line(head);
                self.indent += 1;
                self.open(&next);
                item(self, 0);
                self.close(&format!("}}]{tail}"));
                self.indent -= 1;
                return;
            }
        }
        self.open(&format!("{head} &["));
        for i in 0..count {
            self.open(&format!("{item_head} {{"));
            item(self, i);
            self.close("},");
        }
        self.close(&format!("]{tail}"));
    }

    /// Writes `head &[a, b, …]tail` for items that never break: on one line when they fit in
    /// rustfmt's `array_width`, several to a line when all are short, else one per line.
    fn simple_array(&mut self, head: &str, items: &[String], tail: &str) {
        let may_move = head.ends_with('=');
        let content = items.join(", ");
        if display_width(&content) <= SMALL_WIDTH {
            let one = format!("{head} &[{content}]{tail}");
            let next = format!("&[{content}]{tail}");
            if self.fits(&one) {
                self.line(&one);
                return;
            }
            if may_move && self.width() + 4 + display_width(&next) <= MAX_WIDTH {
                self.line(head);
                self.indent += 1;
                self.line(&next);
                self.indent -= 1;
                return;
            }
        }
        self.open(&format!("{head} &["));
        if items.iter().all(|i| display_width(i) <= SHORT_ITEM) {
            let mut line = String::new();
            for item in items {
                let candidate = if line.is_empty() {
                    format!("{item},")
                } else {
                    format!("{line} {item},")
                };
                // The last column stays free.
                if !line.is_empty() && self.width() + display_width(&candidate) >= MAX_WIDTH {
                    self.line(&line);
                    line = format!("{item},");
                } else {
                    line = candidate;
                }
            }
            self.line(&line);
        } else {
            for item in items {
                self.line(&format!("{item},"));
            }
        }
        self.close(&format!("]{tail}"));
    }

    /// Writes the method call chain `parent.call(…)` on one line, or broken before the call when
    /// it is longer than rustfmt's `chain_width`.
    fn chain(&mut self, parent: &str, call: &str) {
        let one = format!("{parent}{call}");
        if display_width(&one) <= SMALL_WIDTH && self.fits(&one) {
            self.line(&one);
        } else {
            self.line(parent);
            self.indent += 1;
            self.line(call);
            self.indent -= 1;
        }
    }

    /// Writes a `match` arm `pattern => value,`, or with the value in a block when the arm does
    /// not fit on a line.
    fn arm(&mut self, pattern: &str, value: &str) {
        let one = format!("{pattern} => {value},");
        if self.fits(&one) {
            self.line(&one);
            return;
        }
        self.open(&format!("{pattern} => {{"));
        self.line(value);
        self.close("}");
    }

    /// Writes a struct field `name: value,` whose value is a literal or other unbreakable text.
    fn field(&mut self, name: &str, value: impl Into<String>) {
        self.field_expr(name, &Expr::Atom(value.into()));
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
    // A fence would start a code block, which rustdoc compiles as a doctest; tabs are spaces.
    let s = &s.replace("```", "'''").replace('\t', "    ");
    if !s.matches('`').count().is_multiple_of(2) {
        // Unbalanced backticks are not code spans: escape everywhere.
        return prose(s);
    }
    s.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                part.to_string()
            } else {
                prose(part)
            }
        })
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
        .map(|line| {
            if line.starts_with("~~~") {
                format!("\\{line}")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// An enumeration value as a Markdown code span, for documentation.
fn value_doc(value: &str) -> String {
    if value.is_empty() {
        return "The empty value.".to_string();
    }
    // A backtick would end the code span.
    let value = value.replace('`', "'");
    if value.trim().is_empty()
        || value.starts_with(' ')
        || value.ends_with(' ')
        || value.contains(char::is_control)
    {
        // Spaces at the ends or control characters: quoted and escaped as in Rust.
        return format!("The value `{value:?}`.");
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
    let boxed = boxed_types(model);
    for m in 0..model.modules.len() {
        if m == 0 && model.types_in(0).next().is_none() {
            continue;
        }
        out.blank();
        module_block(&mut out, model, m, &boxed, options);
    }
    out.blank();
    registry(&mut out, model, options);
    if let Some(client) = &options.client {
        out.blank();
        accessors(&mut out, model, client);
    }
    out.text
}

fn module_block(
    out: &mut Out,
    model: &Model,
    m: usize,
    boxed: &BTreeSet<TypeId>,
    options: &EmitOptions,
) {
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
        let mut names: Vec<&str> = module
            .reexports
            .iter()
            .map(|&id| model.types[id].rust.as_str())
            .collect();
        names.sort_unstable();
        for name in names {
            out.line(&format!(
                "pub use super::{}::{name};",
                model.modules[0].name
            ));
        }
    }
    for (id, ty) in model.types_in(m) {
        out.blank();
        match &ty.kind {
            Kind::Struct(s) => structure(out, model, m, ty, s, boxed.contains(&id)),
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

/// The structs some field holds in a `Box`.
fn boxed_types(model: &Model) -> BTreeSet<TypeId> {
    let mut boxed = BTreeSet::new();
    for ty in &model.types {
        if let Kind::Struct(s) = &ty.kind {
            for f in s.fields.iter().filter(|f| f.boxed) {
                if let Ty::Named(target) = f.ty {
                    boxed.insert(target);
                }
            }
        }
    }
    boxed
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn type_doc(ty: &Type) -> String {
    let ns = if ty.xsd.ns.is_empty() {
        String::new()
    } else {
        format!(" in `{}`", ty.xsd.ns)
    };
    if ty.from_message {
        let mut doc = ty
            .doc
            .as_deref()
            .map(doc_text)
            .unwrap_or_else(|| format!("The parts of the `{}` message.", ty.xsd.local));
        let _ = write!(
            doc,
            "\n\nMade from the parts of an rpc message: the body element `{}`{ns}, for the operation \
             declared at `{}`.",
            ty.xsd.local,
            ty.loc.short()
        );
        return doc;
    }
    if ty.anonymous {
        let mut doc = ty
            .doc
            .as_deref()
            .map(doc_text)
            .unwrap_or_else(|| format!("The type of `{}`.", ty.xsd.local));
        let _ = write!(
            doc,
            "\n\nAnonymous XSD type{ns}, declared at `{}`.",
            ty.loc.short()
        );
        return doc;
    }
    let mut doc = ty
        .doc
        .as_deref()
        .map(doc_text)
        .unwrap_or_else(|| format!("The `{}` type.", ty.xsd.local));
    let _ = write!(
        doc,
        "\n\nXSD type `{}`{ns}, declared at `{}`.",
        ty.xsd.local,
        ty.loc.short()
    );
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

/// What holds a field's value: a `Vec` (a repeated element, or a list type whatever its
/// cardinality), an `Option`, or the value itself.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Holder {
    Vec,
    Option,
    Bare,
}

fn holder(f: &Field) -> Holder {
    match f.card {
        Card::Many => Holder::Vec,
        _ if matches!(f.ty, Ty::List(_)) => Holder::Bare,
        Card::Optional => Holder::Option,
        Card::Required => Holder::Bare,
    }
}

/// The Rust type of a field.
fn field_ty(model: &Model, from: usize, f: &Field) -> String {
    let base = rust_ty(model, from, &f.ty);
    let base = if f.boxed {
        format!("Box<{base}>")
    } else {
        base
    };
    match holder(f) {
        Holder::Vec if f.item_nillable => format!("Vec<Option<{base}>>"),
        Holder::Vec => format!("Vec<{base}>"),
        Holder::Option => format!("Option<{base}>"),
        Holder::Bare => base,
    }
}

/// The runtime `TypeInfo` expression of a value type. `by_ref` puts a `&` before it.
fn type_info(model: &Model, from: usize, ty: &Ty, by_ref: bool) -> Expr {
    let amp = if by_ref { "&" } else { "" };
    match ty {
        Ty::Builtin(b) => Expr::Atom(format!("{amp}rt::TypeInfo::{}", b.type_info())),
        Ty::Flag => Expr::Atom(format!("{amp}rt::TypeInfo::Flag")),
        Ty::Any => Expr::Atom(format!("{amp}rt::TypeInfo::Any")),
        Ty::Named(id) => {
            let (variant, function) = match model.types[*id].kind {
                Kind::Struct(_) => ("Struct", "schema_of"),
                Kind::Enum(_) => ("Enum", "enum_schema_of"),
            };
            Expr::call(
                format!("{amp}rt::TypeInfo::{variant}"),
                Expr::Atom(format!("rt::{function}::<{}>", model.path(*id, from))),
            )
        }
        Ty::List(inner) => Expr::call(
            format!("{amp}rt::TypeInfo::List"),
            type_info(model, from, inner, true),
        ),
    }
}

/// Writes a struct, its [`StructType`] impl and the macro calls that give it the rest. `boxed`:
/// some field holds it in a `Box`.
fn structure(out: &mut Out, model: &Model, m: usize, ty: &Type, s: &Struct, boxed: bool) {
    out.doc("///", &type_doc(ty));
    out.open(&format!("pub struct {} {{", ty.rust));
    for f in &s.fields {
        out.doc("///", &field_doc(ty, f));
        out.assign(
            &format!("pub {}:", f.rust),
            &Expr::ty(&field_ty(model, m, f)),
            ",",
        );
    }
    out.line("/// Elements the schema does not describe, kept as received.");
    out.line(&format!("pub {}: rt::Extra,", s.extra));
    out.close("}");
    out.blank();
    default_impl(out, ty, s);
    out.blank();
    impl_header(out, "rt::StructType", &ty.rust);
    // One constant, its field list inline: a nested `const FIELDS` would be another body
    // for the compiler to check per struct.
    out.open("const SCHEMA: &'static rt::StructSchema = &rt::StructSchema {");
    out.field("name", lit(&ty.xsd.local));
    out.field("namespace", lit(&ty.xsd.ns));
    out.field("doc", lit(ty.doc.as_deref().unwrap_or("")));
    out.field("source", lit(&ty.loc.short()));
    out.field("qualified", s.qualified.to_string());
    match s.fields.as_slice() {
        [] => out.line("fields: &[],"),
        [only] => {
            // One item sits in the brackets, as rustfmt lays it out.
            let (head, args) = field_schema_call(model, m, only);
            let flat_args = args.iter().map(Expr::flat).collect::<Vec<_>>().join(", ");
            let flat_item = format!("{head}({flat_args})");
            let line = format!("fields: &[{flat_item}],");
            // rustfmt keeps a one-item array on a line only within its `array_width`.
            if display_width(&flat_item) <= SMALL_WIDTH && out.fits(&line) {
                out.line(&line);
            } else {
                out.open(&format!("fields: &[{head}("));
                for arg in &args {
                    out.expr(arg, ",");
                }
                out.close(")],");
            }
        }
        fields => {
            out.open("fields: &[");
            for f in fields {
                let (head, args) = field_schema_call(model, m, f);
                call(out, head, &args, ",");
            }
            out.close("],");
        }
    }
    if s.fields
        .iter()
        .any(|f| f.doc.as_deref().is_some_and(|d| !d.is_empty()))
    {
        let docs: Vec<String> = s
            .fields
            .iter()
            .map(|f| lit(f.doc.as_deref().unwrap_or("")))
            .collect();
        match docs.as_slice() {
            // A lone string goes on a line of its own if that makes it fit, else stays in its
            // brackets however long it is.
            [only]
                if !out.fits(&format!("docs: &[{only}],"))
                    && out.width() + 4 + display_width(only) < MAX_WIDTH =>
            {
                out.open("docs: &[");
                out.line(&format!("{only},"));
                out.close("],");
            }
            [only] => out.line(&format!("docs: &[{only}],")),
            _ => out.simple_array("docs:", &docs, ","),
        }
    } else {
        out.line("docs: &[],");
    }
    let names: Vec<&str> = s.fields.iter().map(|f| f.wire.as_str()).collect();
    let table: Vec<String> = field_table(&names)
        .iter()
        .map(|slot| slot.to_string())
        .collect();
    out.simple_array("index:", &table, ",");
    out.close("};");
    out.blank();
    inline(out);
    out.open("fn read_field(&self, index: usize) -> rt::ValueRef<'_> {");
    field_match(out, model, s, FieldAccess::Read);
    out.close("}");
    out.blank();
    inline(out);
    signature(
        out,
        "fn fill_field",
        &["&mut self".into(), "index: usize".into()],
        " -> Option<rt::ValueMut<'_>>",
    );
    field_match(out, model, s, FieldAccess::Write);
    out.close("}");
    out.close("}");
    out.blank();
    macro_call(out, "rt::structure_impls!", &ty.rust);
    if boxed {
        macro_call(out, "rt::boxed_structure_impls!", &ty.rust);
    }
}

/// How `StructType::read_field` or `fill_field` reaches a field.
#[derive(Clone, Copy)]
enum FieldAccess {
    Read,
    Write,
}

/// The body of `read_field` or `fill_field`: a match from field index to the field's value,
/// and one past the last field, the elements the schema does not describe.
fn field_match(out: &mut Out, model: &Model, s: &Struct, access: FieldAccess) {
    let (open, past, close) = match access {
        FieldAccess::Read => ("match index {", "_ => rt::ValueRef::Absent,", "}"),
        FieldAccess::Write => ("Some(match index {", "_ => return None,", "})"),
    };
    out.open(open);
    for (i, f) in s.fields.iter().enumerate() {
        out.arm(&i.to_string(), &field_value(model, f, access));
    }
    let extra = match access {
        FieldAccess::Read => format!("rt::ValueRef::Extra(&self.{})", s.extra),
        FieldAccess::Write => format!("rt::ValueMut::Extra(&mut self.{})", s.extra),
    };
    out.arm(&s.fields.len().to_string(), &extra);
    out.line(past);
    out.close(close);
}

/// A field's value in `read_field` or `fill_field`. Lists, and optional structs to fill, are
/// named by their shape; the rest go through `FieldValue`, whose functions are instantiated
/// per field type: a server's whole API has a thousand list and struct types, and scalars
/// are few types shared by all fields.
fn field_value(model: &Model, f: &Field, access: FieldAccess) -> String {
    let holder = holder(f);
    let list = match holder {
        Holder::Vec => true,
        Holder::Bare => matches!(f.ty, Ty::List(_)),
        Holder::Option => false,
    };
    let optional_struct = holder == Holder::Option
        && matches!(f.ty, Ty::Named(id) if matches!(model.types[id].kind, Kind::Struct(_)));
    let name = &f.rust;
    match access {
        FieldAccess::Read if list => format!("rt::ValueRef::List(&self.{name})"),
        FieldAccess::Read => format!("rt::FieldValue::value(&self.{name})"),
        FieldAccess::Write if list => format!("rt::ValueMut::List(&mut self.{name})"),
        FieldAccess::Write if optional_struct => {
            format!("rt::ValueMut::Optional(&mut self.{name})")
        }
        FieldAccess::Write => format!("rt::FieldValue::value_mut(&mut self.{name})"),
    }
}

/// Marks the next function of a type's impl `#[inline]`. Besides its usual meaning, that
/// leaves the function to be compiled in the crate that calls it, not in this library: the
/// library reaches the generated types only through their schemas (the registry's values are
/// `DynamicStructure`s), so a server's 5,000 types cost it no code generation, and a program
/// pays for the types it uses.
fn inline(out: &mut Out) {
    out.line("#[inline]");
}

/// `Default`, written out: an empty value is `None` or an empty list in all but required
/// fields, and a literal costs the compiler less than a derive's call per field.
fn default_impl(out: &mut Out, ty: &Type, s: &Struct) {
    impl_header(out, "Default", &ty.rust);
    inline(out);
    out.open("fn default() -> Self {");
    out.open("Self {");
    for f in &s.fields {
        let empty = match holder(f) {
            Holder::Vec => "Vec::new()",
            Holder::Option => "None",
            // A list type is a `Vec` itself.
            Holder::Bare if matches!(f.ty, Ty::List(_)) => "Vec::new()",
            Holder::Bare => "Default::default()",
        };
        out.line(&format!("{}: {empty},", f.rust));
    }
    out.line(&format!("{}: rt::Extra::new(),", s.extra));
    out.close("}");
    out.close("}");
    out.close("}");
}

/// The documentation of a field: the schema's, or what the field is; secrets say so.
fn field_doc(ty: &Type, f: &Field) -> String {
    let mut doc = match f.doc.as_deref().map(doc_text) {
        Some(doc) if !doc.is_empty() => doc,
        _ if f.attribute => format!("Attribute `{}`, `{}`.", f.wire, f.xsd_type),
        _ if f.wire.is_empty() => format!("The text content, `{}`.", f.xsd_type),
        _ => match &f.namespace {
            // An element reference into another namespace: the runtime matches elements by
            // local name, so the namespace is only documented.
            Some(ns) if *ns != ty.xsd.ns => {
                format!("Element `{}` in `{ns}`, `{}`.", f.wire, f.xsd_type)
            }
            _ => format!("Element `{}`, `{}`.", f.wire, f.xsd_type),
        },
    };
    if f.sensitive {
        doc.push_str("\n\nA secret: shown as `<redacted>` in `Debug` output.");
    }
    doc
}

/// One field's `rt::FieldSchema` expression, as a call and its arguments: the short
/// constructors for the usual optional, required and repeated elements, `new` for the rest.
fn field_schema_call(model: &Model, m: usize, f: &Field) -> (&'static str, Vec<Expr>) {
    let ty = type_info(model, m, &f.ty, false);
    let name = Expr::Atom(lit(&f.wire));
    let kind = if f.attribute {
        "Attribute"
    } else if f.wire.is_empty() {
        "Text"
    } else {
        "Element"
    };
    let occurs = match f.card {
        Card::Required => "Required",
        Card::Optional => "Optional",
        Card::Many if f.item_nillable => "ManyNillable",
        Card::Many => "Many",
    };
    match (kind, occurs, f.sensitive) {
        ("Element", "Optional", false) => ("rt::FieldSchema::element", vec![name, ty]),
        ("Element", "Required", false) => ("rt::FieldSchema::required", vec![name, ty]),
        ("Element", "Many", false) => ("rt::FieldSchema::many", vec![name, ty]),
        _ => (
            "rt::FieldSchema::new",
            vec![
                name,
                ty,
                Expr::Atom(format!("rt::Occurs::{occurs}")),
                Expr::Atom(format!("rt::FieldKind::{kind}")),
                Expr::Atom(f.sensitive.to_string()),
            ],
        ),
    }
}

/// Writes the call `head(args)` followed by `tail`: on one line when the arguments fit in
/// rustfmt's `fn_call_width`, else one argument per line.
fn call(out: &mut Out, head: &str, args: &[Expr], tail: &str) {
    let flat_args = args.iter().map(Expr::flat).collect::<Vec<_>>().join(", ");
    let one = format!("{head}({flat_args}){tail}");
    if display_width(&flat_args) <= SMALL_WIDTH && out.fits(&one) {
        out.line(&one);
        return;
    }
    if let [arg] = args {
        // A single argument may overflow from the call's line, as rustfmt lets it.
        out.assign(&format!("{head}("), arg, &format!("){tail}"));
        return;
    }
    out.open(&format!("{head}("));
    for arg in args {
        out.expr(arg, ",");
    }
    out.close(&format!("){tail}"));
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
    impl_header(out, "rt::Enumeration", &ty.rust);
    out.open("const SCHEMA: &'static rt::EnumSchema = &rt::EnumSchema {");
    out.field("name", lit(&ty.xsd.local));
    out.field("namespace", lit(&ty.xsd.ns));
    out.field("doc", lit(ty.doc.as_deref().unwrap_or("")));
    out.field("source", lit(&ty.loc.short()));
    let values: Vec<String> = e.variants.iter().map(|(_, v)| lit(v)).collect();
    out.simple_array("values:", &values, ",");
    out.close("};");
    out.blank();
    inline(out);
    out.open("fn as_str(&self) -> &str {");
    out.open("match self {");
    for (variant, value) in &e.variants {
        out.arm(&format!("Self::{variant}"), &lit(value));
    }
    if e.variants.is_empty() {
        out.line(&format!("Self::{} => \"\",", e.other));
    } else {
        out.line(&format!("Self::{}(value) => value,", e.other));
    }
    out.close("}");
    out.close("}");
    out.blank();
    inline(out);
    out.open("fn from_wire(value: &str) -> Self {");
    if e.variants.is_empty() {
        out.line("let _ = value;");
        out.line(&format!("Self::{}", e.other));
    } else {
        out.open("match value {");
        for (variant, value) in &e.variants {
            out.arm(&lit(value), &format!("Self::{variant}"));
        }
        out.line(&format!("_ => Self::{}(value.to_string()),", e.other));
        out.close("}");
    }
    out.close("}");
    out.close("}");
    out.blank();
    macro_call(out, "rt::enumeration_impls!", &ty.rust);
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
    let close = format!("){ret} {{");
    match ret.strip_prefix(" -> ") {
        // A return type too long for the line breaks at its type arguments.
        Some(ty) if !out.fits(&close) => {
            let indent = out.width();
            let text = MAX_WIDTH
                .checked_sub(indent + 7)
                .and_then(|w| Expr::ty(ty).rewrite(indent, w))
                .unwrap_or_else(|| ty.to_string());
            out.place(")", &format!("-> {text}"), " {", false);
            out.indent += 1;
        }
        _ => out.open(&close),
    }
}

/// Writes `impl Trait for Type {`, with `for Type` on its own line when it does not fit.
fn impl_header(out: &mut Out, trait_path: &str, ty: &str) {
    let one = format!("impl {trait_path} for {ty} {{");
    if out.fits(&one) {
        out.open(&one);
        return;
    }
    out.line(&format!("impl {trait_path}"));
    out.indent += 1;
    out.line(&format!("for {ty}"));
    out.indent -= 1;
    out.open("{");
}

/// Writes `name!(argument);`, with the argument on its own line when it does not fit.
fn macro_call(out: &mut Out, name: &str, argument: &str) {
    let one = format!("{name}({argument});");
    if out.fits(&one) {
        out.line(&one);
        return;
    }
    out.open(&format!("{name}("));
    let arguments: Vec<&str> = argument.split(", ").collect();
    for (i, a) in arguments.iter().enumerate() {
        let comma = if i + 1 < arguments.len() { "," } else { "" };
        out.line(&format!("{a}{comma}"));
    }
    out.close(");");
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
            "The typed calls of the {} service.\n\nGet one from a client's accessor, or wrap any [`Caller`](rt::Caller) with [`{}::new`].",
            service.name, service.api
        ),
    );
    out.line("#[derive(Debug)]");
    out.open(&format!("pub struct {}<'a, C> {{", service.api));
    out.line("caller: &'a C,");
    out.close("}");
    out.blank();
    out.open(&format!("impl<C> Clone for {}<'_, C> {{", service.api));
    out.open("fn clone(&self) -> Self {");
    out.line("*self");
    out.close("}");
    out.close("}");
    out.blank();
    out.line(&format!("impl<C> Copy for {}<'_, C> {{}}", service.api));
    out.blank();
    out.open(&format!(
        "impl<'a, C: rt::Caller> {}<'a, C> {{",
        service.api
    ));
    out.line("/// Wraps a caller: a client, or a test double.");
    out.open("pub fn new(caller: &'a C) -> Self {");
    out.line("Self { caller }");
    out.close("}");
    for op in &service.operations {
        out.blank();
        let req = model.path(op.request, m);
        let resp = model.path(op.response, m);
        let mut doc = op
            .doc
            .as_deref()
            .map(doc_text)
            .unwrap_or_else(|| format!("Calls `{}`.", op.method));
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
        out.chain(
            "self.caller",
            &format!(".call::<op::{}>(request)", op.descriptor),
        );
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
                &format!(" -> rt::Pages<'a, C, op::{}>", op.descriptor),
            );
            out.line("rt::Pages::new(self.caller, request)");
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
            out.chain(
                "self.caller",
                &format!(".stream::<op::{}>(request)", op.descriptor),
            );
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
    out.line(&format!(
        "/// Descriptors of the {} service's operations.",
        service.name
    ));
    out.open("pub mod op {");
    out.line("use super::*;");
    for op in &service.operations {
        out.blank();
        descriptor(out, model, m, service, op);
    }
    out.blank();
    out.line(&format!(
        "/// Every operation of the {} service, in WSDL order.",
        service.name
    ));
    let all: Vec<String> = service
        .operations
        .iter()
        .map(|op| format!("<{} as rt::Operation>::INFO", op.descriptor))
        .collect();
    out.simple_array("pub const ALL: &[&rt::OperationInfo] =", &all, ";");
    out.close("}");
}

fn descriptor(out: &mut Out, model: &Model, m: usize, service: &Service, op: &Operation) {
    let summary = op
        .doc
        .as_deref()
        .map(first_sentence)
        .map(|s| doc_text(&s))
        .unwrap_or_default();
    // Rustdoc cannot resolve a raw identifier (`r#type`) in a link path: name it unlinked.
    let caller = if op.function.starts_with("r#") {
        format!("`{}::{}`", service.api, op.function)
    } else {
        format!(
            "[`{}::{}`](super::{}::{})",
            service.api, op.function, service.api, op.function
        )
    };
    out.doc(
        "///",
        &format!(
            "`{}/{}`: {}\n\nCalled by {caller}. It has no values: it names the operation \
             as a type (`caller.call::<op::{}>(request)`).",
            service.name,
            op.method,
            if summary.is_empty() {
                "an operation."
            } else {
                &summary
            },
            op.descriptor,
        ),
    );
    // An empty enum: the descriptor is only ever a type, so it needs no derives to compile.
    out.line(&format!("pub enum {} {{}}", op.descriptor));
    out.blank();
    // Paths are written for the service module; `op` is one level down. There a descriptor
    // also shadows the service module's type of the same name (the request type of a
    // document/literal operation is often named like the operation).
    let descriptors: Vec<&str> = service
        .operations
        .iter()
        .map(|o| o.descriptor.as_str())
        .collect();
    let req = unshadow(&model.path(op.request, m), &descriptors);
    let resp = unshadow(&model.path(op.response, m), &descriptors);
    impl_header(out, "rt::Operation", &op.descriptor);
    out.assign("type Request =", &Expr::Atom(req.clone()), ";");
    out.assign("type Response =", &Expr::Atom(resp.clone()), ";");
    out.open("const INFO: &'static rt::OperationInfo = &rt::OperationInfo {");
    out.field("service", lit(&service.name));
    out.field("method", lit(&op.method));
    out.field("doc", lit(op.doc.as_deref().unwrap_or("")));
    out.field("source", lit(&op.loc.short()));
    let style = match op.style {
        Style::Rpc => "Rpc",
        Style::Document => "Document",
    };
    out.line(&format!("style: rt::Style::{style},"));
    out.field("encoded", op.encoded.to_string());
    out.field("namespace", lit(&op.namespace));
    out.field("soap_action", lit(&op.action));
    out.field("request_element", lit(&op.request_element));
    let some = |value: Option<&String>| match value {
        Some(v) => Expr::call("Some", Expr::Atom(lit(v))),
        None => Expr::Atom("None".into()),
    };
    out.field_expr("request_part", &some(op.request_part.as_ref()));
    out.field("response_element", lit(&op.response_element));
    match &op.header {
        Some((element, ns)) => {
            out.open("header: Some(rt::HeaderInfo {");
            out.field("element", lit(element));
            out.field("namespace", lit(ns));
            out.close("}),");
        }
        None => out.line("header: None,"),
    }
    out.field_expr(
        "list_field",
        &some(op.paging.as_ref().map(|p| &p.list_wire)),
    );
    out.field("read_only", op.read_only.to_string());
    out.field("needs_session", op.needs_session.to_string());
    for (name, ty) in [("request", &req), ("response", &resp)] {
        let line = format!("{name}: <{ty} as rt::StructType>::SCHEMA,");
        if out.fits(&line) {
            out.line(&line);
        } else {
            out.field(name, format!("rt::schema_of::<{ty}>()"));
        }
    }
    out.close("};");
    out.close("}");
    if let Some(paging) = &op.paging {
        out.blank();
        let item = unshadow(&paging_item(model, m, paging), &descriptors);
        impl_header(out, "rt::PagedOperation", &op.descriptor);
        out.assign("type Item =", &Expr::ty(&item), ";");
        let reports_total = paging.get_total_field.is_some() && paging.total_field.is_some();
        out.line(&format!("const REPORTS_TOTAL: bool = {reports_total};"));
        out.blank();
        inline(out);
        signature(
            out,
            "fn set_page",
            &[
                format!("request: &mut {req}"),
                "offset: u64".into(),
                "limit: u64".into(),
                "get_total: bool".into(),
            ],
            "",
        );
        for (field, value) in [
            (&paging.offset_field, "offset"),
            (&paging.limit_field, "limit"),
        ] {
            let expr = format!("rt::page_number({value})");
            let expr = if field.1 {
                format!("Some({expr})")
            } else {
                expr
            };
            out.line(&format!("request.{} = {expr};", field.0));
        }
        match &paging.get_total_field {
            Some((name, optional)) => {
                let expr = "rt::page_number(u64::from(get_total))".to_string();
                let expr = if *optional {
                    format!("Some({expr})")
                } else {
                    expr
                };
                out.line(&format!("request.{name} = {expr};"));
            }
            None => out.line("let _ = get_total;"),
        }
        out.close("}");
        out.blank();
        inline(out);
        signature(
            out,
            "fn into_items",
            &[format!("response: {resp}")],
            " -> Vec<Self::Item>",
        );
        out.line(&format!("response.{}", paging.list_field));
        out.close("}");
        out.blank();
        match &paging.total_field {
            Some((name, optional)) => {
                inline(out);
                signature(
                    out,
                    "fn total",
                    &[format!("response: &{resp}")],
                    " -> Option<u64>",
                );
                if *optional {
                    out.line(&format!("response.{name}.and_then(rt::page_count)"));
                } else {
                    out.line(&format!("rt::page_count(response.{name})"));
                }
            }
            None => {
                inline(out);
                signature(
                    out,
                    "fn total",
                    &[format!("_response: &{resp}")],
                    " -> Option<u64>",
                );
                out.line("None");
            }
        }
        out.close("}");
        out.close("}");
    }
}

/// Rewrites the type `ty`, written for the service module, for its `op` submodule: a path that
/// starts with `super::` gets one more, and a name that is one of `shadowing` (declared in `op`)
/// gets `super::`.
fn unshadow(ty: &str, shadowing: &[&str]) -> String {
    let mut out = String::with_capacity(ty.len());
    let mut rest = ty;
    while let Some(start) = rest.find(|c: char| c.is_alphanumeric() || c == '_') {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        let end = from
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(from.len());
        let (word, after) = from.split_at(end);
        if (word == "super" || shadowing.contains(&word)) && !out.ends_with("::") {
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
    out.struct_array(
        &format!("pub const SERVICES: &[{rt}::ServiceInfo] ="),
        &format!("{rt}::ServiceInfo"),
        services.len(),
        ";",
        |out, i| {
            let (service, module) = services[i];
            let doc = model
                .modules
                .iter()
                .find(|m| m.name == module)
                .and_then(|m| m.doc.clone())
                .unwrap_or_default();
            out.field("name", lit(&service.name));
            out.field("wsdl_name", lit(&service.wsdl_name));
            out.field("module", lit(module));
            out.field("doc", lit(&doc));
            out.field("source", lit(file_name(&service.file)));
            let address = match &service.address {
                Some(a) => Expr::call("Some", Expr::Atom(lit(a))),
                None => Expr::Atom("None".into()),
            };
            out.field_expr("address", &address);
            out.field("operations", format!("{module}::op::ALL"));
        },
    );
}

fn accessors(out: &mut Out, model: &Model, client: &str) {
    out.open(&format!("impl {client} {{"));
    let mut first = true;
    for module in &model.modules {
        let Some(service) = &module.service else {
            continue;
        };
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
