package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"gongjian/internal/media"
)

// routes declares every route of the API, in one table: the place to
// review the API against the authorization matrix (server/authz_test.go)
// and the OpenAPI document (openapi.yaml). The groups carry the middleware:
//
//   - v1: public (no token); a route's own optionalAuth shows the viewer's
//     state when a token comes.
//   - authed: a signed-in user (bearer token or console cookie).
//   - staff: /admin for staff and admins; residents stop at this door and
//     each operation then checks its own scope.
//   - admin: /admin for admins only.
//   - con: /console, the desk console's routes (signed in; each checks
//     the user's scope).
//
// A route that only passes the request to one service call names that
// call here (handlers.go: byID, userAction, bodyAction, reasonAction,
// decision, removeFrom, items, ownItems, userItems, statusItems). Routes are registered in area order; the areas'
// handlers live in the files named in the comments.
func (a *API) routes(r *gin.Engine) {
	r.GET("/metrics", a.metricsAllowed(), gin.WrapH(promhttp.HandlerFor(a.d.Registry, promhttp.HandlerOpts{})))
	r.GET("/api/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", OpenAPISpec()) })

	v1 := r.Group("/api/v1")
	v1.POST("/auth/login", a.loginLimit, a.login)
	v1.POST("/auth/refresh", a.loginLimit, a.refresh)
	v1.POST("/auth/logout", a.logout) // authenticates itself: a revoked token may still log out
	v1.GET("/communities", items(a.d.Residents.Communities, a.toCommunityDTO))

	authed := v1.Group("", a.authenticate)
	staff := authed.Group("/admin", a.requireStaff)
	admin := authed.Group("/admin", a.requireAdmin)

	// The current user and their dependents (me.go).
	authed.GET("/me", a.getMe)
	authed.PATCH("/me", a.patchMe)
	authed.POST("/me/phone", a.bindPhone)
	authed.GET("/me/dependents", ownItems(a.d.Residents.Dependents, dependentNow))
	authed.GET("/me/dependents/consent", a.guardianConsent)
	authed.POST("/me/dependents", a.addDependent)
	authed.PATCH("/me/dependents/:id", a.patchDependent)
	authed.DELETE("/me/dependents/:id", a.deleteDependent)

	// Communities and roles (admin.go).
	admin.POST("/communities", a.createCommunity)
	admin.POST("/users/:id/roles", a.grantRole)
	admin.DELETE("/users/:id/roles", a.revokeRole)
	admin.GET("/users/:id", byID(a.d.Residents.Me, toUserDTO))

	// Check-in: tickets, scans, kits, checkers and volunteers (checkin.go).
	scanLimit := a.rateLimit("checkin", a.d.Limits.CheckinPerUser, a.d.Limits.CheckinPerIP)
	authed.GET("/registrations/:id/ticket", a.getTicket)
	authed.POST("/checkins", scanLimit, a.postCheckin)
	authed.POST("/checkins/batch", scanLimit, a.postCheckinBatch)
	authed.GET("/activities/:id/checkin-kit", userAction(a, http.StatusOK, a.d.Checkin.Kit, toKitDTO))
	authed.GET("/me/checking", ownItems(a.d.Checkin.MyChecking, toCheckingDTO))                            // the activities the caller is appointed to check
	authed.GET("/me/volunteer-sessions", ownItems(a.d.Checkin.MyVolunteerSessions, toVolunteerSessionDTO)) // the sessions the caller is appointed to serve in
	authed.GET("/activities/:id/poster", a.getPoster)
	authed.POST("/self-checkins", scanLimit, a.postSelfCheckin)
	staff.GET("/activities/:id/checkers", a.listAppointees(a.checkers()))
	staff.POST("/activities/:id/checkers", a.addAppointee(a.checkers()))
	staff.DELETE("/activities/:id/checkers", a.removeAppointee(a.checkers(), ""))
	staff.DELETE("/activities/:id/checkers/:user_id", a.removeAppointee(a.checkers(), "user_id"))
	staff.GET("/sessions/:id/rotating-code", a.getRotatingCode)
	staff.GET("/sessions/:id/attendance", userAction(a, http.StatusOK, a.d.Checkin.Attendance, toAttendanceDTO))
	staff.GET("/sessions/:id/volunteers", a.listAppointees(a.volunteers()))
	staff.POST("/sessions/:id/volunteers", a.addAppointee(a.volunteers()))
	staff.DELETE("/sessions/:id/volunteers/:user_id", a.removeAppointee(a.volunteers(), "user_id"))

	// Volunteer hours: the ledger, claims, corrections, party membership
	// (hours.go).
	authed.GET("/me/hours", a.myHours)
	authed.GET("/me/hours/record", a.myRecord)
	authed.PUT("/me/hours/identity", a.putIdentity)
	authed.GET("/me/hours/claims", a.myClaims)
	authed.GET("/me/party-membership", a.getMembership)
	authed.POST("/me/party-membership", a.postMembership)
	authed.POST("/hours/claims", a.createClaim)
	staff.GET("/hours/claims", statusPage(a, a.d.Hours.Claims, claimID, toClaimDTO))
	staff.POST("/hours/claims/:id/approve", bodyAction(a, claimedTime.minutes, a.d.Hours.ApproveClaim, toClaimDTO))
	staff.POST("/hours/claims/:id/reject", reasonAction(a, a.d.Hours.RejectClaim, toClaimDTO))
	staff.POST("/hours/corrections", a.correctHours)
	staff.GET("/hours/corrections", statusPage(a, a.d.Hours.Corrections, correctionID, toCorrectionDTO))
	staff.POST("/hours/corrections/:id/approve", userAction(a, http.StatusOK, a.d.Hours.ApproveCorrection, toCorrectionDTO))
	staff.POST("/hours/corrections/:id/reject", reasonAction(a, a.d.Hours.RejectCorrection, toCorrectionDTO))
	staff.GET("/hours", a.hoursReport)

	// Wristbands: the vendor webhook (HMAC, no user token), the guardians'
	// routes and the wristband staff's routes (wristband*.go).
	v1.POST("/wristbands/webhook", a.wristbandWebhook)
	authed.GET("/me/wristbands", a.myWristbands)
	authed.GET("/wristbands/consent", a.wristbandConsent)
	authed.POST("/wristbands/bind", a.bindWristband)
	authed.POST("/wristbands/invitations/accept", a.acceptWristbandInvitation)
	authed.POST("/wristbands/:id/unbind", a.unbindWristband)
	authed.POST("/wristbands/:id/invitations", a.inviteGuardian)
	authed.GET("/wristbands/:id/guardians", a.wristbandGuardians)
	authed.DELETE("/wristbands/:id/guardians/:user_id", a.removeGuardian)
	authed.GET("/wristbands/:id/readings", a.wristbandReadings)
	authed.GET("/wristbands/:id/alarms", a.wristbandAlarms)
	authed.POST("/wristbands/:id/alarms/:alarm_id/ack", a.handleWristbandAlarm(true))
	authed.POST("/wristbands/:id/alarms/:alarm_id/resolve", a.handleWristbandAlarm(false))
	authed.GET("/wristbands/:id/access-log", a.wristbandAccessLog)
	authed.GET("/wristbands/:id/thresholds", a.wristbandThresholds)
	authed.PUT("/wristbands/:id/thresholds", a.setWristbandThresholds)
	authed.POST("/wristbands/:id/consent", a.giveWristbandConsent)
	authed.POST("/wristbands/:id/consent/revoke", a.revokeWristbandConsent)
	wb := authed.Group("/admin/wristbands", a.requireWristbandStaff)
	wb.GET("", a.adminWristbands)
	wb.POST("", a.adminAddWristbands)
	wb.POST("/import", a.adminImportWristbands)
	wb.POST("/bind", a.adminBindWristband)
	wb.GET("/alarms", a.adminWristbandAlarms)
	wb.POST("/alarms/:id/ack", a.adminHandleWristbandAlarm(true))
	wb.POST("/alarms/:id/resolve", a.adminHandleWristbandAlarm(false))
	wb.GET("/unattached", a.adminUnattachedPushes)
	wb.GET("/:id", userAction(a, http.StatusOK, a.d.Wristbands.Device, toDeviceDetailDTO))
	wb.POST("/:id/unbind", a.adminUnbindWristband)
	wb.POST("/:id/transfer", a.adminTransferWristband)
	wb.POST("/:id/bind-code", a.adminIssueBindCode)
	wb.GET("/:id/readings", a.adminWristbandReadings)
	wb.GET("/:id/alarms", a.adminDeviceAlarms)
	wb.PUT("/:id/thresholds", a.adminSetWristbandThresholds)
	wb.POST("/:id/consent/revoke", a.adminRevokeWristbandConsent)

	// Subscriptions and in-app messages (notify.go).
	authed.GET("/subscriptions", a.getSubscriptions)
	authed.POST("/subscriptions", a.postSubscriptions)
	authed.GET("/me/messages", a.listMessages)
	authed.POST("/me/messages/:id/read", a.readMessage)
	staff.GET("/activities/:id/messages", a.activityMessages)

	// Activities and registrations (activity*.go).
	regLimit := a.registrationLimit()
	v1.GET("/activities", a.listActivities)
	v1.GET("/activities/:id", a.optionalAuth, a.getActivity)
	authed.POST("/registrations", a.register) // limited inside: admitSignUp
	authed.GET("/registrations/:id", a.getRegistration)
	authed.POST("/registrations/:id/cancel", regLimit, a.cancelRegistration)
	authed.GET("/me/registrations", a.myRegistrations)
	authed.GET("/me/no-shows", a.myNoShows)
	staff.GET("/organizations", items(a.d.Activities.Organizations, toOrgDTO))
	staff.POST("/organizations", a.createOrganization)
	staff.GET("/activities", a.adminActivities)
	staff.POST("/activities", a.createActivity)
	staff.GET("/activities/:id", a.adminActivity)
	staff.PATCH("/activities/:id", a.updateActivity)
	staff.POST("/activities/:id/publish", a.activityStep(a.d.Activities.Publish))
	staff.POST("/activities/:id/finish", a.activityStep(a.d.Activities.Finish))
	staff.POST("/activities/:id/cancel", a.cancelActivity)
	staff.POST("/activities/:id/sessions", a.addSession)
	staff.PATCH("/activities/:id/sessions/:session_id", a.updateSession(true))
	staff.POST("/activities/:id/sessions/:session_id/cancel", a.cancelSession(true))
	staff.DELETE("/activities/:id/sessions/:session_id", a.cancelSession(true))
	staff.POST("/sessions/:id/cancel", a.cancelSession(false))
	staff.PATCH("/sessions/:id", a.updateSession(false))
	staff.GET("/activities/:id/registrations", a.activityRegistrations)
	staff.POST("/activities/:id/registrations", a.addRegistration)
	staff.GET("/activities/:id/registrations/export", a.exportRegistrations)
	staff.POST("/registrations/:id/remove", reasonAction(a, a.d.Activities.Remove, cancelledDTO))
	staff.POST("/registrations/:id/no-show", a.markNoShow)
	staff.POST("/quota/reconcile", a.requireAdmin, a.reconcile)

	// Photo uploads: POST /uploads (multipart field "file") and GET
	// /uploads/:id. The path is media.RefPrefix: the references claims
	// carry point here (uploads.go).
	authed.POST("/uploads", a.postUpload)
	authed.GET("/uploads/:id", a.getUpload)
	a.bodyLimit(http.MethodPost, authed.BasePath()+"/uploads", uploadBodyMax, media.ErrTooLarge)

	// The review queue of volunteers' presences held for review (closed by
	// the system, or checked out away from the place): they credit no
	// hours until approved (presence_review.go).
	staff.GET("/presences", a.presenceQueue)
	staff.POST("/presences/:id/approve", decision(a, true, a.d.Checkin.ReviewPresence, toPresenceDTO))
	staff.POST("/presences/:id/reject", decision(a, false, a.d.Checkin.ReviewPresence, toPresenceDTO))

	// Rooms and bookings (issue 16; rooms_resident.go).
	v1.GET("/rooms", a.optionalAuth, a.listRooms)
	v1.GET("/rooms/free", a.optionalAuth, a.freeRooms)
	v1.GET("/rooms/:id", a.optionalAuth, a.getRoom)
	v1.GET("/rooms/:id/availability", a.optionalAuth, a.roomAvailability)
	authed.GET("/rooms/:id/calendar", a.roomCalendar)
	authed.POST("/rooms/:id/bookings", a.bookRoom)
	authed.POST("/rooms/:id/series", a.bookSeries)
	authed.GET("/me/bookings", a.myBookings)
	authed.GET("/bookings/:id", userAction(a, http.StatusOK, a.d.Rooms.Booking, toBookingDTO))
	authed.POST("/bookings/:id/cancel", a.cancelBooking)
	authed.GET("/bookings/:id/ticket", a.bookingTicket)
	// The rooms' owner and desk routes are not behind requireStaff: a
	// unit's contacts own its rooms; the service checks each room's owners
	// (rooms_staff.go).
	authed.POST("/admin/rooms", a.createRoom)
	authed.GET("/admin/rooms", a.managedRooms)
	authed.PATCH("/admin/rooms/:id", a.patchRoom)
	authed.POST("/admin/rooms/:id/closures", a.addClosure)
	authed.DELETE("/admin/rooms/:id/closures/:closure_id", removeFrom(a, "closure_id", a.d.Rooms.DeleteClosure))
	authed.GET("/admin/bookings", a.deskBookings)
	authed.POST("/admin/bookings/:id/approve", decision(a, true, a.d.Rooms.Decide, toBookingDTO))
	authed.POST("/admin/bookings/:id/reject", decision(a, false, a.d.Rooms.Decide, toBookingDTO))
	authed.POST("/admin/bookings/checkins", a.checkInBooking)
	authed.GET("/admin/rooms/report", a.roomsReport)
	// Cultural teams (rooms_teams.go).
	authed.POST("/teams", a.createTeam)
	authed.GET("/teams", a.listTeams)
	authed.GET("/me/teams", userItems(a, a.d.Rooms.MyTeams, toListedTeamDTO))
	authed.GET("/teams/:id", userAction(a, http.StatusOK, a.d.Rooms.Team, toTeamViewDTO))
	authed.POST("/teams/:id/join", userAction(a, http.StatusOK, a.d.Rooms.Join, toMemberDTO))
	authed.POST("/teams/:id/members", bodyAction(a, userIDReq.userID, a.d.Rooms.Invite, toMemberDTO))
	authed.POST("/teams/:id/members/:user_id/approve", a.decideMember(true))
	authed.POST("/teams/:id/members/:user_id/reject", a.decideMember(false))
	authed.DELETE("/teams/:id/members/:user_id", removeFrom(a, "user_id", a.d.Rooms.RemoveMember))
	// The leader or the community's staff hand the team's leadership to
	// one of its active members; the old leader stays a member.
	authed.POST("/teams/:id/leader", bodyAction(a, userIDReq.userID, a.d.Rooms.ChangeLeader, toTeamDTO))
	authed.GET("/teams/:id/bookings", a.teamBookings)
	authed.POST("/teams/:id/activities", a.teamActivity)

	// Co-building (issue 15): units, the needs, resources and projects
	// lists, claims (cobuild_needs.go).
	staff.POST("/units", a.createUnit) // the service checks the communities served
	staff.POST("/units/import", a.importUnits)
	admin.PATCH("/units/:id", a.patchUnit)
	v1.GET("/units", a.listUnits)
	v1.GET("/units/:id", a.optionalAuth, a.getUnit)
	authed.GET("/me/units", a.myUnits)
	v1.GET("/needs", a.listNeeds)
	v1.GET("/needs/:id", byID(a.d.Cobuild.Need, needNow))
	authed.POST("/needs", a.createNeed)
	authed.POST("/needs/:id/claims", a.claimNeed)
	authed.POST("/claims/:id/withdraw", userAction(a, http.StatusOK, a.d.Cobuild.WithdrawClaim, toCbClaimDTO))
	v1.GET("/projects", a.listProjects)
	v1.GET("/projects/:id", byID(a.d.Cobuild.Project, projectNow))
	authed.POST("/projects/:id/progress", a.projectProgress)
	authed.POST("/projects/:id/evaluation", a.evaluateProject)
	authed.POST("/projects/:id/ratings", a.rateProject)
	// Wishes and proposals, and WeChat's media-check push
	// (cobuild_residents.go).
	authed.POST("/wishes", a.createWish)
	authed.GET("/me/wishes", a.myWishes)
	authed.GET("/wishes/:id", a.getWish)
	authed.GET("/needs/:id/wishes", a.needWishes)
	staff.GET("/wishes", a.reviewWishes)
	staff.POST("/wishes/:id/review", bodyAction(a, reviewReq.review, a.d.Cobuild.ReviewWish, toWishDTO))
	v1.GET("/proposals", a.optionalAuth, a.listProposals)
	v1.GET("/proposals/:id", a.optionalAuth, a.getProposal)
	authed.POST("/proposals", a.createProposal)
	authed.POST("/proposals/:id/supports", userAction(a, http.StatusCreated, a.d.Cobuild.Support, a.toProposalDTO))
	staff.POST("/proposals/:id/review", bodyAction(a, reviewReq.review, a.d.Cobuild.ReviewProposal, a.toProposalDTO))
	v1.GET("/wechat/push", a.verifyPushURL)
	v1.POST("/wechat/push", a.wechatPush)
	v1.GET("/wechat/media/:id", a.wechatMedia)
	// Resources, report-ins and the joint meeting's reports
	// (cobuild_resources.go).
	v1.GET("/resources", a.listResources)
	v1.GET("/resources/:id", byID(a.d.Cobuild.Resource, toResourceDTO))
	authed.POST("/resources", a.createResource)
	authed.POST("/resources/:id/claims", a.claimResource)
	authed.POST("/me/report-in", a.postReportIn)
	authed.GET("/me/report-in", a.getReportIn)
	staff.GET("/report-ins", a.listReportIns)
	staff.POST("/report-ins/:user_id/review", a.reviewReportIn)
	authed.GET("/units/:id/report", a.unitReport)
	staff.GET("/cobuild/report", a.communityReport)
	staff.GET("/cobuild/agenda", a.agenda)

	// The desk console (issue 17): its login routes are public, the rest
	// signed in (console_*.go).
	login := v1.Group("/console/login")
	login.GET("/options", a.consoleLoginOptions)
	login.POST("/qr", a.loginLimit, a.startConsoleQR)
	login.GET("/qr", a.pollConsoleQR)
	login.POST("/dev", a.loginLimit, a.consoleDevLogin) // 404 unless the development login is on
	con := authed.Group("/console")
	con.GET("/session", a.consoleSession)
	con.POST("/logout", a.consoleLogout)
	con.POST("/qr/:ticket/scan", a.scanConsoleQR)
	con.POST("/qr/:ticket/confirm", a.decideConsoleQR(a.d.ConsoleAuth.ConfirmQR))
	con.POST("/qr/:ticket/refuse", a.decideConsoleQR(a.d.ConsoleAuth.RefuseQR))
	// The district's subdistricts and communities (console_org.go).
	con.GET("/subdistricts", userItems(a, a.d.Residents.Subdistricts, toSubdistrictDTO))
	con.POST("/subdistricts", a.createSubdistrict)
	con.PATCH("/subdistricts/:id", a.patchSubdistrict)
	con.GET("/communities", a.listScopedCommunities)
	con.PATCH("/communities/:id", a.patchCommunity)
	// The audit log (console_audit.go).
	con.GET("/audit", a.listAudit)
	con.GET("/audit/export", a.exportAudit)
	con.GET("/audit/actions", a.auditActions)
	// The figures and the live alarm board (console_dashboard.go).
	con.GET("/dashboard", a.consoleDashboard)
	con.GET("/dashboard/cobuild", a.consoleDashboardCobuild)
	con.GET("/dashboard/rooms", a.consoleDashboardRooms)
	con.GET("/alarms/stream", a.alarmStream)
	// The list pages (console_lists.go).
	con.GET("/registrations", a.consoleRegistrations)
	con.GET("/people", a.consolePeople)
	con.GET("/people/:id/record", a.consolePersonRecord)

	// Confirmed residence: residents apply, community staff decide (issue
	// 13 point 5; residence.go). Optional.
	if a.d.Residence != nil {
		authed.GET("/me/residence", a.myResidence)
		authed.POST("/me/residence/applications", a.applyResidence)
		staff.GET("/residence/applications", a.listResidenceApplications)
		staff.POST("/residence/applications/:id/approve", userAction(a, http.StatusOK, a.d.Residence.Approve, decisionBody))
		staff.POST("/residence/applications/:id/reject", reasonAction(a, a.d.Residence.Reject, toResidenceDTO))
		staff.POST("/residence/applications/:id/recheck", userAction(a, http.StatusOK, a.d.Residence.Recheck, decisionBody))
	}

	// Verifying a service record by its number (issue 12 point 6): a
	// public JSON route and a plain page for whoever scans the record's
	// QR code with a phone camera (service_records.go).
	// Either spelling of the number is read, the path's and the page's
	// ?number=, on the JSON route and on the page.
	recordLimited := a.rateLimit(recordLimit, 0, recordPerIPLimit)
	v1.GET("/service-records/:number", recordLimited, a.verifyRecord)
	v1.GET("/service-records", recordLimited, a.verifyRecord)
	r.GET("/service-records", a.recordPage)
	r.GET("/service-records/:number", a.recordPage)
	authed.GET("/me/hours/record/code", a.myRecordCode)

	// The desk console's web app (optional).
	if a.d.Console != nil {
		r.GET("/console/*path", gin.WrapH(a.d.Console))
	}
}
