//! Python's trove licence classifiers (`License :: ...`) mapped to SPDX ids: the whole official
//! list (`data/trove-licence-classifiers.txt`, from the `trove-classifiers` package), each to the
//! one licence it names, or to nothing when it names a family without a version (`BSD License`,
//! `GNU General Public License (GPL)`, `Apache Software License`) or no licence at all.

/// Every licence classifier, sorted, with the SPDX id it names unambiguously. A licence whose
/// steward published a single version (`Common Public License`: CPL-1.0) names that version.
const CLASSIFIERS: &[(&str, Option<&str>)] = &[
    ("License :: Aladdin Free Public License (AFPL)", None),
    (
        "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication",
        Some("CC0-1.0"),
    ),
    (
        "License :: CeCILL-B Free Software License Agreement (CECILL-B)",
        Some("CECILL-B"),
    ),
    (
        "License :: CeCILL-C Free Software License Agreement (CECILL-C)",
        Some("CECILL-C"),
    ),
    ("License :: DFSG approved", None),
    ("License :: Eiffel Forum License (EFL)", None),
    ("License :: Free For Educational Use", None),
    ("License :: Free For Home Use", None),
    ("License :: Free To Use But Restricted", None),
    ("License :: Free for non-commercial use", None),
    ("License :: Freely Distributable", None),
    ("License :: Freeware", None),
    ("License :: GUST Font License 1.0", None),
    ("License :: GUST Font License 2006-09-30", None),
    ("License :: Netscape Public License (NPL)", None),
    (
        "License :: Nokia Open Source License (NOKOS)",
        Some("Nokia"),
    ),
    ("License :: OSI Approved", None),
    (
        "License :: OSI Approved :: Academic Free License (AFL)",
        None,
    ),
    ("License :: OSI Approved :: Apache Software License", None),
    (
        "License :: OSI Approved :: Apple Public Source License",
        None,
    ),
    ("License :: OSI Approved :: Artistic License", None),
    (
        "License :: OSI Approved :: Attribution Assurance License",
        Some("AAL"),
    ),
    ("License :: OSI Approved :: BSD License", None),
    (
        "License :: OSI Approved :: Blue Oak Model License (BlueOak-1.0.0)",
        Some("BlueOak-1.0.0"),
    ),
    (
        "License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)",
        Some("BSL-1.0"),
    ),
    (
        "License :: OSI Approved :: CEA CNRS Inria Logiciel Libre License, version 2.1 (CeCILL-2.1)",
        Some("CECILL-2.1"),
    ),
    (
        "License :: OSI Approved :: CMU License (MIT-CMU)",
        Some("MIT-CMU"),
    ),
    (
        "License :: OSI Approved :: Common Development and Distribution License 1.0 (CDDL-1.0)",
        Some("CDDL-1.0"),
    ),
    (
        "License :: OSI Approved :: Common Public License",
        Some("CPL-1.0"),
    ),
    (
        "License :: OSI Approved :: Eclipse Public License 1.0 (EPL-1.0)",
        Some("EPL-1.0"),
    ),
    (
        "License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)",
        Some("EPL-2.0"),
    ),
    (
        "License :: OSI Approved :: Educational Community License, Version 2.0 (ECL-2.0)",
        Some("ECL-2.0"),
    ),
    ("License :: OSI Approved :: Eiffel Forum License", None),
    (
        "License :: OSI Approved :: European Union Public Licence 1.0 (EUPL 1.0)",
        Some("EUPL-1.0"),
    ),
    (
        "License :: OSI Approved :: European Union Public Licence 1.1 (EUPL 1.1)",
        Some("EUPL-1.1"),
    ),
    (
        "License :: OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)",
        Some("EUPL-1.2"),
    ),
    (
        "License :: OSI Approved :: GNU Affero General Public License v3",
        Some("AGPL-3.0-only"),
    ),
    (
        "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)",
        Some("AGPL-3.0-or-later"),
    ),
    (
        "License :: OSI Approved :: GNU Free Documentation License (FDL)",
        None,
    ),
    (
        "License :: OSI Approved :: GNU General Public License (GPL)",
        None,
    ),
    (
        "License :: OSI Approved :: GNU General Public License v2 (GPLv2)",
        Some("GPL-2.0-only"),
    ),
    (
        "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)",
        Some("GPL-2.0-or-later"),
    ),
    (
        "License :: OSI Approved :: GNU General Public License v3 (GPLv3)",
        Some("GPL-3.0-only"),
    ),
    (
        "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)",
        Some("GPL-3.0-or-later"),
    ),
    (
        "License :: OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)",
        Some("LGPL-2.0-only"),
    ),
    (
        "License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)",
        Some("LGPL-2.0-or-later"),
    ),
    (
        "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",
        Some("LGPL-3.0-only"),
    ),
    (
        "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)",
        Some("LGPL-3.0-or-later"),
    ),
    (
        "License :: OSI Approved :: GNU Library or Lesser General Public License (LGPL)",
        None,
    ),
    (
        "License :: OSI Approved :: Historical Permission Notice and Disclaimer (HPND)",
        Some("HPND"),
    ),
    (
        "License :: OSI Approved :: IBM Public License",
        Some("IPL-1.0"),
    ),
    ("License :: OSI Approved :: ISC License (ISCL)", Some("ISC")),
    (
        "License :: OSI Approved :: Intel Open Source License",
        Some("Intel"),
    ),
    (
        "License :: OSI Approved :: Jabber Open Source License",
        None,
    ),
    ("License :: OSI Approved :: MIT License", Some("MIT")),
    (
        "License :: OSI Approved :: MIT No Attribution License (MIT-0)",
        Some("MIT-0"),
    ),
    (
        "License :: OSI Approved :: MITRE Collaborative Virtual Workspace License (CVW)",
        None,
    ),
    (
        "License :: OSI Approved :: MirOS License (MirOS)",
        Some("MirOS"),
    ),
    (
        "License :: OSI Approved :: Motosoto License",
        Some("Motosoto"),
    ),
    (
        "License :: OSI Approved :: Mozilla Public License 1.0 (MPL)",
        Some("MPL-1.0"),
    ),
    (
        "License :: OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)",
        Some("MPL-1.1"),
    ),
    (
        "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)",
        Some("MPL-2.0"),
    ),
    (
        "License :: OSI Approved :: Mulan Permissive Software License v2 (MulanPSL-2.0)",
        Some("MulanPSL-2.0"),
    ),
    (
        "License :: OSI Approved :: NASA Open Source Agreement v1.3 (NASA-1.3)",
        Some("NASA-1.3"),
    ),
    (
        "License :: OSI Approved :: Nethack General Public License",
        Some("NGPL"),
    ),
    (
        "License :: OSI Approved :: Nokia Open Source License",
        Some("Nokia"),
    ),
    (
        "License :: OSI Approved :: Open Group Test Suite License",
        Some("OGTSL"),
    ),
    (
        "License :: OSI Approved :: Open Software License 3.0 (OSL-3.0)",
        Some("OSL-3.0"),
    ),
    (
        "License :: OSI Approved :: PostgreSQL License",
        Some("PostgreSQL"),
    ),
    (
        "License :: OSI Approved :: Python License (CNRI Python License)",
        Some("CNRI-Python"),
    ),
    (
        "License :: OSI Approved :: Python Software Foundation License",
        Some("PSF-2.0"),
    ),
    (
        "License :: OSI Approved :: Qt Public License (QPL)",
        Some("QPL-1.0"),
    ),
    (
        "License :: OSI Approved :: Ricoh Source Code Public License",
        Some("RSCPL"),
    ),
    (
        "License :: OSI Approved :: SIL Open Font License 1.1 (OFL-1.1)",
        Some("OFL-1.1"),
    ),
    (
        "License :: OSI Approved :: Sleepycat License",
        Some("Sleepycat"),
    ),
    (
        "License :: OSI Approved :: Sun Industry Standards Source License (SISSL)",
        None,
    ),
    (
        "License :: OSI Approved :: Sun Public License",
        Some("SPL-1.0"),
    ),
    (
        "License :: OSI Approved :: The Unlicense (Unlicense)",
        Some("Unlicense"),
    ),
    (
        "License :: OSI Approved :: Universal Permissive License (UPL)",
        Some("UPL-1.0"),
    ),
    (
        "License :: OSI Approved :: University of Illinois/NCSA Open Source License",
        Some("NCSA"),
    ),
    (
        "License :: OSI Approved :: Vovida Software License 1.0",
        Some("VSL-1.0"),
    ),
    ("License :: OSI Approved :: W3C License", None),
    ("License :: OSI Approved :: X.Net License", Some("Xnet")),
    (
        "License :: OSI Approved :: Zero-Clause BSD (0BSD)",
        Some("0BSD"),
    ),
    ("License :: OSI Approved :: Zope Public License", None),
    (
        "License :: OSI Approved :: zlib/libpng License",
        Some("Zlib"),
    ),
    ("License :: Other/Proprietary License", None),
    ("License :: Public Domain", None),
    ("License :: Repoze Public License", None),
];

/// The SPDX id a licence classifier names; `None` for one that names no single licence, or is not
/// a licence classifier of the list.
pub(crate) fn spdx_id(classifier: &str) -> Option<&'static str> {
    let classifier = classifier.trim();
    CLASSIFIERS
        .binary_search_by(|(c, _)| (*c).cmp(classifier))
        .ok()
        .and_then(|i| CLASSIFIERS[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = include_str!("../data/trove-licence-classifiers.txt");

    #[test]
    fn the_table_is_the_whole_official_list() {
        let list: Vec<&str> = LIST
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .collect();
        let table: Vec<&str> = CLASSIFIERS.iter().map(|(c, _)| *c).collect();
        assert_eq!(table, list, "the table and the classifier list differ");
        assert!(table.windows(2).all(|w| w[0] < w[1]), "the table is sorted");
    }

    #[test]
    fn every_mapped_id_is_a_current_spdx_id() {
        for (classifier, id) in CLASSIFIERS {
            if let Some(id) = id {
                let found = spdx::license_id(id)
                    .unwrap_or_else(|| panic!("{classifier}: `{id}` is not an SPDX id"));
                assert_eq!(found.name, *id, "{classifier}");
                assert!(!found.is_deprecated(), "{classifier}: `{id}` is deprecated");
            }
        }
    }

    #[test]
    fn versions_and_or_later() {
        let id = |c: &str| spdx_id(&format!("License :: OSI Approved :: {c}"));
        assert_eq!(
            id("GNU Lesser General Public License v2 or later (LGPLv2+)"),
            Some("LGPL-2.0-or-later")
        );
        assert_eq!(
            id("GNU General Public License v3 or later (GPLv3+)"),
            Some("GPL-3.0-or-later")
        );
        assert_eq!(
            id("GNU Library or Lesser General Public License (LGPL)"),
            None
        );
        assert_eq!(id("BSD License"), None);
        assert_eq!(id("MIT License"), Some("MIT"));
        assert_eq!(spdx_id("License :: Not A Classifier"), None);
    }
}
