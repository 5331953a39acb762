package mysqlstore

import (
	"context"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
	"gongjian/internal/rooms"
)

func toTeam(r teamRow) rooms.Team {
	return rooms.Team{ID: r.ID, CommunityID: r.CommunityID, OrgID: r.OrgID, Name: r.Name, Kind: r.Kind, Description: r.Description,
		LeaderID: r.LeaderID, Active: r.Active, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt}
}

var errTeamExists = errs.Conflict("TEAM_EXISTS", "同名队伍或组织已存在")

// CreateTeam inserts a team with its own organisation (a social
// organisation of the team's community, host of its activities) and the
// leader as its first active member.
func (s *RoomStore) CreateTeam(ctx context.Context, t *rooms.Team) error {
	if err := s.communityExists(ctx, t.CommunityID); err != nil {
		return err
	}
	if names, err := s.userNames(ctx, []int64{t.LeaderID}); err != nil {
		return err
	} else if _, ok := names[t.LeaderID]; !ok {
		return errs.Invalid("UNKNOWN_LEADER", "队长不是已登录过的居民")
	}
	err := s.db.transaction(ctx, func(tx *gorm.DB) error {
		org := organizationRow{Name: t.Name, Type: activity.OrgSocial}
		if err := tx.Create(&org).Error; err != nil {
			return err
		}
		if err := tx.Create(&orgCommunityRow{OrgID: org.ID, CommunityID: t.CommunityID}).Error; err != nil {
			return err
		}
		row := teamRow{CommunityID: t.CommunityID, OrgID: org.ID, Name: t.Name, Kind: t.Kind, Description: t.Description,
			LeaderID: t.LeaderID, Active: true, CreatedBy: t.CreatedBy}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		t.ID, t.OrgID, t.Active, t.CreatedAt = row.ID, org.ID, true, row.CreatedAt
		return tx.Create(&teamMemberRow{TeamID: row.ID, UserID: t.LeaderID, Status: rooms.MemberActive}).Error
	})
	if IsDuplicate(err) {
		return errTeamExists
	}
	return translate(err, nil)
}

// Team loads one team with its number of members and the leader's name.
func (s *RoomStore) Team(ctx context.Context, id int64) (rooms.Team, error) {
	return byIDFilled(ctx, s.g(ctx), id, rooms.ErrTeamNotFound, s.fillTeams)
}

// Teams lists a community's teams (every community: 0), or those memberOf
// is an active member of.
func (s *RoomStore) Teams(ctx context.Context, communityID, memberOf int64) ([]rooms.Team, error) {
	q := s.g(ctx).Model(&teamRow{}).Where("active = ?", true)
	if communityID != 0 {
		q = q.Where("community_id = ?", communityID)
	}
	if memberOf != 0 {
		q = q.Where("id IN (?)", s.g(ctx).Model(&teamMemberRow{}).Select("team_id").Where("user_id = ? AND status = ?", memberOf, rooms.MemberActive))
	}
	var rows []teamRow
	if err := q.Order("community_id, id").Limit(500).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	return s.fillTeams(ctx, rows)
}

func (s *RoomStore) fillTeams(ctx context.Context, rows []teamRow) ([]rooms.Team, error) {
	ids, leaders := map[int64]bool{}, map[int64]bool{}
	for _, r := range rows {
		ids[r.ID], leaders[r.LeaderID] = true, true
	}
	type count struct {
		TeamID int64
		N      int
	}
	var cs []count
	if len(rows) > 0 {
		if err := s.g(ctx).Model(&teamMemberRow{}).Select("team_id, COUNT(*) AS n").Where("team_id IN ? AND status = ?", keys(ids), rooms.MemberActive).
			Group("team_id").Scan(&cs).Error; err != nil {
			return nil, translate(err, nil)
		}
	}
	n := map[int64]int{}
	for _, c := range cs {
		n[c.TeamID] = c.N
	}
	names, err := s.userNames(ctx, keys(leaders))
	if err != nil {
		return nil, err
	}
	out := make([]rooms.Team, 0, len(rows))
	for _, r := range rows {
		t := toTeam(r)
		t.Members, t.LeaderName = n[r.ID], names[r.LeaderID]
		out = append(out, t)
	}
	return out, nil
}

// userNames maps user ids to their real names (nicknames when none).
func (s *RoomStore) userNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	return userNames(s.g(ctx), ids)
}

// Members lists a team's memberships (every status but left).
func (s *RoomStore) Members(ctx context.Context, teamID int64) ([]rooms.Member, error) {
	var rows []teamMemberRow
	if err := s.g(ctx).Where("team_id = ? AND status <> ?", teamID, rooms.MemberLeft).Order("created_at, user_id").Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	return joined(ctx, rows, func(r teamMemberRow) int64 { return r.UserID }, s.userNames, func(r teamMemberRow, name string) rooms.Member {
		return rooms.Member{TeamID: r.TeamID, UserID: r.UserID, Name: name, Status: r.Status, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	})
}

var errNotMember = errs.NotFound("NOT_A_MEMBER", "该居民不是队伍成员")

// Member loads one membership.
func (s *RoomStore) Member(ctx context.Context, teamID, userID int64) (rooms.Member, error) {
	var r teamMemberRow
	if err := s.g(ctx).Where("team_id = ? AND user_id = ?", teamID, userID).Take(&r).Error; err != nil {
		return rooms.Member{}, translate(err, errNotMember)
	}
	return rooms.Member{TeamID: r.TeamID, UserID: r.UserID, Status: r.Status, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}, nil
}

// SetMember writes a membership, conditionally on its current status.
func (s *RoomStore) SetMember(ctx context.Context, m rooms.Member, from []string) error {
	return translate(s.db.transaction(ctx, func(tx *gorm.DB) error {
		if len(from) == 0 {
			if m.Status == rooms.MemberInvited {
				// An invitation names a real person (an account).
				if err := userExists(tx, m.UserID); err != nil {
					return err
				}
			}
			return createUnlessExists(tx, &teamMemberRow{TeamID: m.TeamID, UserID: m.UserID, Status: m.Status}).Error
		}
		if m.Status == rooms.MemberLeft {
			// The team row is locked as SetLeader locks it: a member the
			// leadership passes to at the same time does not leave.
			t, err := lockTeam(tx, m.TeamID)
			if err != nil {
				return err
			}
			if t.LeaderID == m.UserID {
				return rooms.ErrLeaderStays
			}
		}
		res := tx.Model(&teamMemberRow{}).Where("team_id = ? AND user_id = ? AND status IN ?", m.TeamID, m.UserID, from).Update("status", m.Status)
		if res.Error == nil && res.RowsAffected == 0 {
			return rooms.ErrStateChanged
		}
		return res.Error
	}), nil)
}

// lockTeam reads a team's row for update.
func lockTeam(tx *gorm.DB, id int64) (teamRow, error) {
	var t teamRow
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&t).Error
	return t, translate(err, rooms.ErrTeamNotFound)
}

// SetLeader makes to the team's leader, if from still leads it and to is
// an active member. The team row is locked first, as SetMember locks it
// for a member leaving: the new leader cannot leave meanwhile.
func (s *RoomStore) SetLeader(ctx context.Context, teamID, from, to int64) error {
	return translate(s.db.transaction(ctx, func(tx *gorm.DB) error {
		t, err := lockTeam(tx, teamID)
		if err != nil {
			return err
		}
		if t.LeaderID != from {
			return rooms.ErrStateChanged
		}
		var m teamMemberRow
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("team_id = ? AND user_id = ? AND status = ?", teamID, to, rooms.MemberActive).
			Take(&m).Error; err != nil {
			return translate(err, rooms.ErrLeaderNotMember)
		}
		res := tx.Model(&teamRow{}).Where("id = ? AND leader_id = ?", teamID, from).Update("leader_id", to)
		if res.Error == nil && res.RowsAffected == 0 {
			return rooms.ErrStateChanged
		}
		return res.Error
	}), nil)
}
