//! The generator's XSD reader: the input is written as `types.xsd`, imported by a fixed WSDL
//! whose messages use `t:Thing` from it, and generated from.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use portabilling_codegen::Config;

const WSDL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions name="FuzzService"
    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    xmlns:t="urn:fuzz:types"
    xmlns:tns="urn:fuzz"
    targetNamespace="urn:fuzz">
  <wsdl:types>
    <xsd:schema targetNamespace="urn:fuzz">
      <xsd:import namespace="urn:fuzz:types" schemaLocation="types.xsd"/>
    </xsd:schema>
  </wsdl:types>
  <wsdl:message name="GetThingRequest">
    <wsdl:part name="GetThingRequest" type="t:GetThingRequest"/>
  </wsdl:message>
  <wsdl:message name="GetThingResponse">
    <wsdl:part name="GetThingResponse" type="t:GetThingResponse"/>
  </wsdl:message>
  <wsdl:portType name="FuzzPortType">
    <wsdl:operation name="get_thing">
      <wsdl:input message="tns:GetThingRequest"/>
      <wsdl:output message="tns:GetThingResponse"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="FuzzBinding" type="tns:FuzzPortType">
    <soap:binding style="rpc" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="get_thing">
      <soap:operation soapAction="urn:fuzz#get_thing"/>
      <wsdl:input><soap:body use="encoded" namespace="urn:fuzz" encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"/></wsdl:input>
      <wsdl:output><soap:body use="encoded" namespace="urn:fuzz" encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="FuzzService">
    <wsdl:port name="FuzzPort" binding="tns:FuzzBinding">
      <soap:address location="http://localhost/fuzz"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
"#;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("portabilling-fuzz-xsd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        std::fs::write(dir.join("service.wsdl"), WSDL).expect("write the fixed WSDL");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = dir();
    if std::fs::write(dir.join("types.xsd"), data).is_ok() {
        let _ = Config::new().wsdl(dir.join("service.wsdl")).generate();
    }
});
