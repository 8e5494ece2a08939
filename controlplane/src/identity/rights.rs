//! Rights in The Things Stack's style (`pkg/ttnpb/rights.go`): each entity kind has atomic
//! rights and an `_ALL` right that expands to all of them; `RIGHT_ALL` expands to every right.
//! A [`RightSet`] is always held expanded, so "has right X" is one set look-up and
//! intersection bounds a key by its owner.
//!
//! The store's [`Right`] is a subset of TTS's list. Where TTS has a finer right the subset lacks
//! (`RIGHT_APPLICATION_DELETE`, `..._SETTINGS_API_KEYS`, `..._SETTINGS_COLLABORATORS`,
//! `RIGHT_USER_APPLICATIONS_CREATE`), the operation table (`api::operations`) asks for the
//! entity's `_ALL` right instead: stricter, never looser.

use crate::store::model::Right;
use std::collections::BTreeSet;

/// Atomic user rights (what `RIGHT_USER_ALL` expands to, besides itself).
pub const USER_RIGHTS: &[Right] = &[Right::RightUserInfo, Right::RightUserSettingsBasic];
/// Atomic organization rights.
pub const ORGANIZATION_RIGHTS: &[Right] = &[
    Right::RightOrganizationInfo,
    Right::RightOrganizationSettingsMembers,
];
/// Atomic application rights.
pub const APPLICATION_RIGHTS: &[Right] = &[
    Right::RightApplicationInfo,
    Right::RightApplicationSettingsBasic,
    Right::RightApplicationDevicesRead,
    Right::RightApplicationDevicesWrite,
    Right::RightApplicationDevicesReadKeys,
    Right::RightApplicationTrafficRead,
    Right::RightApplicationTrafficDownWrite,
];
/// Atomic gateway rights.
pub const GATEWAY_RIGHTS: &[Right] = &[
    Right::RightGatewayInfo,
    Right::RightGatewaySettingsBasic,
    Right::RightGatewayLink,
    Right::RightGatewayStatusRead,
];

/// Every right there is.
pub const ALL_RIGHTS: &[Right] = &[
    Right::RightUserInfo,
    Right::RightUserSettingsBasic,
    Right::RightUserAll,
    Right::RightOrganizationInfo,
    Right::RightOrganizationSettingsMembers,
    Right::RightOrganizationAll,
    Right::RightApplicationInfo,
    Right::RightApplicationSettingsBasic,
    Right::RightApplicationDevicesRead,
    Right::RightApplicationDevicesWrite,
    Right::RightApplicationDevicesReadKeys,
    Right::RightApplicationTrafficRead,
    Right::RightApplicationTrafficDownWrite,
    Right::RightApplicationAll,
    Right::RightGatewayInfo,
    Right::RightGatewaySettingsBasic,
    Right::RightGatewayLink,
    Right::RightGatewayStatusRead,
    Right::RightGatewayAll,
    Right::RightClientAll,
    Right::RightAll,
];

/// What one granted right stands for: itself, plus the atomic rights an `_ALL` right covers.
pub fn implied(r: Right) -> Vec<Right> {
    let atoms: &[Right] = match r {
        Right::RightUserAll => USER_RIGHTS,
        Right::RightOrganizationAll => ORGANIZATION_RIGHTS,
        Right::RightApplicationAll => APPLICATION_RIGHTS,
        Right::RightGatewayAll => GATEWAY_RIGHTS,
        Right::RightAll => return ALL_RIGHTS.to_vec(),
        _ => &[],
    };
    let mut v = atoms.to_vec();
    v.push(r);
    v
}

/// An expanded set of rights.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RightSet(BTreeSet<Right>);

impl RightSet {
    /// No rights.
    pub fn none() -> Self {
        Self::default()
    }

    /// Every right (network administrators).
    pub fn all() -> Self {
        Self(ALL_RIGHTS.iter().copied().collect())
    }

    /// The expansion of granted rights.
    pub fn expand(granted: &[Right]) -> Self {
        Self(granted.iter().flat_map(|&r| implied(r)).collect())
    }

    /// Whether the set holds `r`.
    pub fn has(&self, r: Right) -> bool {
        self.0.contains(&r)
    }

    /// The rights of `needed` this set lacks (empty: all held).
    pub fn missing(&self, needed: &[Right]) -> Vec<Right> {
        needed.iter().copied().filter(|r| !self.has(*r)).collect()
    }

    /// Whether every right of `other` is held.
    pub fn includes(&self, other: &RightSet) -> bool {
        other.0.is_subset(&self.0)
    }

    /// Rights held by both.
    pub fn intersect(&self, other: &RightSet) -> RightSet {
        Self(self.0.intersection(&other.0).copied().collect())
    }

    /// Adds every right of `other`.
    pub fn union_with(&mut self, other: &RightSet) {
        self.0.extend(other.0.iter().copied());
    }

    /// Whether no right is held.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The rights, sorted.
    pub fn to_vec(&self) -> Vec<Right> {
        self.0.iter().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Right::*;

    #[test]
    fn expansion_by_table() {
        type Case = (
            &'static str,
            &'static [Right],
            &'static [Right],
            &'static [Right],
        );
        let cases: &[Case] = &[
            // (name, granted, must hold, must lack)
            (
                "atomic stays atomic",
                &[RightApplicationInfo],
                &[RightApplicationInfo],
                &[RightApplicationDevicesRead, RightApplicationAll],
            ),
            (
                "app all covers devices and keys",
                &[RightApplicationAll],
                &[
                    RightApplicationAll,
                    RightApplicationDevicesRead,
                    RightApplicationDevicesWrite,
                    RightApplicationDevicesReadKeys,
                    RightApplicationTrafficDownWrite,
                ],
                &[RightGatewayInfo, RightAll, RightUserInfo],
            ),
            (
                "gateway all",
                &[RightGatewayAll],
                &[RightGatewayLink, RightGatewayStatusRead],
                &[RightApplicationInfo],
            ),
            (
                "user all",
                &[RightUserAll],
                &[RightUserInfo, RightUserSettingsBasic],
                &[RightApplicationInfo, RightOrganizationInfo],
            ),
            (
                "organization all",
                &[RightOrganizationAll],
                &[RightOrganizationSettingsMembers],
                &[RightApplicationInfo],
            ),
            ("all covers all", &[RightAll], ALL_RIGHTS, &[]),
            (
                "atoms do not make _ALL",
                APPLICATION_RIGHTS,
                APPLICATION_RIGHTS,
                &[RightApplicationAll],
            ),
            ("empty", &[], &[], &[RightUserInfo]),
        ];
        for (name, granted, hold, lack) in cases {
            let s = RightSet::expand(granted);
            assert!(
                s.missing(hold).is_empty(),
                "{name}: missing {:?}",
                s.missing(hold)
            );
            for r in *lack {
                assert!(!s.has(*r), "{name}: should lack {r:?}");
            }
        }
    }

    #[test]
    fn set_algebra_by_table() {
        let app = RightSet::expand(&[RightApplicationAll]);
        let read = RightSet::expand(&[RightApplicationDevicesRead, RightGatewayInfo]);
        let cases: &[(&str, RightSet, &[Right])] = &[
            (
                "key bounded by owner",
                read.intersect(&app),
                &[RightApplicationDevicesRead],
            ),
            (
                "disjoint",
                RightSet::expand(&[RightUserInfo]).intersect(&app),
                &[],
            ),
            (
                "all ∩ x = x",
                RightSet::all().intersect(&read),
                &[RightApplicationDevicesRead, RightGatewayInfo],
            ),
        ];
        for (name, got, want) in cases {
            assert_eq!(got.to_vec(), want.to_vec(), "{name}");
        }
        assert!(app.includes(&RightSet::expand(&[RightApplicationDevicesReadKeys])));
        assert!(!read.includes(&app));
        assert_eq!(
            app.missing(&[RightApplicationInfo, RightGatewayInfo]),
            vec![RightGatewayInfo]
        );
    }

    #[test]
    fn every_right_is_listed_once() {
        let set: BTreeSet<_> = ALL_RIGHTS.iter().collect();
        assert_eq!(set.len(), ALL_RIGHTS.len());
        for r in ALL_RIGHTS {
            assert!(RightSet::all().has(*r));
        }
    }
}
