package resident

import "slices"

// Scope levels, widest first.
const (
	LevelDistrict    = "district"
	LevelSubdistrict = "subdistrict"
	LevelCommunity   = "community"
	LevelOrg         = "org"
	LevelUnit        = "unit"
	LevelNone        = ""
)

// Scope is what a user's roles let them see in the console: everything
// (district), some subdistricts, communities, organisations or units.
type Scope struct {
	Level          string
	Admin          bool    // an admin (district or subdistrict)
	SubdistrictIDs []int64 // subdistrict admins' subdistricts
	CommunityIDs   []int64 // communities served (staff, and every community of a subdistrict admin's subdistricts)
	OrgIDs         []int64 // organisations served as staff
	UnitIDs        []int64 // co-building units served as contact
}

// IsDistrictAdmin reports whether u administers the whole district (an
// admin role not limited to a subdistrict).
func (u User) IsDistrictAdmin() bool {
	for _, r := range u.Roles {
		if r.Role == RoleAdmin && r.SubdistrictID == 0 {
			return true
		}
	}
	return false
}

// ConsoleScope works out u's scope from the roles.
func (u User) ConsoleScope() Scope {
	var s Scope
	rank := map[string]int{LevelNone: 0, LevelUnit: 1, LevelOrg: 2, LevelCommunity: 3, LevelSubdistrict: 4, LevelDistrict: 5}
	raise := func(l string) {
		if rank[l] > rank[s.Level] {
			s.Level = l
		}
	}
	add := func(list *[]int64, ids ...int64) {
		for _, id := range ids {
			if id != 0 && !slices.Contains(*list, id) {
				*list = append(*list, id)
			}
		}
	}
	for _, r := range u.Roles {
		switch r.Role {
		case RoleAdmin:
			s.Admin = true
			if r.SubdistrictID == 0 {
				raise(LevelDistrict)
			} else {
				raise(LevelSubdistrict)
				add(&s.SubdistrictIDs, r.SubdistrictID)
				add(&s.CommunityIDs, r.Communities...)
			}
		case RoleStaff:
			switch {
			case r.OrgID != 0:
				raise(LevelOrg)
				add(&s.OrgIDs, r.OrgID)
			case r.CommunityID != 0:
				raise(LevelCommunity)
				add(&s.CommunityIDs, r.CommunityID)
			default:
				raise(LevelDistrict) // staff of every community
			}
		case RoleUnitContact:
			raise(LevelUnit)
			add(&s.UnitIDs, r.OrgID)
		}
	}
	return s
}

// SeesCommunity reports whether the scope covers community id.
func (s Scope) SeesCommunity(id int64) bool {
	return s.Level == LevelDistrict || slices.Contains(s.CommunityIDs, id)
}

// ServesCommunities reports whether the scope serves communities as their
// staff: the district's admins and unscoped staff (every community), a
// subdistrict's admins and a community's staff (theirs). An organisation's
// staff and a unit's contacts do not.
func (s Scope) ServesCommunities() bool {
	return s.Admin || s.Level == LevelDistrict || len(s.CommunityIDs) > 0
}

// SeesSubdistrict reports whether the scope covers the whole subdistrict id.
func (s Scope) SeesSubdistrict(id int64) bool {
	return s.Level == LevelDistrict || slices.Contains(s.SubdistrictIDs, id)
}

// Permissions name the console's sections and powers the scope opens (for
// showing menus; every route checks again).
func (s Scope) Permissions() []string {
	if s.Level == LevelNone {
		return []string{}
	}
	p := []string{"dashboard"}
	staff := s.Level != LevelUnit || len(s.CommunityIDs) > 0 || len(s.OrgIDs) > 0
	if staff {
		p = append(p, "activities", "checkin", "hours", "people", "orgs", "wristbands")
	} else {
		p = append(p, "activities")
	}
	// Co-building and rooms: unit contacts claim needs, offer resources
	// and own their unit's rooms; staff review residents' wishes and
	// proposals; admins and the communities' staff register and import
	// units (for the communities they serve).
	p = append(p, "cobuild", "rooms")
	if staff {
		p = append(p, "cobuild.review")
	}
	if s.ServesCommunities() {
		p = append(p, "cobuild.units")
	}
	// Residence applications are decided by the staff of a community
	// (residence.Service: district-wide staff and admins, a subdistrict's
	// admin, a community's staff; never an organisation's staff or a unit
	// contact).
	if s.Level == LevelDistrict || len(s.CommunityIDs) > 0 {
		p = append(p, "residence")
	}
	if s.Admin {
		p = append(p, "audit")
	}
	if s.Admin && s.Level == LevelDistrict {
		p = append(p, "subdistricts.manage", "communities.manage", "roles.grant")
	}
	return p
}
