//! A small read-only XML tree with source positions, for reading WSDL and XSD files.
//!
//! The generator needs three things a streaming reader does not give cheaply: random access to
//! children (a WSDL refers forward and backward), the namespace bindings in scope at each element
//! (XSD attribute values such as `type="tns:Foo"` are QNames), and the line and column of each
//! element for error messages. Documents are small, so a tree is the simple choice. DTDs and
//! entity references other than the five predefined ones and character references are refused.

use std::collections::BTreeMap;
use std::rc::Rc;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::diagnostic::{Diagnostic, Location};

/// The deepest element nesting a schema file may have. Real WSDLs stay far below it; the limit
/// keeps a hostile file from exhausting the stack of the recursive readers.
const MAX_DEPTH: usize = 200;
/// The largest schema file read, in bytes.
pub const MAX_FILE_SIZE: usize = 32 * 1024 * 1024;

/// A namespace URI.
pub type Namespace = String;

/// A qualified name: namespace URI (empty for no namespace) and local name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QName {
    /// The namespace URI, empty when the name is in no namespace.
    pub ns: Namespace,
    /// The local part.
    pub local: String,
}

impl QName {
    /// Creates a qualified name.
    pub fn new(ns: impl Into<String>, local: impl Into<String>) -> Self {
        QName {
            ns: ns.into(),
            local: local.into(),
        }
    }
}

impl std::fmt::Display for QName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.ns.is_empty() {
            f.write_str(&self.local)
        } else {
            write!(f, "{{{}}}{}", self.ns, self.local)
        }
    }
}

/// The namespace bindings in scope at an element.
#[derive(Debug, Default)]
struct Scope {
    bindings: BTreeMap<String, String>,
}

/// An attribute of an element.
#[derive(Debug, Clone)]
pub struct Attribute {
    /// The namespace of the attribute name (empty for unprefixed attributes).
    pub ns: Namespace,
    /// The local name.
    pub local: String,
    /// The unescaped value.
    pub value: String,
}

/// An element with its attributes, element children, text and position.
#[derive(Debug)]
pub struct Element {
    /// The resolved name.
    pub name: QName,
    /// Attributes, in document order.
    pub attrs: Vec<Attribute>,
    /// Element children, in document order.
    pub children: Vec<Element>,
    /// The concatenated text content directly inside this element.
    pub text: String,
    /// For each child, the length of `text` when the child started: where the child sits in
    /// mixed content.
    child_offsets: Vec<usize>,
    /// Where the element starts.
    pub loc: Location,
    scope: Rc<Scope>,
}

impl Element {
    /// The value of the unqualified attribute `local`.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_empty() && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// The value of the attribute `{ns}local`.
    pub fn attr_ns(&self, ns: &str, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns == ns && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// The element children named `{ns}local`.
    pub fn children_named<'a>(
        &'a self,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children
            .iter()
            .filter(move |c| c.name.ns == ns && c.name.local == local)
    }

    /// The first element child named `{ns}local`.
    pub fn child(&self, ns: &str, local: &str) -> Option<&Element> {
        self.children
            .iter()
            .find(|c| c.name.ns == ns && c.name.local == local)
    }

    /// Whether this element is `{ns}local`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.name.ns == ns && self.name.local == local
    }

    /// Resolves a QName-valued attribute (`tns:Foo`, or `Foo` in the default namespace).
    pub fn resolve_qname(&self, value: &str) -> Result<QName, Diagnostic> {
        let value = value.trim();
        let (prefix, local) = match value.split_once(':') {
            Some((p, l)) => (p, l),
            None => ("", value),
        };
        if local.is_empty() {
            return Err(self.error(format!("empty name in QName `{value}`")));
        }
        match self.scope.bindings.get(prefix) {
            Some(ns) => Ok(QName::new(ns.clone(), local)),
            None if prefix.is_empty() => Ok(QName::new("", local)),
            None if prefix == "xml" => Ok(QName::new(XML_NS, local)),
            None => Err(self.error(format!(
                "prefix `{prefix}` in `{value}` is not bound to a namespace"
            ))),
        }
    }

    /// The documentation text of this element: `xsd:annotation/xsd:documentation` or a
    /// `wsdl:documentation` child, with whitespace tidied.
    pub fn documentation(&self) -> Option<String> {
        let mut parts = Vec::new();
        for child in &self.children {
            if child.name.local == "documentation" {
                parts.push(child.deep_text());
            } else if child.name.local == "annotation" {
                for doc in &child.children {
                    if doc.name.local == "documentation" {
                        parts.push(doc.deep_text());
                    }
                }
            }
        }
        let text = tidy_doc(&parts.join("\n\n"));
        (!text.is_empty()).then_some(text)
    }

    /// All text below this element, including the text of descendants in document order
    /// (documentation may hold XHTML markup). Block elements (`p`, `li`, …) become paragraphs
    /// or lines; inline ones (`b`, `code`, …) just give their text.
    fn deep_text(&self) -> String {
        let mut out = String::new();
        let mut from = 0;
        for (child, &offset) in self.children.iter().zip(&self.child_offsets) {
            let offset = offset.min(self.text.len());
            out.push_str(self.text.get(from..offset).unwrap_or(""));
            from = offset;
            let separator = match child.name.local.as_str() {
                "p" | "div" | "ul" | "ol" | "table" | "pre" | "h1" | "h2" | "h3" | "h4" | "h5"
                | "h6" | "blockquote" => "\n\n",
                "br" | "li" | "tr" | "dt" | "dd" => "\n",
                _ => "",
            };
            out.push_str(separator);
            out.push_str(&child.deep_text());
            out.push_str(separator);
        }
        out.push_str(self.text.get(from..).unwrap_or(""));
        out
    }

    fn push_child(&mut self, child: Element) {
        self.child_offsets.push(self.text.len());
        self.children.push(child);
    }

    /// A diagnostic located at this element.
    pub fn error(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.loc.clone(), message)
    }
}

/// The XML namespace bound to the `xml` prefix.
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Tidies documentation text: trims each line, drops leading and trailing blank lines, and keeps
/// at most one blank line between paragraphs.
fn tidy_doc(text: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() && out.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// Parses `text` (the contents of `file`) into an element tree.
pub fn parse(file: &str, text: &str) -> Result<Element, Diagnostic> {
    let lines = LineIndex::new(text);
    let at = |pos: u64| lines.location(file, pos);
    if text.len() > MAX_FILE_SIZE {
        return Err(Diagnostic::new(
            at(0),
            format!("file is larger than {MAX_FILE_SIZE} bytes"),
        ));
    }
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let root_scope = Rc::new(Scope::default());
    loop {
        let pos = reader.buffer_position();
        let event = reader.read_event().map_err(|e| {
            Diagnostic::new(at(reader.error_position()), format!("malformed XML: {e}"))
        })?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(Diagnostic::new(
                        at(pos),
                        format!("elements nest deeper than {MAX_DEPTH} levels"),
                    ));
                }
                let parent = stack.last().map_or(&root_scope, |e| &e.scope);
                let element = open_element(&start, parent, at(pos))?;
                if root.is_some() && stack.is_empty() {
                    return Err(element.error("more than one root element"));
                }
                stack.push(element);
            }
            Event::Empty(start) => {
                let parent = stack.last().map_or(&root_scope, |e| &e.scope);
                let element = open_element(&start, parent, at(pos))?;
                match stack.last_mut() {
                    Some(parent) => parent.push_child(element),
                    None if root.is_none() => root = Some(element),
                    None => return Err(element.error("more than one root element")),
                }
            }
            Event::End(_) => {
                let Some(element) = stack.pop() else {
                    return Err(Diagnostic::new(at(pos), "unmatched end tag"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.push_child(element),
                    None => root = Some(element),
                }
            }
            Event::Text(t) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = resolve_reference(&r).ok_or_else(|| {
                    Diagnostic::new(
                        at(pos),
                        format!(
                            "entity reference `&{};` is not allowed (only the predefined entities \
                             and character references are)",
                            r.xml10_content()
                        ),
                    )
                })?;
                if let Some(current) = stack.last_mut() {
                    current.text.push(resolved);
                }
            }
            Event::DocType(_) => {
                return Err(Diagnostic::new(
                    at(pos),
                    "DTDs are not supported in schema files (they could define entities)",
                ));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(open.error(format!("element `{}` is never closed", open.name.local)));
    }
    root.ok_or_else(|| Diagnostic::new(at(0), "the file has no root element"))
}

/// Resolves `&name;` to a character: the five predefined entities and character references.
fn resolve_reference(r: &quick_xml::events::BytesRef<'_>) -> Option<char> {
    if r.is_char_ref() {
        return r.resolve_char_ref().ok().flatten();
    }
    match r.xml10_content().as_ref() {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

fn open_element(
    start: &BytesStart<'_>,
    parent: &Rc<Scope>,
    loc: Location,
) -> Result<Element, Diagnostic> {
    let err = |message: String| Diagnostic::new(loc.clone(), message);
    let mut raw_attrs = Vec::new();
    let mut declared: Vec<(String, String)> = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| err(format!("malformed attribute: {e}")))?;
        let key = attr.key.as_ref().to_string();
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| err(format!("attribute `{key}`: {e}")))?
            .into_owned();
        if key == "xmlns" {
            declared.push((String::new(), value));
        } else if let Some(prefix) = key.strip_prefix("xmlns:") {
            declared.push((prefix.to_string(), value));
        } else {
            raw_attrs.push((key, value));
        }
    }
    let scope = if declared.is_empty() {
        Rc::clone(parent)
    } else {
        let mut bindings = parent.bindings.clone();
        bindings.extend(declared);
        Rc::new(Scope { bindings })
    };
    let qname = start.name();
    let raw_name = qname.as_ref();
    let (prefix, local) = match raw_name.split_once(':') {
        Some((p, l)) => (p, l),
        None => ("", raw_name),
    };
    let ns = match scope.bindings.get(prefix) {
        Some(ns) => ns.clone(),
        None if prefix.is_empty() => String::new(),
        None => {
            return Err(err(format!(
                "prefix `{prefix}` of `{raw_name}` is not bound"
            )))
        }
    };
    let mut attrs = Vec::with_capacity(raw_attrs.len());
    for (key, value) in raw_attrs {
        let (ns, local) = match key.split_once(':') {
            Some(("xml", l)) => (XML_NS.to_string(), l.to_string()),
            Some((p, l)) => match scope.bindings.get(p) {
                Some(ns) => (ns.clone(), l.to_string()),
                None => {
                    return Err(err(format!(
                        "prefix `{p}` of attribute `{key}` is not bound"
                    )))
                }
            },
            None => (String::new(), key),
        };
        attrs.push(Attribute { ns, local, value });
    }
    Ok(Element {
        name: QName::new(ns, local),
        attrs,
        children: Vec::new(),
        text: String::new(),
        child_offsets: Vec::new(),
        loc,
        scope,
    })
}

/// Maps byte offsets to line and column numbers.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn location(&self, file: &str, pos: u64) -> Location {
        let pos = usize::try_from(pos).unwrap_or(usize::MAX);
        let line = self.starts.partition_point(|&s| s <= pos).max(1);
        let column = pos.saturating_sub(self.starts[line - 1]) + 1;
        Location {
            file: file.to_string(),
            line: line as u32,
            column: column as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_namespaces_and_positions() {
        let text = "<a xmlns='urn:a' xmlns:b='urn:b'>\n  <b:c type='b:T'>x &amp; y</b:c>\n</a>";
        let root = parse("t.xml", text).unwrap();
        assert_eq!(root.name, QName::new("urn:a", "a"));
        let c = &root.children[0];
        assert_eq!(c.name, QName::new("urn:b", "c"));
        assert_eq!(c.text, "x & y");
        assert_eq!((c.loc.line, c.loc.column), (2, 3));
        assert_eq!(c.resolve_qname("b:T").unwrap(), QName::new("urn:b", "T"));
        assert_eq!(c.resolve_qname("T").unwrap(), QName::new("urn:a", "T"));
        assert!(c.resolve_qname("zz:T").is_err());
    }

    #[test]
    fn refuses_dtds_and_unknown_entities() {
        let dtd = "<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>";
        assert!(parse("t.xml", dtd).unwrap_err().message.contains("DTD"));
        let entity = "<a>&e;</a>";
        assert!(parse("t.xml", entity)
            .unwrap_err()
            .message
            .contains("entity"));
    }

    #[test]
    fn reports_malformed_xml_with_a_position() {
        let err = parse("t.xml", "<a>\n<b></a>").unwrap_err();
        assert_eq!(err.location.file, "t.xml");
        assert!(err.location.line >= 2, "{err}");
    }

    #[test]
    fn refuses_deep_nesting() {
        let text = "<a>".repeat(MAX_DEPTH + 5);
        assert!(parse("t.xml", &text)
            .unwrap_err()
            .message
            .contains("deeper"));
    }
}
