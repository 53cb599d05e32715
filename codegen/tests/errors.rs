//! Unsupported or broken input gives an error naming the file, the line and the construct, and
//! never a panic; constructs that have a fair raw-value stand-in give a warning instead.
// A test (bench, example) fails by panicking: unwrap and expect are its assertions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use portabilling_codegen::{Config, Error, Generated};

/// A fresh scratch directory holding `files`.
fn scratch(files: &[(&str, &str)]) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir()
        .join(format!(
            "portabilling-codegen-errors-{}",
            std::process::id()
        ))
        .join(COUNTER.fetch_add(1, Ordering::Relaxed).to_string());
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create directory");
        std::fs::write(path, text).expect("write input");
    }
    dir
}

fn generate(files: &[(&str, &str)]) -> Result<Generated, Error> {
    let dir = scratch(files);
    let result = Config::new().wsdl(&dir).generate();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// The 1-based line of the first occurrence of `needle`.
fn line_of(text: &str, needle: &str) -> u32 {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` is not in the input"));
    text[..at].matches('\n').count() as u32 + 1
}

/// Asserts that generation fails with an input error in `file`, on the line of `at`, whose
/// message contains every one of `words`.
#[track_caller]
fn assert_input_error(files: &[(&str, &str)], file: &str, at: &str, words: &[&str]) {
    let text = files
        .iter()
        .find(|(n, _)| *n == file)
        .expect("the file is an input")
        .1;
    match generate(files) {
        Err(Error::Input(d)) => {
            assert!(
                d.location.file.ends_with(file),
                "{d}: expected the error in {file}"
            );
            assert_eq!(
                d.location.line,
                line_of(text, at),
                "{d}: expected the line of `{at}`"
            );
            for word in words {
                assert!(
                    d.message.contains(word),
                    "{d}: expected `{word}` in the message"
                );
            }
        }
        Err(other) => panic!("expected an input error, got {other}"),
        Ok(_) => panic!("expected an input error, but generation succeeded"),
    }
}

/// A document/literal WSDL whose `Echo` request has one element `value` of type `tns:T`;
/// `schema` declares `T` and whatever else the test needs.
fn wsdl(schema: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions name="TestService"
    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"
    xmlns:tns="urn:test"
    targetNamespace="urn:test">
  <wsdl:types>
    <xsd:schema targetNamespace="urn:test">
{schema}
      <xsd:element name="Echo">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="value" type="tns:T"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="EchoResponse">
        <xsd:complexType><xsd:sequence/></xsd:complexType>
      </xsd:element>
    </xsd:schema>
  </wsdl:types>
  <wsdl:message name="EchoIn"><wsdl:part name="parameters" element="tns:Echo"/></wsdl:message>
  <wsdl:message name="EchoOut"><wsdl:part name="parameters" element="tns:EchoResponse"/></wsdl:message>
  <wsdl:portType name="TestPort">
    <wsdl:operation name="Echo">
      <wsdl:input message="tns:EchoIn"/>
      <wsdl:output message="tns:EchoOut"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="TestBinding" type="tns:TestPort">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="Echo">
      <soap:operation soapAction="Echo"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="TestService">
    <wsdl:port name="TestPort" binding="tns:TestBinding">
      <soap:address location="http://localhost/test"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
"#
    )
}

const STRING_T: &str =
    r#"      <xsd:simpleType name="T"><xsd:restriction base="xsd:string"/></xsd:simpleType>"#;

#[test]
fn the_template_itself_generates() {
    let text = wsdl(STRING_T);
    let generated = generate(&[("t.wsdl", &text)]).expect("the template is valid");
    assert!(generated.warnings.is_empty(), "{:?}", generated.warnings);
    assert!(generated.code.contains("pub value: String,"));
}

#[test]
fn redefine_is_an_error_at_its_line() {
    let schema = format!("{STRING_T}\n      <xsd:redefine schemaLocation=\"other.xsd\"/>");
    let text = wsdl(&schema);
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<xsd:redefine",
        &["xsd:redefine", "unsupported"],
    );
    let schema = format!("{STRING_T}\n      <xsd:override schemaLocation=\"other.xsd\"/>");
    let text = wsdl(&schema);
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<xsd:override",
        &["xsd:override"],
    );
}

#[test]
fn a_soap12_only_binding_is_an_error_at_the_binding() {
    let text = wsdl(STRING_T).replace(
        "xmlns:soap=\"http://schemas.xmlsoap.org/wsdl/soap/\"",
        "xmlns:soap=\"http://schemas.xmlsoap.org/wsdl/soap12/\"",
    );
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<wsdl:binding",
        &["SOAP 1.2", "unsupported"],
    );
}

#[test]
fn an_http_only_binding_is_an_error_at_the_binding() {
    let text = wsdl(STRING_T).replace(
        "xmlns:soap=\"http://schemas.xmlsoap.org/wsdl/soap/\"",
        "xmlns:soap=\"http://schemas.xmlsoap.org/wsdl/http/\"",
    );
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<wsdl:binding",
        &["no SOAP 1.1 binding"],
    );
}

#[test]
fn a_missing_type_is_an_error_where_it_is_used() {
    let text = wsdl("");
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<xsd:element name=\"value\"",
        &["`T`", "not declared"],
    );
}

#[test]
fn a_missing_element_group_base_or_message_is_an_error() {
    let text = wsdl(
        r#"      <xsd:complexType name="T"><xsd:sequence><xsd:element ref="tns:Nowhere"/></xsd:sequence></xsd:complexType>"#,
    );
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "ref=\"tns:Nowhere\"",
        &["`Nowhere`", "not declared"],
    );
    let text = wsdl(
        r#"      <xsd:complexType name="T"><xsd:sequence><xsd:group ref="tns:NoGroup"/></xsd:sequence></xsd:complexType>"#,
    );
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "ref=\"tns:NoGroup\"",
        &["group `NoGroup`", "not declared"],
    );
    let text = wsdl(
        r#"      <xsd:complexType name="T"><xsd:attributeGroup ref="tns:NoAttributes"/></xsd:complexType>"#,
    );
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "ref=\"tns:NoAttributes\"",
        &["attribute group `NoAttributes`"],
    );
    let text = wsdl(
        r#"      <xsd:complexType name="T"><xsd:complexContent><xsd:extension base="tns:NoBase"/></xsd:complexContent></xsd:complexType>"#,
    );
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<xsd:complexType name=\"T\"",
        &["base type `NoBase`"],
    );
    let text = wsdl(STRING_T).replace(
        "<wsdl:input message=\"tns:EchoIn\"/>",
        "<wsdl:input message=\"tns:Nothing\"/>",
    );
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<wsdl:operation name=\"Echo\">",
        &["message `Nothing`"],
    );
    let text = wsdl(STRING_T).replace("type=\"tns:TestPort\"", "type=\"tns:NoPort\"");
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<wsdl:binding",
        &["port type `NoPort`"],
    );
    let text = wsdl(STRING_T).replace("element=\"tns:Echo\"", "element=\"tns:NoElement\"");
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "element=\"tns:NoElement\"",
        &["element `NoElement`"],
    );
    let text = wsdl(STRING_T).replace("binding=\"tns:TestBinding\"", "binding=\"tns:NoBinding\"");
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<wsdl:service",
        &["binding `NoBinding`"],
    );
}

#[test]
fn an_unknown_builtin_is_an_error() {
    let text = wsdl(
        r#"      <xsd:simpleType name="T"><xsd:restriction base="xsd:strang"/></xsd:simpleType>"#,
    );
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<xsd:simpleType name=\"T\"",
        &["built-in type `strang`"],
    );
}

#[test]
fn an_unbound_prefix_is_an_error_at_its_element() {
    let text = wsdl(
        r#"      <xsd:simpleType name="T"><xsd:restriction base="nope:string"/></xsd:simpleType>"#,
    );
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "base=\"nope:string\"",
        &["prefix `nope`", "not bound"],
    );
    let text = wsdl(&format!("{STRING_T}\n      <nope:element name=\"x\"/>"));
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<nope:element",
        &["prefix `nope`", "not bound"],
    );
    let text = wsdl(&format!(
        "{STRING_T}\n      <xsd:element name=\"x\" nope:attr=\"1\"/>"
    ));
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "nope:attr",
        &["prefix `nope`", "not bound"],
    );
}

#[test]
fn malformed_xml_is_an_error_at_its_position() {
    let text = wsdl(&format!(
        "{STRING_T}\n      <xsd:element name=\"x\">\n      </xsd:elephant>"
    ));
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "</xsd:elephant>",
        &["malformed XML"],
    );
    let text = wsdl(&format!(
        "{STRING_T}\n      <xsd:element name=\"x\" type=\"a\" type=\"b\"/>"
    ));
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "type=\"a\" type=\"b\"",
        &["attribute"],
    );
    let cut = wsdl(STRING_T);
    let cut = &cut[..cut.find("<wsdl:service").expect("a service")];
    match generate(&[("t.wsdl", cut)]) {
        Err(Error::Input(d)) => assert!(
            d.message.contains("never closed") || d.message.contains("malformed"),
            "{d}"
        ),
        other => panic!("expected an input error, got {other:?}"),
    }
    match generate(&[("t.wsdl", "")]) {
        Err(Error::Input(d)) => assert!(d.message.contains("no root element"), "{d}"),
        other => panic!("expected an input error, got {other:?}"),
    }
    match generate(&[("t.wsdl", "\u{feff}<?xml version=\"1.0\"?>\n<a/>\n<b/>")]) {
        Err(Error::Input(d)) => assert!(d.message.contains("root element"), "{d}"),
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn a_dtd_and_unknown_entities_are_errors() {
    let text = format!(
        "<!DOCTYPE definitions [<!ENTITY e \"x\">]>\n{}",
        wsdl(STRING_T)
    );
    let text = text.replacen("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "", 1);
    assert_input_error(&[("t.wsdl", &text)], "t.wsdl", "<!DOCTYPE", &["DTD"]);
    let text = wsdl(&format!("{STRING_T}\n      <xsd:annotation><xsd:documentation>&e;</xsd:documentation></xsd:annotation>"));
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "&e;",
        &["entity reference `&e;`"],
    );
}

#[test]
fn a_file_that_is_not_utf8_or_not_wsdl_is_an_error() {
    let dir = scratch(&[]);
    std::fs::create_dir_all(&dir).expect("create directory");
    std::fs::write(dir.join("t.wsdl"), b"<a>\xff\xfe</a>").expect("write");
    match Config::new().wsdl(&dir).generate() {
        Err(Error::Input(d)) => assert!(d.message.contains("UTF-8"), "{d}"),
        other => panic!("expected an input error, got {other:?}"),
    }
    let text = "<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"/>";
    assert_input_error(
        &[("t.wsdl", text)],
        "t.wsdl",
        "<xsd:schema",
        &["WSDL 1.1 `definitions`"],
    );
}

#[test]
fn bad_occurrences_and_references_are_errors() {
    let text = wsdl(
        r#"      <xsd:complexType name="T"><xsd:sequence><xsd:element name="a" type="xsd:int" maxOccurs="many"/></xsd:sequence></xsd:complexType>"#,
    );
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "maxOccurs=\"many\"",
        &["maxOccurs `many`"],
    );
    let text = wsdl(
        r#"      <xsd:complexType name="T"><xsd:sequence><xsd:element name="a" type="xsd:int" minOccurs="-1"/></xsd:sequence></xsd:complexType>"#,
    );
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "minOccurs=\"-1\"",
        &["minOccurs `-1`"],
    );
    let text = wsdl(r#"      <xsd:complexType><xsd:sequence/></xsd:complexType>"#);
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<xsd:complexType><xsd:sequence/>",
        &["needs a `name`"],
    );
}

#[test]
fn a_missing_schema_file_is_an_error_at_the_import() {
    let text = wsdl(&format!(
        "      <xsd:import namespace=\"urn:x\" schemaLocation=\"missing/x.xsd\"/>\n{STRING_T}"
    ));
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<xsd:import",
        &["missing/x.xsd", "does not exist"],
    );
}

#[test]
fn errors_in_an_imported_schema_name_that_file() {
    let xsd = "<?xml version=\"1.0\"?>\n<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" targetNamespace=\"urn:x\">\n  <xsd:redefine schemaLocation=\"y.xsd\"/>\n</xsd:schema>\n";
    let text = wsdl(&format!(
        "      <xsd:import namespace=\"urn:x\" schemaLocation=\"sub/x.xsd\"/>\n{STRING_T}"
    ));
    assert_input_error(
        &[("t.wsdl", &text), ("sub/x.xsd", xsd)],
        "sub/x.xsd",
        "<xsd:redefine",
        &["xsd:redefine"],
    );
}

#[test]
fn a_missing_header_type_is_an_error() {
    let text = wsdl(STRING_T)
        .replace(
            "<wsdl:message name=\"EchoIn\">",
            "<wsdl:message name=\"Header\"><wsdl:part name=\"auth\" type=\"tns:NoAuth\"/></wsdl:message>\n  <wsdl:message name=\"EchoIn\">",
        )
        .replace(
            "<wsdl:input><soap:body use=\"literal\"/></wsdl:input>",
            "<wsdl:input><soap:body use=\"literal\"/><soap:header message=\"tns:Header\" part=\"auth\" use=\"literal\"/></wsdl:input>",
        );
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<wsdl:operation name=\"Echo\">",
        &["header type `NoAuth`"],
    );
}

#[test]
fn unsupported_message_shapes_are_errors() {
    let text = wsdl(STRING_T).replace(
        "<wsdl:part name=\"parameters\" element=\"tns:Echo\"/>",
        "<wsdl:part name=\"parameters\" element=\"tns:Echo\"/><wsdl:part name=\"second\" element=\"tns:Echo\"/>",
    );
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "name=\"second\"",
        &["several body parts"],
    );
    let text = wsdl(STRING_T).replace(
        "<wsdl:part name=\"parameters\" element=\"tns:Echo\"/>",
        "<wsdl:part name=\"parameters\" type=\"xsd:string\"/>",
    );
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "type=\"xsd:string\"",
        &["document-style part", "simple type"],
    );
}

#[test]
fn two_services_of_the_same_name_are_an_error() {
    let text = wsdl(STRING_T);
    match generate(&[("a.wsdl", &text), ("b.wsdl", &text)]) {
        Err(Error::Input(d)) => {
            assert!(d.message.contains("defined twice"), "{d}");
            assert!(d.location.file.ends_with("b.wsdl"), "{d}");
        }
        other => panic!("expected an input error, got {other:?}"),
    }
}

/// Regression cases for inputs that used to overflow the stack.
#[test]
fn self_derived_types_are_errors_not_stack_overflows() {
    let text = wsdl(
        r#"      <xsd:simpleType name="T"><xsd:restriction base="tns:U"/></xsd:simpleType>
      <xsd:simpleType name="U"><xsd:restriction base="tns:T"/></xsd:simpleType>"#,
    );
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<xsd:simpleType name=\"T\"",
        &["derived from itself"],
    );
    let text = wsdl(
        r#"      <xsd:complexType name="T">
        <xsd:complexContent>
          <xsd:restriction base="soapenc:Array">
            <xsd:attribute ref="soapenc:arrayType" wsdl:arrayType="tns:T[]"/>
          </xsd:restriction>
        </xsd:complexContent>
      </xsd:complexType>"#,
    );
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<xsd:complexType name=\"T\"",
        &["derived from itself"],
    );
    let text = wsdl(
        r#"      <xsd:complexType name="T"><xsd:complexContent><xsd:extension base="tns:U"/></xsd:complexContent></xsd:complexType>
      <xsd:complexType name="U"><xsd:complexContent><xsd:extension base="tns:T"/></xsd:complexContent></xsd:complexType>"#,
    );
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<xsd:complexType name=\"T\"",
        &["extends itself"],
    );
    let text = wsdl(
        r#"      <xsd:group name="G"><xsd:sequence><xsd:group ref="tns:G"/></xsd:sequence></xsd:group>
      <xsd:complexType name="T"><xsd:sequence><xsd:group ref="tns:G"/></xsd:sequence></xsd:complexType>"#,
    );
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<xsd:group ref=\"tns:G\"/></xsd:sequence></xsd:group>",
        &["group `G` refers to itself"],
    );
    let text = wsdl(&format!(
        r#"      <xsd:complexType name="T">
        <xsd:complexContent>
          <xsd:restriction base="soapenc:Array">
            <xsd:attribute ref="soapenc:arrayType" wsdl:arrayType="xsd:int{}"/>
          </xsd:restriction>
        </xsd:complexContent>
      </xsd:complexType>"#,
        "[]".repeat(10_000)
    ));
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<xsd:attribute ref=\"soapenc:arrayType\"",
        &["dimensions"],
    );
}

#[test]
fn long_derivation_chains_are_errors_not_stack_overflows() {
    let mut schema = String::from(
        "      <xsd:simpleType name=\"T\"><xsd:restriction base=\"tns:T0\"/></xsd:simpleType>\n",
    );
    for i in 0..5000 {
        schema.push_str(&format!(
            "      <xsd:simpleType name=\"T{i}\"><xsd:restriction base=\"tns:T{}\"/></xsd:simpleType>\n",
            i + 1
        ));
    }
    schema.push_str("      <xsd:simpleType name=\"T5000\"><xsd:restriction base=\"xsd:string\"/></xsd:simpleType>\n");
    let text = wsdl(&schema);
    match generate(&[("t.wsdl", &text)]) {
        Err(Error::Input(d)) => assert!(d.message.contains("levels"), "{d}"),
        other => panic!("expected an input error, got {other:?}"),
    }
    let mut schema = String::from(
        "      <xsd:complexType name=\"T\"><xsd:complexContent><xsd:extension base=\"tns:C0\"/></xsd:complexContent></xsd:complexType>\n",
    );
    for i in 0..3000 {
        schema.push_str(&format!(
            "      <xsd:complexType name=\"C{i}\"><xsd:complexContent><xsd:extension base=\"tns:C{}\"/></xsd:complexContent></xsd:complexType>\n",
            i + 1
        ));
    }
    schema.push_str("      <xsd:complexType name=\"C3000\"><xsd:sequence/></xsd:complexType>\n");
    let text = wsdl(&schema);
    match generate(&[("t.wsdl", &text)]) {
        Err(Error::Input(d)) => assert!(d.message.contains("levels"), "{d}"),
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn deep_nesting_is_an_error() {
    let mut schema = String::from("      <xsd:complexType name=\"T\"><xsd:sequence>");
    for i in 0..150 {
        schema.push_str(&format!(
            "<xsd:element name=\"e{i}\"><xsd:complexType><xsd:sequence>"
        ));
    }
    for _ in 0..150 {
        schema.push_str("</xsd:sequence></xsd:complexType></xsd:element>");
    }
    schema.push_str("</xsd:sequence></xsd:complexType>");
    let text = wsdl(&schema);
    match generate(&[("t.wsdl", &text)]) {
        Err(Error::Input(d)) => assert!(d.message.contains("deeper"), "{d}"),
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn union_and_list_are_warnings_with_a_string_fallback() {
    let text = wsdl(
        r#"      <xsd:simpleType name="T"><xsd:union memberTypes="xsd:int xsd:date"/></xsd:simpleType>
      <xsd:simpleType name="L"><xsd:list itemType="xsd:int"/></xsd:simpleType>
      <xsd:complexType name="UsesList"><xsd:sequence><xsd:element name="l" type="tns:L"/></xsd:sequence></xsd:complexType>"#,
    )
    .replace(
        "<xsd:element name=\"value\" type=\"tns:T\"/>",
        "<xsd:element name=\"value\" type=\"tns:T\"/><xsd:element name=\"list\" type=\"tns:L\"/>",
    );
    let generated = generate(&[("t.wsdl", &text)]).expect("a union is not an error");
    let messages: Vec<String> = generated.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].contains("xsd:union")
            && messages[0].contains(&format!(
                "t.wsdl:{}:",
                line_of(&text, "<xsd:simpleType name=\"T\"")
            )),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("xsd:list") && messages[1].contains("`int`"),
        "{messages:?}"
    );
    assert!(
        generated.code.contains("pub value: String,"),
        "the union is read as a string"
    );
    assert!(
        generated.code.contains("pub list: String,"),
        "the list is read as a string"
    );
}

#[test]
fn ignorable_constructs_are_warnings() {
    let text = wsdl(&format!(
        "{STRING_T}\n      <xsd:import namespace=\"urn:remote\" schemaLocation=\"http://example.com/remote.xsd\"/>\n      <xsd:import namespace=\"urn:nowhere\"/>\n      <xsd:notAThing/>\n      <other:thing xmlns:other=\"urn:other\"/>"
    ));
    let generated = generate(&[("t.wsdl", &text)]).expect("warnings only");
    let messages: Vec<String> = generated.warnings.iter().map(ToString::to_string).collect();
    let expect = [
        ("remote", "schemaLocation=\"http://"),
        ("urn:nowhere", "namespace=\"urn:nowhere\""),
        ("xsd:notAThing", "<xsd:notAThing"),
        ("{urn:other}thing", "<other:thing"),
    ];
    for (word, at) in expect {
        let line = line_of(&text, at);
        assert!(
            messages
                .iter()
                .any(|m| m.contains(word) && m.contains(&format!("t.wsdl:{line}:"))),
            "no warning about {word} at line {line}: {messages:?}"
        );
    }
}

#[test]
fn a_types_only_wsdl_is_a_warning() {
    let types_only =
        r#"<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:t"/>"#;
    let text = wsdl(STRING_T);
    let generated = generate(&[("a.wsdl", types_only), ("b.wsdl", &text)]).expect("generates");
    assert!(
        generated
            .warnings
            .iter()
            .any(|w| w.message.contains("no service")),
        "{:?}",
        generated.warnings
    );
    assert_eq!(generated.stats.services, 1);
}

#[test]
fn configuration_errors() {
    assert!(matches!(Config::new().generate(), Err(Error::Config(_))));
    let missing = Path::new("/nonexistent/portabilling/codegen/input.wsdl");
    assert!(matches!(
        Config::new().wsdl(missing).generate(),
        Err(Error::Io { .. })
    ));
    let empty = scratch(&[("readme.txt", "no WSDL here")]);
    assert!(matches!(
        Config::new().wsdl(&empty).generate(),
        Err(Error::Config(_))
    ));
}

/// The template's operation, renamed, with the attributes `pbrs` put on the port type's
/// `wsdl:operation`.
fn with_policy(method: &str, attributes: &str) -> String {
    wsdl(STRING_T)
        .replace(
            "targetNamespace=\"urn:test\">",
            "targetNamespace=\"urn:test\" xmlns:pbrs=\"urn:portabilling-rs:codegen\">",
        )
        .replace(
            "<wsdl:portType name=\"TestPort\">\n    <wsdl:operation name=\"Echo\">",
            &format!("<wsdl:portType name=\"TestPort\">\n    <wsdl:operation name=\"{method}\" {attributes}>"),
        )
        .replace(
            "<soap:binding style=\"document\" transport=\"http://schemas.xmlsoap.org/soap/http\"/>\n    <wsdl:operation name=\"Echo\">",
            &format!("<soap:binding style=\"document\" transport=\"http://schemas.xmlsoap.org/soap/http\"/>\n    <wsdl:operation name=\"{method}\">"),
        )
}

#[test]
fn read_only_and_session_come_from_the_name_unless_the_wsdl_says_otherwise() {
    let cases = [
        ("get_thing", "", "read_only: true,", "needs_session: true,"),
        ("add_thing", "", "read_only: false,", "needs_session: true,"),
        (
            "get_and_reset",
            "pbrs:readOnly=\"false\"",
            "read_only: false,",
            "needs_session: true,",
        ),
        (
            "lookup",
            "pbrs:readOnly=\"true\" pbrs:session=\"none\"",
            "read_only: true,",
            "needs_session: false,",
        ),
    ];
    for (method, attributes, read_only, session) in cases {
        let text = with_policy(method, attributes);
        let generated = generate(&[("t.wsdl", &text)]).expect(method);
        assert!(generated.code.contains(read_only), "{method}: {read_only}");
        assert!(generated.code.contains(session), "{method}: {session}");
    }
}

#[test]
fn a_policy_attribute_with_another_value_is_an_error_at_its_line() {
    let text = with_policy("get_thing", "pbrs:readOnly=\"maybe\"");
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "pbrs:readOnly=\"maybe\"",
        &["pbrs:readOnly", "maybe"],
    );
    let text = with_policy("get_thing", "pbrs:session=\"sometimes\"");
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "pbrs:session=\"sometimes\"",
        &["pbrs:session", "sometimes"],
    );
}

#[test]
fn a_struct_too_large_for_its_lookup_table_is_an_error() {
    // A field index plus one must fit the table's `u16` slots.
    let mut schema = String::from("      <xsd:complexType name=\"T\"><xsd:sequence>\n");
    for i in 0..65_535 {
        schema.push_str(&format!(
            "        <xsd:element name=\"f{i}\" type=\"xsd:int\"/>\n"
        ));
    }
    schema.push_str("      </xsd:sequence></xsd:complexType>\n");
    let text = wsdl(&schema);
    assert_input_error(
        &[("t.wsdl", &text)],
        "t.wsdl",
        "<xsd:complexType name=\"T\">",
        &["65535 fields", "at most 65534"],
    );
}

#[test]
fn a_required_field_cycle_is_a_warning_and_the_field_optional() {
    // T requires a U, which requires a T: no finite document has one, and a `Default` that
    // made the required fields would never end.
    let text = wsdl(
        r#"      <xsd:complexType name="T"><xsd:sequence><xsd:element name="u" type="tns:U"/></xsd:sequence></xsd:complexType>
      <xsd:complexType name="U"><xsd:sequence><xsd:element name="t" type="tns:T"/><xsd:element name="n" type="xsd:int"/></xsd:sequence></xsd:complexType>
      <xsd:complexType name="Fine"><xsd:sequence><xsd:element name="u" type="tns:U" minOccurs="0"/></xsd:sequence></xsd:complexType>"#,
    );
    let generated = generate(&[("t.wsdl", &text)]).expect("a cycle is not an error");
    let messages: Vec<String> = generated.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages.len(),
        1,
        "one field breaks the cycle: {messages:?}"
    );
    assert!(
        messages[0].contains("field `u` of type `T`")
            && messages[0].contains("no finite value")
            && messages[0].contains(&format!(
                "t.wsdl:{}:",
                line_of(&text, "<xsd:complexType name=\"T\"")
            )),
        "{messages:?}"
    );
    let code = &generated.code;
    assert!(
        code.contains("pub u: Option<Box<U>>,"),
        "T.u is optional now"
    );
    assert!(code.contains("pub t: Box<T>,"), "U.t stays required");
    assert!(
        code.contains("pub n: i32,"),
        "other required fields stay required"
    );
}
