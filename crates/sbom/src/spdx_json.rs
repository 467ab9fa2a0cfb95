//! The SPDX 2.3 JSON writer: packages with purls, checksums and declared licences,
//! `DESCRIBES`, `CONTAINS`, `DEPENDS_ON` and `DEV_DEPENDENCY_OF` relationships, and a document
//! namespace derived from the content. A pure function of a [`Model`].

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::HashAlg;
use crate::model::{ComponentKind, EdgeKind, Licence, LinkKind, Model, spdx_safe};
use crate::{TOOL_NAME, TOOL_VERSION};

/// Why an SPDX document could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SPDX id `{0}` would be used twice")]
pub struct DuplicateSpdxId(pub String);

/// The document's bytes: pretty JSON with a final newline.
pub fn write(model: &Model) -> Result<Vec<u8>, DuplicateSpdxId> {
    let ids = spdx_ids(model);
    let mut extracted = BTreeMap::new();
    let mut packages = Vec::new();
    for c in model.all() {
        let spdx_id = &ids[&c.id];
        let licence_declared = match &c.licence {
            None => "NOASSERTION".to_string(),
            Some(Licence::Expression(e)) => {
                // SPDX wants every LicenseRef an expression uses declared in the document.
                for id in licence_refs(e) {
                    extracted
                        .entry(id.to_string())
                        .or_insert_with(|| ExtractedLicence {
                            license_id: id.to_string(),
                            name: id["LicenseRef-".len()..].to_string(),
                            extracted_text: format!(
                                "The package's metadata names this licence `{id}` without its text."
                            ),
                        });
                }
                e.clone()
            }
            Some(Licence::Named { name, text }) => {
                let id = format!("LicenseRef-{}", &spdx_id["SPDXRef-".len()..]);
                extracted.insert(
                    id.clone(),
                    ExtractedLicence {
                        license_id: id.clone(),
                        name: name.clone(),
                        extracted_text: text.clone().unwrap_or_else(|| name.clone()),
                    },
                );
                id
            }
        };
        packages.push(Package {
            spdx_id: spdx_id.clone(),
            name: c.name.clone(),
            version_info: c.version.clone(),
            download_location: c.download.clone().unwrap_or_else(|| "NOASSERTION".into()),
            files_analyzed: false,
            primary_package_purpose: match c.kind {
                ComponentKind::Application => "APPLICATION",
                ComponentKind::Library => "LIBRARY",
            },
            homepage: c
                .links
                .iter()
                .find(|l| {
                    l.kind == LinkKind::Website
                        && (l.url.starts_with("https://") || l.url.starts_with("http://"))
                })
                .map(|l| l.url.clone()),
            description: c.description.clone(),
            originator: None,
            checksums: c
                .sha256
                .iter()
                .map(|h| Checksum {
                    algorithm: "SHA256",
                    checksum_value: h.clone(),
                })
                .chain(c.other_hashes.iter().map(|h| Checksum {
                    algorithm: match h.alg {
                        HashAlg::Sha1 => "SHA1",
                        HashAlg::Sha512 => "SHA512",
                    },
                    checksum_value: h.hex.clone(),
                }))
                .collect(),
            license_concluded: "NOASSERTION",
            license_declared: licence_declared,
            copyright_text: "NOASSERTION",
            external_refs: c
                .purl
                .iter()
                .map(|p| ExternalRef {
                    reference_category: "PACKAGE-MANAGER",
                    reference_type: "purl",
                    reference_locator: p.clone(),
                })
                .collect(),
        });
    }
    packages.sort_by(|a, b| a.spdx_id.cmp(&b.spdx_id));
    let mut seen = BTreeSet::new();
    for p in &packages {
        if !seen.insert(p.spdx_id.as_str()) {
            return Err(DuplicateSpdxId(p.spdx_id.clone()));
        }
    }

    let mut relationships = vec![Relationship {
        spdx_element_id: "SPDXRef-DOCUMENT".into(),
        relationship_type: "DESCRIBES",
        related_spdx_element: ids[&model.subject.id].clone(),
    }];
    for part in model.parts.keys() {
        relationships.push(Relationship {
            spdx_element_id: ids[&model.subject.id].clone(),
            relationship_type: "CONTAINS",
            related_spdx_element: ids[part].clone(),
        });
    }
    for (from, tos) in &model.edges {
        for (to, kind) in tos {
            if *from == model.subject.id && model.parts.contains_key(to) {
                continue; // already said by CONTAINS
            }
            relationships.push(match kind {
                EdgeKind::Normal | EdgeKind::Build => Relationship {
                    spdx_element_id: ids[from].clone(),
                    relationship_type: "DEPENDS_ON",
                    related_spdx_element: ids[to].clone(),
                },
                EdgeKind::Dev => Relationship {
                    spdx_element_id: ids[to].clone(),
                    relationship_type: "DEV_DEPENDENCY_OF",
                    related_spdx_element: ids[from].clone(),
                },
            });
        }
    }
    relationships.sort();
    relationships.dedup();

    let mut doc = Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: "SPDXRef-DOCUMENT",
        name: model.name.clone(),
        document_namespace: String::new(),
        creation_info: CreationInfo {
            created: repo::time::rfc3339(model.created),
            creators: vec![format!("Tool: {TOOL_NAME}-{TOOL_VERSION}")],
        },
        packages,
        has_extracted_licensing_infos: extracted.into_values().collect(),
        relationships,
    };
    let unsigned = serde_json::to_vec(&doc).expect("an SPDX document serializes");
    let uuid = uuid::Uuid::new_v5(&crate::NAMESPACE, &unsigned);
    doc.document_namespace = format!(
        "https://spdx.org/spdxdocs/{}-{uuid}",
        spdx_safe(&model.name)
    );
    let mut bytes = serde_json::to_vec_pretty(&doc).expect("an SPDX document serializes");
    bytes.push(b'\n');
    Ok(bytes)
}

/// The `LicenseRef-…` ids an SPDX expression uses (not those of other documents,
/// `DocumentRef-…:LicenseRef-…`, which that document declares).
fn licence_refs(expression: &str) -> impl Iterator<Item = &str> {
    expression
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|t| t.starts_with("LicenseRef-"))
}

/// Component id to SPDX id: `SPDXRef-<name>-<version>`, made safe; names that would collide
/// after that (`a_b` and `a-b`, or one crate from two sources) get a digest of the component
/// id appended, so every id stays unique and stable.
fn spdx_ids(model: &Model) -> BTreeMap<String, String> {
    let base = |c: &crate::model::Component| {
        let mut s = format!("SPDXRef-{}", spdx_safe(&c.name));
        if let Some(v) = &c.version {
            s.push('-');
            s.push_str(&spdx_safe(v));
        }
        s
    };
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for c in model.all() {
        *count.entry(base(c)).or_default() += 1;
    }
    model
        .all()
        .map(|c| {
            let b = base(c);
            let id = if count[&b] > 1 {
                let digest = uuid::Uuid::new_v5(&crate::NAMESPACE, c.id.as_bytes());
                format!("{b}-{}", &digest.simple().to_string()[..8])
            } else {
                b
            };
            (c.id.clone(), id)
        })
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    document_namespace: String,
    creation_info: CreationInfo,
    packages: Vec<Package>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<ExtractedLicence>,
    relationships: Vec<Relationship>,
}

#[derive(Serialize)]
struct CreationInfo {
    created: String,
    creators: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    download_location: String,
    files_analyzed: bool,
    primary_package_purpose: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    homepage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    originator: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checksums: Vec<Checksum>,
    license_concluded: &'static str,
    license_declared: String,
    copyright_text: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Checksum {
    algorithm: &'static str,
    checksum_value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExtractedLicence {
    license_id: String,
    name: String,
    extracted_text: String,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
}
