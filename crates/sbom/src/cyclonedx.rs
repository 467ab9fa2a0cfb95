//! The CycloneDX JSON writer, spec 1.7 (the default), 1.6 and 1.5: a small serde model of our
//! own (the official `cyclonedx-bom` crate stops at 1.5), written from a [`Model`] as a pure
//! function. Authors are 1.6's `authors` (1.5's `author` for 1.5); a component with development
//! edges names each such dependency in a [`DEV_DEPENDENCY`] property, since no version has an
//! edge kind.

use serde::Serialize;

use crate::model::HashAlg;
use crate::model::{Component, ComponentKind, EdgeKind, Licence, LinkKind, Model, Scope};
use crate::{TOOL_NAME, TOOL_VERSION};

/// The property a component carries once per dependency it has only for development; its
/// value is that dependency's `bom-ref`.
pub const DEV_DEPENDENCY: &str = "cargo-xtask-sbom:dev-dependency";

/// A CycloneDX specification version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpecVersion {
    #[default]
    V1_7,
    V1_6,
    V1_5,
}

impl SpecVersion {
    /// Every version written, newest first.
    pub const ALL: [SpecVersion; 3] = [SpecVersion::V1_7, SpecVersion::V1_6, SpecVersion::V1_5];

    pub fn as_str(self) -> &'static str {
        match self {
            SpecVersion::V1_7 => "1.7",
            SpecVersion::V1_6 => "1.6",
            SpecVersion::V1_5 => "1.5",
        }
    }

    pub fn parse(text: &str) -> Option<SpecVersion> {
        SpecVersion::ALL.into_iter().find(|v| v.as_str() == text)
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
            timestamp: repo::time::rfc3339(model.created),
            tools: Tools {
                components: vec![Tool {
                    kind: "application",
                    name: TOOL_NAME,
                    version: TOOL_VERSION,
                }],
            },
            component: CdxComponent::new(
                &model.subject,
                model,
                spec,
                model
                    .parts
                    .values()
                    .map(|c| CdxComponent::new(c, model, spec, Vec::new()))
                    .collect(),
            ),
        },
        components: model
            .components
            .values()
            .map(|c| CdxComponent::new(c, model, spec, Vec::new()))
            .collect(),
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
    /// 1.5 only: deprecated from 1.6 on, where `authors` replaces it.
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Contact<'a>>,
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

/// A name-value pair the schema leaves to the producer (`xtask:python:marker`,
/// `cargo-xtask-sbom:dev-dependency`).
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

/// An `organizationalContact`: only the name is known.
#[derive(Serialize)]
struct Contact<'a> {
    name: &'a str,
}

impl<'a> CdxComponent<'a> {
    fn new(
        c: &'a Component,
        model: &'a Model,
        spec: SpecVersion,
        components: Vec<CdxComponent<'a>>,
    ) -> CdxComponent<'a> {
        let (author, authors) = match spec {
            SpecVersion::V1_5 => (
                (!c.authors.is_empty()).then(|| c.authors.join(", ")),
                Vec::new(),
            ),
            SpecVersion::V1_6 | SpecVersion::V1_7 => (
                None,
                c.authors.iter().map(|name| Contact { name }).collect(),
            ),
        };
        // The component's own properties (such as a requirement's marker), then those the
        // model adds by id (a GitHub Action's pinning), then its development-only edges.
        let mut properties: Vec<Property<'a>> = c
            .properties
            .iter()
            .chain(model.properties.get(&c.id).into_iter().flatten())
            .map(|(name, value)| Property { name, value })
            .collect();
        properties.extend(
            model
                .edges
                .get(&c.id)
                .into_iter()
                .flatten()
                .filter(|(_, kind)| **kind == EdgeKind::Dev)
                .map(|(to, _)| Property {
                    name: DEV_DEPENDENCY,
                    value: to,
                }),
        );
        CdxComponent {
            kind: match c.kind {
                ComponentKind::Application => "application",
                ComponentKind::Library => "library",
            },
            bom_ref: &c.id,
            author,
            authors,
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
                .chain(c.other_hashes.iter().map(|h| Hash {
                    alg: match h.alg {
                        HashAlg::Sha1 => "SHA-1",
                        HashAlg::Sha512 => "SHA-512",
                    },
                    content: &h.hex,
                }))
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
            properties,
            components,
        }
    }
}
