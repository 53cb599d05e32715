//! Values of a struct known only by its schema: [`DynamicStructure`], what the
//! [registry](crate::registry) hands out for an operation chosen at run time (the command
//! line, batch jobs, the simulator, the inspector, `call_dyn`).
//!
//! Its fields hold the same values a generated struct's would (`Option<i64>`, `Vec<…>`,
//! nested structs, enumerations as their wire text), and hand them to the codecs through
//! the same [`ValueRef`] and [`ValueMut`], so a decode into it is as lossless and as strict
//! as into the generated type, and its JSON is the same. Because the library makes these from
//! the schemas alone, it never compiles a generated type's functions itself: they are
//! compiled in the crate that uses the type, so a server's whole API costs the library
//! little more than its types' declarations.

use std::fmt;

use super::field::{
    for_each_scalar, EnumSlot, ListChange, ListSlot, ListValue, OptionalSlot, ScalarKind, ValueMut,
    ValueRef,
};
use super::scalar::{Base64Binary, Date, DateTime, Decimal, Flag, HexBinary, Time};
use super::{
    debug_structure, structures_equal, AnyValue, EnumSchema, Extra, FieldSchema, FieldValue,
    Occurs, StructSchema, Structure, TypeInfo,
};

/// A value of the struct `schema` describes, held field by field in schema order.
///
/// ```
/// # #[cfg(feature = "account")] {
/// use portabilling::model::{DynamicStructure, Structure};
/// use portabilling::runtime::StructType;
///
/// let schema = portabilling::account::GetAccountInfoRequest::SCHEMA;
/// let mut request = DynamicStructure::new(schema);
/// let request: &mut dyn Structure = &mut request;
/// request.set_json(&serde_json::json!({"i_account": 42})).unwrap();
/// assert_eq!(request.to_json(), serde_json::json!({"i_account": 42}));
/// let typed: portabilling::account::GetAccountInfoRequest = request.to_typed().unwrap();
/// assert_eq!(typed.i_account, Some(42));
/// # }
/// ```
#[derive(Clone)]
pub struct DynamicStructure {
    schema: &'static StructSchema,
    cells: Vec<Cell>,
    extra: Extra,
}

impl DynamicStructure {
    /// An empty value: every field as the generated type's `Default` leaves it (`None`, an
    /// empty list, a required number 0, a required struct empty).
    pub fn new(schema: &'static StructSchema) -> Self {
        Self::nested(schema, 0)
    }

    /// An empty value `depth` required structs deep.
    fn nested(schema: &'static StructSchema, depth: usize) -> Self {
        DynamicStructure {
            schema,
            cells: schema
                .fields
                .iter()
                .map(|field| Cell::for_field(field, depth))
                .collect(),
            extra: Extra::new(),
        }
    }
}

/// How deep an empty value's required structs are built inside one another: deeper than any
/// schema nests, and far from the stack's end when a hand-written schema requires itself (the
/// generator makes one field of such a cycle optional).
const MAX_REQUIRED_DEPTH: usize = 64;

impl Structure for DynamicStructure {
    fn schema(&self) -> &'static StructSchema {
        self.schema
    }

    fn field(&self, index: usize) -> ValueRef<'_> {
        match self.cells.get(index) {
            Some(cell) => cell.value(),
            None if index == self.cells.len() => ValueRef::Extra(&self.extra),
            None => ValueRef::Absent,
        }
    }

    fn field_mut(&mut self, index: usize) -> Option<ValueMut<'_>> {
        if index == self.cells.len() {
            return Some(ValueMut::Extra(&mut self.extra));
        }
        self.cells.get_mut(index).map(Cell::value_mut)
    }
}

impl FieldValue for DynamicStructure {
    fn value(&self) -> ValueRef<'_> {
        ValueRef::Struct(self)
    }

    fn value_mut(&mut self) -> ValueMut<'_> {
        ValueMut::Struct(self)
    }
}

impl fmt::Debug for DynamicStructure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_structure(self, f)
    }
}

impl PartialEq for DynamicStructure {
    fn eq(&self, other: &Self) -> bool {
        structures_equal(self, other)
    }
}

/// One field's value, or a list's item.
#[derive(Clone)]
enum Cell {
    Scalar(ScalarCell),
    Enum(EnumCell),
    Struct(Box<DynamicStructure>),
    Any(AnyValue),
    Optional(OptionalCell),
    List(ListCell),
}

/// What a new cell holds: a value of `ty`, bare or optional.
#[derive(Clone, Copy)]
struct Shape {
    ty: &'static TypeInfo,
    optional: bool,
}

impl Cell {
    /// The cell of a field, shaped as the generator shapes the field's Rust type: a repeated
    /// element is a list (of optional items when they may be nil), a list type is a bare
    /// list whatever its cardinality, an optional element an `Option`.
    fn for_field(field: &'static FieldSchema, depth: usize) -> Cell {
        let ty = &field.ty;
        match field.occurs {
            Occurs::Many => Cell::List(ListCell::of(Shape {
                ty,
                optional: false,
            })),
            Occurs::ManyNillable => Cell::List(ListCell::of(Shape { ty, optional: true })),
            Occurs::Optional => Cell::new(
                Shape {
                    ty,
                    optional: !matches!(ty, TypeInfo::List(_)),
                },
                depth,
            ),
            Occurs::Required => Cell::new(
                Shape {
                    ty,
                    optional: false,
                },
                depth,
            ),
        }
    }

    /// A cell holding the default of `shape`, as `Default` makes the generated type's,
    /// `depth` required structs deep.
    fn new(shape: Shape, depth: usize) -> Cell {
        let Shape { ty, optional } = shape;
        if let Some(kind) = scalar_kind(ty) {
            return Cell::Scalar(ScalarCell::new(kind, optional));
        }
        match ty {
            TypeInfo::Enum(schema) => Cell::Enum(EnumCell::new(schema(), optional)),
            _ if optional => Cell::Optional(OptionalCell {
                inner: Shape {
                    ty,
                    optional: false,
                },
                value: None,
            }),
            TypeInfo::Struct(schema) if depth < MAX_REQUIRED_DEPTH => {
                Cell::Struct(Box::new(DynamicStructure::nested(schema(), depth + 1)))
            }
            // A struct that requires itself: left absent past the limit, not built forever.
            TypeInfo::Struct(_) => Cell::Optional(OptionalCell {
                inner: shape,
                value: None,
            }),
            TypeInfo::List(item) => Cell::List(ListCell::of(Shape {
                ty: item,
                optional: false,
            })),
            _ => Cell::Any(AnyValue::Null),
        }
    }

    fn value(&self) -> ValueRef<'_> {
        match self {
            Cell::Scalar(scalar) => scalar.value(),
            Cell::Enum(e) => e.value.as_deref().map_or(ValueRef::Absent, ValueRef::Enum),
            Cell::Struct(s) => ValueRef::Struct(&**s),
            Cell::Any(any) => any.value(),
            Cell::Optional(o) => o.value.as_deref().map_or(ValueRef::Absent, Cell::value),
            Cell::List(list) => ValueRef::List(list),
        }
    }

    fn value_mut(&mut self) -> ValueMut<'_> {
        match self {
            Cell::Scalar(scalar) => scalar.value_mut(),
            Cell::Enum(e) => ValueMut::Enum(e),
            Cell::Struct(s) => ValueMut::Struct(&mut **s),
            Cell::Any(any) => any.value_mut(),
            Cell::Optional(o) => ValueMut::Optional(o),
            Cell::List(list) => ValueMut::List(list),
        }
    }
}

/// The scalar kind of a value type (`None` for structs, enumerations, lists and any-type).
fn scalar_kind(ty: &TypeInfo) -> Option<ScalarKind> {
    Some(match ty {
        TypeInfo::String => ScalarKind::String,
        TypeInfo::Boolean => ScalarKind::Bool,
        TypeInfo::Byte => ScalarKind::I8,
        TypeInfo::Short => ScalarKind::I16,
        TypeInfo::Int => ScalarKind::I32,
        TypeInfo::Long => ScalarKind::I64,
        TypeInfo::Integer => ScalarKind::I128,
        TypeInfo::UnsignedByte => ScalarKind::U8,
        TypeInfo::UnsignedShort => ScalarKind::U16,
        TypeInfo::UnsignedInt => ScalarKind::U32,
        TypeInfo::UnsignedLong => ScalarKind::U64,
        TypeInfo::NonNegativeInteger => ScalarKind::U128,
        TypeInfo::Float => ScalarKind::F32,
        TypeInfo::Double => ScalarKind::F64,
        TypeInfo::Decimal => ScalarKind::Decimal,
        TypeInfo::Date => ScalarKind::Date,
        TypeInfo::DateTime => ScalarKind::DateTime,
        TypeInfo::Time => ScalarKind::Time,
        TypeInfo::Base64Binary => ScalarKind::Base64,
        TypeInfo::HexBinary => ScalarKind::Hex,
        TypeInfo::Flag => ScalarKind::Flag,
        TypeInfo::Any | TypeInfo::Struct(_) | TypeInfo::Enum(_) | TypeInfo::List(_) => return None,
    })
}

macro_rules! scalar_cell {
    ($($v:ident, $o:ident, $t:ty, $k:ident;)*) => {
        /// A scalar, required or optional, held as the generated field holds it, so that it
        /// reads and fills through the same [`FieldValue`] impls.
        #[derive(Clone)]
        enum ScalarCell {
            $($v($t), $o(Option<$t>),)*
        }

        impl ScalarCell {
            fn new(kind: ScalarKind, optional: bool) -> ScalarCell {
                match (kind, optional) {
                    $(
                        (ScalarKind::$k, false) => ScalarCell::$v(<$t>::default()),
                        (ScalarKind::$k, true) => ScalarCell::$o(None),
                    )*
                }
            }

            fn value(&self) -> ValueRef<'_> {
                match self {
                    $(ScalarCell::$v(v) => v.value(), ScalarCell::$o(v) => v.value(),)*
                }
            }

            fn value_mut(&mut self) -> ValueMut<'_> {
                match self {
                    $(ScalarCell::$v(v) => v.value_mut(), ScalarCell::$o(v) => v.value_mut(),)*
                }
            }
        }
    };
}

for_each_scalar!(scalar_cell);

/// An enumeration's wire value, which may be one the schema does not list (a generated
/// enumeration keeps those too). A required one starts at the first listed value, as the
/// generated `Default` does.
#[derive(Clone)]
struct EnumCell {
    schema: &'static EnumSchema,
    value: Option<String>,
    optional: bool,
}

impl EnumCell {
    fn new(schema: &'static EnumSchema, optional: bool) -> EnumCell {
        let value = if optional {
            None
        } else {
            Some(
                schema
                    .values
                    .first()
                    .copied()
                    .unwrap_or_default()
                    .to_string(),
            )
        };
        EnumCell {
            schema,
            value,
            optional,
        }
    }
}

impl EnumSlot for EnumCell {
    fn schema(&self) -> &'static EnumSchema {
        self.schema
    }

    fn set_wire(&mut self, value: &str) {
        self.value = Some(value.to_string());
    }

    fn clear(&mut self) -> bool {
        if self.optional {
            self.value = None;
        }
        self.optional
    }
}

/// An optional struct, any-type value or list.
#[derive(Clone)]
struct OptionalCell {
    inner: Shape,
    value: Option<Box<Cell>>,
}

impl OptionalSlot for OptionalCell {
    fn clear(&mut self) {
        self.value = None;
    }

    fn insert_default(&mut self) -> ValueMut<'_> {
        self.value
            .insert(Box::new(Cell::new(self.inner, 0)))
            .value_mut()
    }
}

/// A list, whose items are made as `item` says.
#[derive(Clone)]
struct ListCell {
    item: Shape,
    items: Vec<Cell>,
}

impl ListCell {
    fn of(item: Shape) -> ListCell {
        ListCell {
            item,
            items: Vec::new(),
        }
    }
}

impl ListValue for ListCell {
    fn len(&self) -> usize {
        self.items.len()
    }

    fn item(&self, index: usize) -> ValueRef<'_> {
        self.items.get(index).map_or(ValueRef::Absent, Cell::value)
    }
}

impl ListSlot for ListCell {
    fn push_default(&mut self) -> ValueMut<'_> {
        let item = Cell::new(self.item, 0);
        super::field::push_growing(&mut self.items, item).value_mut()
    }

    fn change(&mut self, change: ListChange) {
        super::field::change_list(&mut self.items, change);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FieldKind;

    // A hand-written schema whose struct requires itself: no finite value has it.
    static LOOP: StructSchema = StructSchema {
        name: "Loop",
        namespace: "urn:test",
        doc: "",
        source: "test",
        qualified: false,
        fields: &[FieldSchema::new(
            "next",
            TypeInfo::Struct(loop_schema),
            Occurs::Required,
            FieldKind::Element,
            false,
        )],
        docs: &[],
        index: &[],
    };

    fn loop_schema() -> &'static StructSchema {
        &LOOP
    }

    #[test]
    fn a_schema_that_requires_itself_is_built_to_a_limit_not_forever() {
        let value = DynamicStructure::new(&LOOP);
        let value: &dyn Structure = &value;
        let mut depth = 0;
        let mut at = value;
        while let ValueRef::Struct(next) = at.field(0) {
            depth += 1;
            at = next;
        }
        assert_eq!(depth, MAX_REQUIRED_DEPTH);
        assert!(matches!(at.field(0), ValueRef::Absent));
    }
}
