//! The CycloneDX JSON writer, spec 1.6 and 1.5: a small serde model of our own (the official
//! `cyclonedx-bom` crate stops at 1.5), written from a [`Model`] as a pure function.

use serde::Serialize;

use crate::model::{Component, ComponentKind, Licence, LinkKind, Model, Scope, rfc3339};
use crate::{TOOL_NAME, TOOL_VERSION};

/// A CycloneDX specification version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpecVersion {
    #[default]
    V1_6,
    V1_5,
}

impl SpecVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            SpecVersion::V1_6 => "1.6",
            SpecVersion::V1_5 => "1.5",
        }
    }

    pub fn parse(text: &str) -> Option<SpecVersion> {
        match text {
            "1.6" => Some(SpecVersion::V1_6),
            "1.5" => Some(SpecVersion::V1_5),
            _ => None,
        }
    }
}

/// The document's bytes: pretty JSON with a final newline, its serial number a UUID v5 of the
/// rest of its content.
pub fn write(model: &Model, spec: SpecVersion) -> Vec<u8> {
    let mut bom = Bom {
        bom_format: "CycloneDX",
        spec_version: spec.as_str(),
        serial_number: String::new(),
        version: 1,
        metadata: Metadata {
            timestamp: rfc3339(model.created),
            tools: Tools {
                components: vec![Tool {
                    kind: "application",
                    name: TOOL_NAME,
                    version: TOOL_VERSION,
                }],
            },
            component: CdxComponent::with_parts(
                &model.subject,
                model.parts.values().map(CdxComponent::from).collect(),
            ),
        },
        components: model.components.values().map(CdxComponent::from).collect(),
        dependencies: model
            .all()
            .map(|c| Dependency {
                reference: &c.id,
                depends_on: model
                    .edges
                    .get(&c.id)
                    .into_iter()
                    .flat_map(|tos| tos.keys().map(String::as_str))
                    .collect(),
            })
            .collect(),
    };
    bom.dependencies
        .sort_by(|a, b| a.reference.cmp(b.reference));
    let unsigned = serde_json::to_vec(&bom).expect("a BOM serializes");
    let uuid = uuid::Uuid::new_v5(&crate::NAMESPACE, &unsigned);
    bom.serial_number = format!("urn:uuid:{uuid}");
    let mut bytes = serde_json::to_vec_pretty(&bom).expect("a BOM serializes");
    bytes.push(b'\n');
    bytes
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom<'a> {
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: Metadata<'a>,
    components: Vec<CdxComponent<'a>>,
    dependencies: Vec<Dependency<'a>>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    timestamp: String,
    tools: Tools,
    component: CdxComponent<'a>,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Tool>,
}

#[derive(Serialize)]
struct Tool {
    #[serde(rename = "type")]
    kind: &'static str,
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CdxComponent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref")]
    bom_ref: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<String>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_references: Vec<ExternalReference<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    components: Vec<CdxComponent<'a>>,
}

#[derive(Serialize)]
struct Hash<'a> {
    alg: &'static str,
    content: &'a str,
}

#[derive(Serialize)]
#[serde(untagged)]
enum LicenseChoice<'a> {
    Expression { expression: &'a str },
    License { license: NamedLicense<'a> },
}

#[derive(Serialize)]
struct NamedLicense<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<Attachment<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Attachment<'a> {
    content_type: &'static str,
    content: &'a str,
}

/// A name-value pair the schema leaves to the producer (`xtask:python:marker`).
#[derive(Serialize)]
struct Property<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct ExternalReference<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency<'a> {
    #[serde(rename = "ref")]
    reference: &'a str,
    depends_on: Vec<&'a str>,
}

impl<'a> From<&'a Component> for CdxComponent<'a> {
    fn from(c: &'a Component) -> CdxComponent<'a> {
        CdxComponent::with_parts(c, Vec::new())
    }
}

impl<'a> CdxComponent<'a> {
    fn with_parts(c: &'a Component, components: Vec<CdxComponent<'a>>) -> CdxComponent<'a> {
        CdxComponent {
            kind: match c.kind {
                ComponentKind::Application => "application",
                ComponentKind::Library => "library",
            },
            bom_ref: &c.id,
            author: (!c.authors.is_empty()).then(|| c.authors.join(", ")),
            name: &c.name,
            version: c.version.as_deref(),
            description: c.description.as_deref(),
            scope: match c.scope {
                Scope::Required => None,
                Scope::Excluded => Some("excluded"),
            },
            hashes: c
                .sha256
                .iter()
                .map(|h| Hash {
                    alg: "SHA-256",
                    content: h,
                })
                .collect(),
            licenses: c
                .licence
                .iter()
                .map(|l| match l {
                    Licence::Expression(expression) => LicenseChoice::Expression { expression },
                    Licence::Named { name, text } => LicenseChoice::License {
                        license: NamedLicense {
                            name,
                            text: text.as_deref().map(|content| Attachment {
                                content_type: "text/plain",
                                content,
                            }),
                        },
                    },
                })
                .collect(),
            purl: c.purl.as_deref(),
            external_references: c
                .links
                .iter()
                .map(|l| ExternalReference {
                    kind: match l.kind {
                        LinkKind::Vcs => "vcs",
                        LinkKind::Website => "website",
                        LinkKind::Documentation => "documentation",
                    },
                    url: &l.url,
                })
                .collect(),
            properties: c
                .properties
                .iter()
                .map(|(name, value)| Property { name, value })
                .collect(),
            components,
        }
    }
}
