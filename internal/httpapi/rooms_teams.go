package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gongjian/internal/page"
	"gongjian/internal/pii"
	"gongjian/internal/rooms"
)

// toListedTeamDTO lists teams with their leaders' names masked (lists are seen by
// every resident; a team's own page shows the name to its members).
func toListedTeamDTO(t rooms.Team) teamDTO {
	d := toTeamDTO(t)
	d.LeaderName = pii.MaskName(d.LeaderName)
	return d
}

func (a *API) createTeam(c *gin.Context) {
	var req struct {
		CommunityID int64  `json:"community_id"`
		Name        string `json:"name"`
		Kind        string `json:"kind"`
		Description string `json:"description"`
		LeaderID    int64  `json:"leader_id"`
	}
	if u, ok := a.meWith(c, &req); ok {
		t, err := a.d.Rooms.CreateTeam(c.Request.Context(), u, rooms.Team{CommunityID: req.CommunityID, Name: req.Name, Kind: req.Kind,
			Description: req.Description, LeaderID: req.LeaderID})
		respond(c, http.StatusCreated, toTeamDTO(t), err)
	}
}

func (a *API) listTeams(c *gin.Context) {
	var community int64
	if read(c, communityParam(&community)) {
		ts, err := a.d.Rooms.Teams(c.Request.Context(), community)
		respondItems(c, ts, toListedTeamDTO, err)
	}
}

// toTeamViewDTO is a team's own page: the leader's name shows to its
// members.
func toTeamViewDTO(v rooms.TeamView) teamDTO {
	d := toTeamDTO(v.Team)
	d.Mine, d.Leads = v.Mine, v.Leads
	if !v.Leads && v.Mine != rooms.MemberActive {
		d.LeaderName = pii.MaskName(d.LeaderName)
	}
	for _, m := range v.Members {
		d.MemberList = append(d.MemberList, toMemberDTO(m))
	}
	return d
}

func (a *API) decideMember(approve bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		var uid int64
		if u, id, ok := a.meAndWith(c, "id", pathParam(&uid, "user_id")); ok {
			m, err := a.d.Rooms.DecideMember(c.Request.Context(), u, id, uid, approve)
			respond(c, http.StatusOK, toMemberDTO(m), err)
		}
	}
}

// teamBookings is a keyset page of a team's bookings from now on, in time
// order (?cursor=, ?limit= 1..100, default 50).
func (a *API) teamBookings(c *gin.Context) {
	var req page.Request
	if u, id, ok := a.meAndWith(c, "id", cursorParam(&req, 50)); ok {
		bs, next, err := a.d.Rooms.TeamBookings(c.Request.Context(), u, id, req)
		respond(c, http.StatusOK, gin.H{"items": dtos(bs, toBookingDTO), "next_cursor": nextCursor(next)}, err)
	}
}

// teamActivity drafts an activity hosted by the team (its leader): the
// activity is a draft of the team's organisation in the team's community,
// which the community's staff review and publish.
func (a *API) teamActivity(c *gin.Context) {
	var req activityReq
	u, id, ok := a.meAndWith(c, "id", &req)
	if !ok {
		return
	}
	t, actor, err := a.d.Rooms.LeaderActor(c.Request.Context(), u, id)
	if err != nil {
		fail(c, err)
		return
	}
	in := req.input()
	in.CommunityID, in.HostOrgID = t.CommunityID, t.OrgID
	a.createActivityAs(c, actor, in)
}
