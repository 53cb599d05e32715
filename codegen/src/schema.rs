//! Reading XML Schema (XSD) into a small model: named types, global elements, groups and
//! attributes, each with its documentation and source position.
//!
//! The model keeps the schema's own structure (particles with occurrence bounds, extension
//! bases, array declarations); turning it into Rust shapes is the job of `model`. Schemas come
//! from `<types>` in a WSDL or from `.xsd` files reached through `xsd:import` / `xsd:include`,
//! whose `schemaLocation` is read relative to the including file. Nothing is fetched from the
//! network.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Error, Location};
use crate::xml::{self, Element, QName};

/// The XML Schema namespace.
pub const XSD_NS: &str = "http://www.w3.org/2001/XMLSchema";
/// The SOAP 1.1 encoding namespace (`soapenc`).
pub const SOAPENC_NS: &str = "http://schemas.xmlsoap.org/soap/encoding/";
/// The WSDL 1.1 namespace.
pub const WSDL_NS: &str = "http://schemas.xmlsoap.org/wsdl/";
/// The XML Schema instance namespace (`xsi`).
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The most levels a SOAP-encoded array type may nest (`xsd:string[][]` has two).
const MAX_ARRAY_DIMENSIONS: usize = 8;

/// Where a declaration comes from: the embedded schema of a WSDL file, or a separate XSD file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// Declared inside `<types>` of this WSDL file.
    Wsdl(String),
    /// Declared in an XSD file.
    Xsd(String),
}

/// A reference to a type: by name, or an anonymous type declared in place.
#[derive(Clone, Debug)]
pub enum TypeRef {
    /// A named type (possibly a built-in one).
    Named(QName),
    /// An anonymous type declared inside an element or attribute.
    Anonymous(Box<TypeDecl>),
}

/// A named or anonymous type declaration.
#[derive(Clone, Debug)]
pub struct TypeDecl {
    /// The type name; for anonymous types, the name of the element that holds it.
    pub name: QName,
    /// The documentation from `xsd:annotation`.
    pub doc: Option<String>,
    /// Where it is declared.
    pub loc: Location,
    /// The file that declares it.
    pub origin: Origin,
    /// Whether local elements are namespace-qualified (`elementFormDefault="qualified"`).
    pub qualified: bool,
    /// The content.
    pub body: TypeBody,
}

/// The content of a type.
#[derive(Clone, Debug)]
pub enum TypeBody {
    /// A complex type.
    Complex(Complex),
    /// A simple type.
    Simple(Simple),
}

/// A complex type.
#[derive(Clone, Debug, Default)]
pub struct Complex {
    /// The base of a `complexContent` extension: its fields come first.
    pub extends: Option<QName>,
    /// Element particles, flattened from sequence, all and choice groups.
    pub particles: Vec<Particle>,
    /// Attributes.
    pub attributes: Vec<AttributeUse>,
    /// The value type of `simpleContent`.
    pub simple_content: Option<TypeRef>,
    /// For a `soapenc:Array` restriction: the item type, from `wsdl:arrayType` or the sequence.
    pub array_item: Option<ArrayItem>,
    /// Whether the content allows `xsd:any` elements.
    pub open: bool,
}

/// The item type of a SOAP-encoded array.
#[derive(Clone, Debug)]
pub struct ArrayItem {
    /// The item type.
    pub ty: TypeRef,
    /// How many array levels the declaration has beyond this one (`xsd:string[][]` has 1).
    pub extra_dimensions: usize,
}

/// One element in a content model, with its occurrence bounds already combined with those of
/// the groups around it.
#[derive(Clone, Debug)]
pub struct Particle {
    /// What the particle is.
    pub kind: ParticleKind,
    /// The minimum number of occurrences.
    pub min: u32,
    /// The maximum number of occurrences; `None` is unbounded.
    pub max: Option<u32>,
    /// For a particle inside an `xsd:choice`: the choice's branches, as Markdown (`` `a` ``,
    /// `` (`b`, `c`) ``), for documentation.
    pub choice: Option<Vec<String>>,
    /// Where it is declared.
    pub loc: Location,
}

/// The kinds of particles.
#[derive(Clone, Debug)]
pub enum ParticleKind {
    /// A local element.
    Element {
        /// The element name.
        name: String,
        /// Its type.
        ty: TypeRef,
        /// Whether `xsi:nil` is allowed.
        nillable: bool,
        /// Its documentation.
        doc: Option<String>,
    },
    /// `<element ref="…"/>`: a global element.
    ElementRef(QName),
    /// `<group ref="…"/>`: a named model group.
    GroupRef(QName),
}

impl ParticleKind {
    /// The element or group, as Markdown for documentation.
    fn label(&self) -> String {
        match self {
            ParticleKind::Element { name, .. } => format!("`{name}`"),
            ParticleKind::ElementRef(q) => format!("`{}`", q.local),
            ParticleKind::GroupRef(q) => format!("group `{}`", q.local),
        }
    }
}

/// An attribute of a complex type.
#[derive(Clone, Debug)]
pub struct AttributeUse {
    /// The attribute name.
    pub name: String,
    /// Its type.
    pub ty: TypeRef,
    /// Whether it is required.
    pub required: bool,
    /// Its documentation.
    pub doc: Option<String>,
    /// Where it is declared.
    pub loc: Location,
}

/// A simple type.
#[derive(Clone, Debug)]
pub enum Simple {
    /// A restriction of a base type, possibly to a set of values.
    Restriction {
        /// The base type.
        base: TypeRef,
        /// The allowed values, if it is an enumeration.
        enumeration: Vec<String>,
        /// Other facets (`pattern`, `maxLength`, …) as written, for documentation.
        facets: Vec<(String, String)>,
    },
    /// A whitespace-separated list.
    List(TypeRef),
    /// A union of other simple types.
    Union,
}

/// A global element.
#[derive(Clone, Debug)]
pub struct ElementDecl {
    /// The element name.
    pub name: QName,
    /// Its type.
    pub ty: TypeRef,
    /// Whether `xsi:nil` is allowed.
    pub nillable: bool,
    /// Its documentation.
    pub doc: Option<String>,
    /// Where it is declared.
    pub loc: Location,
}

/// Every declaration read from a set of schemas.
#[derive(Debug, Default)]
pub struct SchemaSet {
    /// Named types.
    pub types: BTreeMap<QName, TypeDecl>,
    /// Global elements.
    pub elements: BTreeMap<QName, ElementDecl>,
    /// Named model groups, as particles.
    pub groups: BTreeMap<QName, Vec<Particle>>,
    /// Named attribute groups.
    pub attribute_groups: BTreeMap<QName, Vec<AttributeUse>>,
    /// Global attributes.
    pub attributes: BTreeMap<QName, AttributeUse>,
    /// Warnings about constructs that were skipped or approximated.
    pub warnings: Vec<Diagnostic>,
    /// Imports without a `schemaLocation`, with the warning to give if nothing declares the
    /// namespace.
    unlocated_imports: Vec<(String, Diagnostic)>,
    loaded: BTreeSet<PathBuf>,
    /// Directories whose files another directory's files of the same path replace (the
    /// bundled WSDLs and a user's): a schema the bundled WSDLs import is read from the user's
    /// directory when it has one, so a shared types file is read once, not twice.
    pub redirects: Vec<(PathBuf, PathBuf)>,
}

impl SchemaSet {
    /// Reads a `<xsd:schema>` element found in `file` (a WSDL or an XSD file).
    pub fn read_schema(
        &mut self,
        schema: &Element,
        file: &Path,
        origin: &Origin,
    ) -> Result<(), Error> {
        let target_ns = schema.attr("targetNamespace").unwrap_or("").to_string();
        let qualified = schema.attr("elementFormDefault") == Some("qualified");
        let ctx = Context {
            target_ns,
            qualified,
            origin: origin.clone(),
        };
        // Imports and attribute declarations first, so that types may use them in any order.
        let (early, late): (Vec<&Element>, Vec<&Element>) = schema.children.iter().partition(|c| {
            matches!(
                c.name.local.as_str(),
                "import" | "include" | "attributeGroup" | "attribute"
            )
        });
        for child in early.into_iter().chain(late) {
            if child.name.ns != XSD_NS {
                self.warn(
                    child,
                    format!("unknown element `{}` in a schema, ignored", child.name),
                );
                continue;
            }
            match child.name.local.as_str() {
                "import" | "include" => self.read_import(child, file)?,
                "complexType" | "simpleType" => {
                    let decl = self.read_type(child, &ctx, None)?;
                    self.add_type(decl);
                }
                "element" => {
                    let decl = self.read_global_element(child, &ctx)?;
                    self.elements.entry(decl.name.clone()).or_insert(decl);
                }
                "group" => {
                    let name = QName::new(&ctx.target_ns, required_attr(child, "name")?);
                    let mut particles = Vec::new();
                    for model in &child.children {
                        self.read_model(model, &ctx, 1, Some(1), false, &mut particles)?;
                    }
                    self.groups.entry(name).or_insert(particles);
                }
                "attributeGroup" => {
                    let name = QName::new(&ctx.target_ns, required_attr(child, "name")?);
                    let mut attrs = Vec::new();
                    self.read_attributes(child, &ctx, &mut attrs)?;
                    self.attribute_groups.entry(name).or_insert(attrs);
                }
                "attribute" => {
                    let attr = self.read_attribute(child, &ctx)?;
                    let name = QName::new(&ctx.target_ns, attr.name.clone());
                    self.attributes.entry(name).or_insert(attr);
                }
                "annotation" | "notation" => {}
                "redefine" | "override" => {
                    return Err(child
                        .error(format!(
                            "unsupported construct `xsd:{}`: copy the redefined types into the \
                             schema instead",
                            child.name.local
                        ))
                        .into())
                }
                other => self.warn(
                    child,
                    format!("unsupported construct `xsd:{other}` ignored"),
                ),
            }
        }
        Ok(())
    }

    /// The warnings, once every input is read: an import without `schemaLocation` is only
    /// worth a warning when no input declares anything in its namespace.
    pub fn take_warnings(&mut self) -> Vec<Diagnostic> {
        let mut warnings = std::mem::take(&mut self.warnings);
        for (namespace, warning) in std::mem::take(&mut self.unlocated_imports) {
            let declared = self
                .types
                .keys()
                .chain(self.elements.keys())
                .any(|q| q.ns == namespace);
            if !declared {
                warnings.push(warning);
            }
        }
        warnings
    }

    /// The XSD files read so far.
    pub fn files(&self) -> impl Iterator<Item = PathBuf> + '_ {
        self.loaded.iter().cloned()
    }

    /// Reads an XSD file, unless it was read already.
    pub fn read_xsd_file(&mut self, path: &Path) -> Result<(), Error> {
        let canonical = path.canonicalize().map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        if !self.loaded.insert(canonical) {
            return Ok(());
        }
        let name = path.display().to_string();
        let root = load(path)?;
        if !root.is(XSD_NS, "schema") {
            return Err(root
                .error(format!(
                    "expected an xsd:schema root element, found `{}`",
                    root.name
                ))
                .into());
        }
        self.read_schema(&root, path, &Origin::Xsd(name))
    }

    /// The file a `schemaLocation` or `location` in `file` names: relative to `file`, or the
    /// same path in a directory that replaces `file`'s (see [`redirects`](Self::redirects)).
    pub fn locate(&self, file: &Path, location: &str) -> PathBuf {
        let path = file.parent().unwrap_or(Path::new(".")).join(location);
        for (replaced, replacing) in &self.redirects {
            if let Ok(relative) = path.strip_prefix(replaced) {
                let candidate = replacing.join(relative);
                if candidate.is_file() {
                    return candidate;
                }
            }
        }
        path
    }

    fn read_import(&mut self, element: &Element, file: &Path) -> Result<(), Error> {
        let namespace = element.attr("namespace").unwrap_or("");
        let Some(location) = element.attr("schemaLocation") else {
            if ![SOAPENC_NS, XSD_NS, WSDL_NS, XSI_NS].contains(&namespace)
                && element.name.local == "import"
            {
                // Another input may declare the namespace: decided in `take_warnings`.
                self.unlocated_imports.push((
                    namespace.to_string(),
                    element.error(format!(
                        "import of `{namespace}` has no schemaLocation, and no input declares that namespace"
                    )),
                ));
            }
            return Ok(());
        };
        if location.contains("://") {
            if ![SOAPENC_NS, XSD_NS, WSDL_NS].contains(&namespace) {
                self.warn(
                    element,
                    format!("schemaLocation `{location}` is remote; it is not fetched"),
                );
            }
            return Ok(());
        }
        let path = self.locate(file, location);
        if !path.exists() {
            return Err(element
                .error(format!(
                    "schemaLocation `{location}` does not exist (looked for {})",
                    path.display()
                ))
                .into());
        }
        self.read_xsd_file(&path)
    }

    /// Whether the file `later` sits in a directory whose files `first`'s directory replaces:
    /// the bundled copy of a type the user's WSDLs declare, expected and not worth a warning.
    fn replaced(&self, later: &str, first: &str) -> bool {
        self.redirects.iter().any(|(replaced, replacing)| {
            Path::new(later).starts_with(replaced) && Path::new(first).starts_with(replacing)
        })
    }

    fn add_type(&mut self, decl: TypeDecl) {
        if let Some(existing) = self.types.get(&decl.name) {
            if existing.origin != decl.origin
                && existing.loc != decl.loc
                && !self.replaced(&decl.loc.file, &existing.loc.file)
            {
                self.warnings.push(Diagnostic::new(
                    decl.loc.clone(),
                    format!(
                        "type `{}` is declared again (first at {}); the first declaration is used",
                        decl.name.local, existing.loc
                    ),
                ));
            }
            return;
        }
        self.types.insert(decl.name.clone(), decl);
    }

    fn warn(&mut self, element: &Element, message: String) {
        self.warnings.push(element.error(message));
    }

    fn read_global_element(&mut self, el: &Element, ctx: &Context) -> Result<ElementDecl, Error> {
        let name = required_attr(el, "name")?;
        let ty = self.element_type(el, ctx, name)?;
        Ok(ElementDecl {
            name: QName::new(&ctx.target_ns, name),
            ty,
            nillable: is_true(el.attr("nillable")),
            doc: documentation(el),
            loc: el.loc.clone(),
        })
    }

    /// The type of an element: its `type` attribute, an anonymous type inside it, or anyType.
    fn element_type(&mut self, el: &Element, ctx: &Context, name: &str) -> Result<TypeRef, Error> {
        if let Some(ty) = el.attr("type") {
            return Ok(TypeRef::Named(el.resolve_qname(ty)?));
        }
        let inline = el.children.iter().find(|c| {
            c.name.ns == XSD_NS && matches!(c.name.local.as_str(), "complexType" | "simpleType")
        });
        match inline {
            Some(inline) => {
                let decl = self.read_type(inline, ctx, Some(name))?;
                Ok(TypeRef::Anonymous(Box::new(decl)))
            }
            None => Ok(TypeRef::Named(QName::new(XSD_NS, "anyType"))),
        }
    }

    fn read_type(
        &mut self,
        el: &Element,
        ctx: &Context,
        anonymous_name: Option<&str>,
    ) -> Result<TypeDecl, Error> {
        let name = match anonymous_name {
            Some(n) => n,
            None => required_attr(el, "name")?,
        };
        let body = if el.name.local == "simpleType" {
            TypeBody::Simple(self.read_simple(el, ctx)?)
        } else {
            TypeBody::Complex(self.read_complex(el, ctx)?)
        };
        Ok(TypeDecl {
            name: QName::new(&ctx.target_ns, name),
            doc: documentation(el),
            loc: el.loc.clone(),
            origin: ctx.origin.clone(),
            qualified: ctx.qualified,
            body,
        })
    }

    fn read_simple(&mut self, el: &Element, ctx: &Context) -> Result<Simple, Error> {
        for child in &el.children {
            match (child.name.ns.as_str(), child.name.local.as_str()) {
                (XSD_NS, "restriction") => {
                    let base = match child.attr("base") {
                        Some(b) => TypeRef::Named(child.resolve_qname(b)?),
                        None => match child.child(XSD_NS, "simpleType") {
                            Some(inner) => TypeRef::Anonymous(Box::new(self.read_type(
                                inner,
                                ctx,
                                Some("base"),
                            )?)),
                            None => TypeRef::Named(QName::new(XSD_NS, "string")),
                        },
                    };
                    let mut enumeration = Vec::new();
                    let mut facets = Vec::new();
                    for facet in &child.children {
                        let value = facet.attr("value").unwrap_or("").to_string();
                        match facet.name.local.as_str() {
                            "enumeration" => enumeration.push(value),
                            "annotation" | "simpleType" => {}
                            other => facets.push((other.to_string(), value)),
                        }
                    }
                    return Ok(Simple::Restriction {
                        base,
                        enumeration,
                        facets,
                    });
                }
                (XSD_NS, "list") => {
                    let item = match child.attr("itemType") {
                        Some(t) => TypeRef::Named(child.resolve_qname(t)?),
                        None => match child.child(XSD_NS, "simpleType") {
                            Some(inner) => TypeRef::Anonymous(Box::new(self.read_type(
                                inner,
                                ctx,
                                Some("item"),
                            )?)),
                            None => TypeRef::Named(QName::new(XSD_NS, "string")),
                        },
                    };
                    return Ok(Simple::List(item));
                }
                (XSD_NS, "union") => return Ok(Simple::Union),
                (XSD_NS, "annotation") => {}
                _ => self.warn(
                    child,
                    format!("unexpected `{}` in a simpleType, ignored", child.name),
                ),
            }
        }
        Err(el
            .error("simpleType has no restriction, list or union")
            .into())
    }

    fn read_complex(&mut self, el: &Element, ctx: &Context) -> Result<Complex, Error> {
        let mut complex = Complex::default();
        for child in &el.children {
            if child.name.ns != XSD_NS {
                continue;
            }
            match child.name.local.as_str() {
                "sequence" | "all" | "choice" | "group" => {
                    self.read_model(child, ctx, 1, Some(1), false, &mut complex.particles)?;
                    complex.open |= contains_any(child);
                }
                "attribute" | "attributeGroup" | "anyAttribute" => {}
                "complexContent" => self.read_complex_content(child, ctx, &mut complex)?,
                "simpleContent" => {
                    let derivation = child
                        .children
                        .iter()
                        .find(|c| matches!(c.name.local.as_str(), "extension" | "restriction"))
                        .ok_or_else(|| {
                            child.error("simpleContent without extension or restriction")
                        })?;
                    let base = required_attr(derivation, "base")?;
                    complex.simple_content = Some(TypeRef::Named(derivation.resolve_qname(base)?));
                    self.read_attributes(derivation, ctx, &mut complex.attributes)?;
                }
                "annotation" => {}
                other => self.warn(
                    child,
                    format!("unsupported construct `xsd:{other}` in a complexType, ignored"),
                ),
            }
        }
        self.read_attributes(el, ctx, &mut complex.attributes)?;
        Ok(complex)
    }

    fn read_complex_content(
        &mut self,
        content: &Element,
        ctx: &Context,
        complex: &mut Complex,
    ) -> Result<(), Error> {
        let derivation = content
            .children
            .iter()
            .find(|c| matches!(c.name.local.as_str(), "extension" | "restriction"))
            .ok_or_else(|| content.error("complexContent without extension or restriction"))?;
        let base = derivation.resolve_qname(required_attr(derivation, "base")?)?;
        let is_array = base.ns == SOAPENC_NS && base.local == "Array";
        let mut particles = Vec::new();
        for model in &derivation.children {
            if model.name.ns == XSD_NS
                && matches!(
                    model.name.local.as_str(),
                    "sequence" | "all" | "choice" | "group"
                )
            {
                self.read_model(model, ctx, 1, Some(1), false, &mut particles)?;
                complex.open |= contains_any(model);
            }
        }
        if is_array {
            complex.array_item = Some(self.array_item(derivation, &particles)?);
            return Ok(());
        }
        self.read_attributes(derivation, ctx, &mut complex.attributes)?;
        complex.particles.extend(particles);
        if derivation.name.local == "extension" {
            complex.extends = Some(base);
        }
        Ok(())
    }

    /// The item type of a `soapenc:Array` restriction: from the `wsdl:arrayType` attribute, or
    /// from the single repeated element of the restriction's sequence.
    fn array_item(
        &mut self,
        restriction: &Element,
        particles: &[Particle],
    ) -> Result<ArrayItem, Error> {
        for attr in restriction.children_named(XSD_NS, "attribute") {
            if let Some(array_type) = attr.attr_ns(WSDL_NS, "arrayType") {
                let array_type = array_type.trim();
                let base_end = array_type.find('[').unwrap_or(array_type.len());
                let dimensions = array_type[base_end..].matches('[').count();
                if dimensions > MAX_ARRAY_DIMENSIONS {
                    return Err(attr
                        .error(format!(
                            "unsupported construct: array type `{array_type}` has more than \
                             {MAX_ARRAY_DIMENSIONS} dimensions"
                        ))
                        .into());
                }
                let item = attr.resolve_qname(&array_type[..base_end])?;
                return Ok(ArrayItem {
                    ty: TypeRef::Named(item),
                    extra_dimensions: dimensions.saturating_sub(1),
                });
            }
        }
        match particles {
            [Particle {
                kind: ParticleKind::Element { ty, .. },
                ..
            }] => Ok(ArrayItem {
                ty: ty.clone(),
                extra_dimensions: 0,
            }),
            _ => {
                self.warn(
                    restriction,
                    "soapenc:Array restriction without wsdl:arrayType; items are read as raw values"
                        .into(),
                );
                Ok(ArrayItem {
                    ty: TypeRef::Named(QName::new(XSD_NS, "anyType")),
                    extra_dimensions: 0,
                })
            }
        }
    }

    /// Reads a model group (sequence, all, choice, group ref) or element into `out`, combining
    /// occurrence bounds: a particle inside an optional group is optional, one inside a repeated
    /// group repeats, and every branch of a choice is optional.
    fn read_model(
        &mut self,
        el: &Element,
        ctx: &Context,
        min: u32,
        max: Option<u32>,
        in_choice: bool,
        out: &mut Vec<Particle>,
    ) -> Result<(), Error> {
        if el.name.ns != XSD_NS {
            return Ok(());
        }
        let (own_min, own_max) = occurs(el)?;
        let eff_min = if in_choice {
            0
        } else {
            min.saturating_mul(own_min)
        };
        let eff_max = match (max, own_max) {
            (Some(a), Some(b)) => Some(a.saturating_mul(b)),
            _ => None,
        };
        match el.name.local.as_str() {
            "sequence" | "all" => {
                for child in &el.children {
                    self.read_model(child, ctx, eff_min, eff_max, false, out)?;
                }
            }
            "choice" => {
                // Each child is one branch; a sequence branch is listed as its elements together.
                let mut branches = Vec::new();
                let mut names = Vec::new();
                for child in &el.children {
                    let before = branches.len();
                    self.read_model(child, ctx, eff_min, eff_max, true, &mut branches)?;
                    let added: Vec<String> = branches[before..]
                        .iter()
                        .map(|p: &Particle| p.kind.label())
                        .collect();
                    match added.as_slice() {
                        [] => {}
                        [one] => names.push(one.clone()),
                        several => names.push(format!("({})", several.join(", "))),
                    }
                }
                for mut particle in branches {
                    particle.choice.get_or_insert_with(|| names.clone());
                    out.push(particle);
                }
            }
            "element" => {
                let kind = if let Some(r) = el.attr("ref") {
                    ParticleKind::ElementRef(el.resolve_qname(r)?)
                } else {
                    let name = required_attr(el, "name")?;
                    ParticleKind::Element {
                        name: name.to_string(),
                        ty: self.element_type(el, ctx, name)?,
                        nillable: is_true(el.attr("nillable")),
                        doc: documentation(el),
                    }
                };
                out.push(Particle {
                    kind,
                    min: eff_min,
                    max: eff_max,
                    choice: None,
                    loc: el.loc.clone(),
                });
            }
            "group" => {
                let r = required_attr(el, "ref")?;
                out.push(Particle {
                    kind: ParticleKind::GroupRef(el.resolve_qname(r)?),
                    min: eff_min,
                    max: eff_max,
                    choice: None,
                    loc: el.loc.clone(),
                });
            }
            "any" | "annotation" => {}
            other => self.warn(
                el,
                format!("unsupported construct `xsd:{other}` in a content model, ignored"),
            ),
        }
        Ok(())
    }

    fn read_attributes(
        &mut self,
        parent: &Element,
        ctx: &Context,
        out: &mut Vec<AttributeUse>,
    ) -> Result<(), Error> {
        for child in &parent.children {
            if child.name.ns != XSD_NS {
                continue;
            }
            match child.name.local.as_str() {
                "attribute" => {
                    if let Some(r) = child.attr("ref") {
                        let name = child.resolve_qname(r)?;
                        if name.ns == SOAPENC_NS || name.ns == WSDL_NS {
                            continue;
                        }
                        match self.attributes.get(&name) {
                            Some(global) => out.push(global.clone()),
                            None => out.push(AttributeUse {
                                name: name.local.clone(),
                                ty: TypeRef::Named(QName::new(XSD_NS, "string")),
                                required: child.attr("use") == Some("required"),
                                doc: documentation(child),
                                loc: child.loc.clone(),
                            }),
                        }
                    } else if child.attr("use") != Some("prohibited") {
                        out.push(self.read_attribute(child, ctx)?);
                    }
                }
                "attributeGroup" => {
                    let r = required_attr(child, "ref")?;
                    let name = child.resolve_qname(r)?;
                    match self.attribute_groups.get(&name) {
                        Some(group) => out.extend(group.iter().cloned()),
                        None => {
                            return Err(child
                                .error(format!(
                                    "attribute group `{}` is not declared (declare it before use)",
                                    name.local
                                ))
                                .into())
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn read_attribute(&mut self, el: &Element, ctx: &Context) -> Result<AttributeUse, Error> {
        let name = required_attr(el, "name")?;
        let ty = match el.attr("type") {
            Some(t) => TypeRef::Named(el.resolve_qname(t)?),
            None => match el.child(XSD_NS, "simpleType") {
                Some(inline) => {
                    TypeRef::Anonymous(Box::new(self.read_type(inline, ctx, Some(name))?))
                }
                None => TypeRef::Named(QName::new(XSD_NS, "string")),
            },
        };
        Ok(AttributeUse {
            name: name.to_string(),
            ty,
            required: el.attr("use") == Some("required"),
            doc: documentation(el),
            loc: el.loc.clone(),
        })
    }
}

/// What a schema's declarations share: namespace, element form and origin.
struct Context {
    target_ns: String,
    qualified: bool,
    origin: Origin,
}

/// Reads and parses an XML file.
pub fn load(path: &Path) -> Result<Element, Error> {
    use std::io::Read;
    let name = path.display().to_string();
    let io = |source| Error::Io {
        path: name.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    // A `schemaLocation` may name a device or a pipe (`/dev/zero`, `/dev/stdin`), which would
    // be read without end: only regular files are read, and no further than the limit.
    if !file.metadata().map_err(io)?.is_file() {
        return Err(Diagnostic::new(Location::file(&name), "not a regular file").into());
    }
    let mut bytes = Vec::new();
    file.take(xml::MAX_FILE_SIZE as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() > xml::MAX_FILE_SIZE {
        return Err(Diagnostic::new(Location::file(&name), "file is too large").into());
    }
    let text = String::from_utf8(bytes)
        .map_err(|e| Diagnostic::new(Location::file(&name), format!("file is not UTF-8: {e}")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    Ok(xml::parse(&name, text)?)
}

/// The documentation of an element or attribute declaration, with its `default` or `fixed`
/// value.
fn documentation(el: &Element) -> Option<String> {
    let value = match (el.attr("fixed"), el.attr("default")) {
        (Some(v), _) => Some(format!("Fixed to `{v}`.")),
        (None, Some(v)) => Some(format!("Defaults to `{v}`.")),
        (None, None) => None,
    };
    match (el.documentation(), value) {
        (Some(d), Some(v)) => Some(format!("{d}\n\n{v}")),
        (d, v) => d.or(v),
    }
}

fn required_attr<'a>(el: &'a Element, name: &str) -> Result<&'a str, Diagnostic> {
    el.attr(name)
        .ok_or_else(|| el.error(format!("`{}` needs a `{name}` attribute", el.name.local)))
}

fn is_true(value: Option<&str>) -> bool {
    matches!(value.map(str::trim), Some("true") | Some("1"))
}

/// The `minOccurs` and `maxOccurs` of a particle (`None` for unbounded).
fn occurs(el: &Element) -> Result<(u32, Option<u32>), Diagnostic> {
    let min = match el.attr("minOccurs") {
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| el.error(format!("minOccurs `{v}` is not a number")))?,
        None => 1,
    };
    let max = match el.attr("maxOccurs").map(str::trim) {
        Some("unbounded") => None,
        Some(v) => Some(
            v.parse()
                .map_err(|_| el.error(format!("maxOccurs `{v}` is not a number or `unbounded`")))?,
        ),
        None => Some(1),
    };
    Ok((min, max))
}

fn contains_any(el: &Element) -> bool {
    el.children.iter().any(|c| {
        c.is(XSD_NS, "any")
            || (matches!(c.name.local.as_str(), "sequence" | "choice" | "all") && contains_any(c))
    })
}
