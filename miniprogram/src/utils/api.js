// Every server URL the mini-program uses lives in this file.
const { request, upload, download, newIdempotencyKey } = require('./request')

/** Builds "?a=1&b=2" from an object, skipping empty values. */
function qs(params) {
  const parts = Object.keys(params || {})
    .filter((k) => params[k] !== undefined && params[k] !== null && params[k] !== '')
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k])}`)
  return parts.length ? `?${parts.join('&')}` : ''
}

const get = (url) => request({ url })
const post = (url, data, header) => request({ url, method: 'POST', data: data || {}, header })
const patch = (url, data) => request({ url, method: 'PATCH', data })
const del = (url) => request({ url, method: 'DELETE' })

module.exports = {
  qs,
  newIdempotencyKey,

  // Me
  getMe: () => get('/api/v1/me'),
  updateMe: (body) => patch('/api/v1/me', body),
  bindPhone: (code) => post('/api/v1/me/phone', { code }),

  // Family members (dependents)
  listDependents: () => get('/api/v1/me/dependents'),
  /** The guardian consent in force for a family member under 14: {version, text}. */
  guardianConsent: () => get('/api/v1/me/dependents/consent'),
  createDependent: (body) => post('/api/v1/me/dependents', body),
  updateDependent: (id, body) => patch(`/api/v1/me/dependents/${id}`, body),
  deleteDependent: (id) => del(`/api/v1/me/dependents/${id}`),

  // Residence confirmed by the community
  getResidence: () => get('/api/v1/me/residence'),
  applyResidence: (body) => post('/api/v1/me/residence/applications', body),
  pendingResidenceApplications: () => get(`/api/v1/admin/residence/applications${qs({ status: 'pending' })}`),
  approveResidence: (id) => post(`/api/v1/admin/residence/applications/${id}/approve`),
  rejectResidence: (id, reason) => post(`/api/v1/admin/residence/applications/${id}/reject`, { reason }),

  // Communities and activities
  listCommunities: () => get('/api/v1/communities'),
  listActivities: (params) => get(`/api/v1/activities${qs(params)}`),
  getActivity: (id) => get(`/api/v1/activities/${id}`),

  // Registrations
  /** @param {any} body @param {string} idempotencyKey */
  createRegistrations: (body, idempotencyKey) => post('/api/v1/registrations', body, { 'Idempotency-Key': idempotencyKey }),
  myRegistrations: (scope, page = 1, pageSize = 20) => get(`/api/v1/me/registrations${qs({ scope, page, page_size: pageSize })}`),
  cancelRegistration: (id) => post(`/api/v1/registrations/${id}/cancel`),
  getTicket: (id) => get(`/api/v1/registrations/${id}/ticket`),

  // Subscribe messages
  subscriptionTemplates: () => get('/api/v1/subscriptions'),
  reportSubscriptions: (results) => post('/api/v1/subscriptions', { results }),

  // Messages
  listMessages: (beforeId) => get(`/api/v1/me/messages${qs({ before_id: beforeId })}`),
  readMessage: (id) => post(`/api/v1/me/messages/${id}/read`),

  // Check-in
  checkin: (body) => post('/api/v1/checkins', body),
  checkinKit: (activityId) => get(`/api/v1/activities/${activityId}/checkin-kit`),
  myChecking: () => get('/api/v1/me/checking'),
  checkinBatch: (scans) => post('/api/v1/checkins/batch', { scans, sent_at: new Date().toISOString() }),
  rotatingCode: (sessionId) => get(`/api/v1/admin/sessions/${sessionId}/rotating-code`),
  selfCheckin: (body) => post('/api/v1/self-checkins', body),

  // Volunteer hours
  myHours: () => get('/api/v1/me/hours'),
  // the record's lines come in keyset pages (next_cursor; null on the last)
  myHoursRecord: (cursor) => get(`/api/v1/me/hours/record${qs({ cursor })}`),
  /** Downloads the service record as XLSX; resolves with the temporary file path. */
  downloadHoursRecord: () => download('/api/v1/me/hours/record?format=xlsx'),
  /** The QR code of my record's verification page (PNG); resolves with the temporary file path. */
  downloadHoursRecordCode: () => download('/api/v1/me/hours/record/code'),
  /** Verifies a service record by its number (public: no login). */
  verifyServiceRecord: (number) => request({ url: `/api/v1/service-records/${encodeURIComponent(number)}`, auth: false }),
  myClaims: () => get('/api/v1/me/hours/claims'),
  /** Sessions staff appointed me to serve in (no sign-up of mine), latest first: {items: [{session_id, activity_id, activity_title, activity_status, starts_at, ends_at, ended, …}]}. */
  myVolunteerSessions: () => get('/api/v1/me/volunteer-sessions'),
  createClaim: (body) => post('/api/v1/hours/claims', body),
  /** Uploads a photo; resolves with {url, id, content_type, size, width, height} (url: the path to put in photo_urls). */
  uploadFile: (filePath) => upload('/api/v1/uploads', filePath),
  /** An uploaded photo (url as the upload answered) to a temporary file path, with the user's credentials. */
  downloadPhoto: (url) => download(url),
  // keyset pages of at most 100, newest first: follow next_cursor until it is null
  pendingClaims: (cursor) => get(`/api/v1/admin/hours/claims${qs({ status: 'pending', limit: 100, cursor })}`),
  approveClaim: (id, minutes) => post(`/api/v1/admin/hours/claims/${id}/approve`, { minutes }),
  rejectClaim: (id, reason) => post(`/api/v1/admin/hours/claims/${id}/reject`, { reason }),

  // Wristbands
  wristbandConsent: () => get('/api/v1/wristbands/consent'),
  bindWristband: (body) => post('/api/v1/wristbands/bind', body),
  unbindWristband: (id) => post(`/api/v1/wristbands/${id}/unbind`),
  myWristbands: () => get('/api/v1/me/wristbands'),
  // keyset pages of 50, newest first: cursor is the previous page's next_cursor (null on the last)
  wristbandAlarms: (id, cursor) => get(`/api/v1/wristbands/${id}/alarms${qs({ cursor })}`),
  inviteGuardian: (id) => post(`/api/v1/wristbands/${id}/invitations`),
  acceptInvitation: (code) => post('/api/v1/wristbands/invitations/accept', { code }),
  ackBandAlarm: (id, alarmId, note) => post(`/api/v1/wristbands/${id}/alarms/${alarmId}/ack`, { note }),
  wristbandGuardians: (id) => get(`/api/v1/wristbands/${id}/guardians`),
  removeGuardian: (id, userId) => del(`/api/v1/wristbands/${id}/guardians/${userId}`),
  /** params: kind (comma-separated), before (the last item's `at`, exclusive), limit (1–200) */
  wristbandReadings: (id, params) => get(`/api/v1/wristbands/${id}/readings${qs(params)}`),
  revokeWristbandConsent: (id) => post(`/api/v1/wristbands/${id}/consent/revoke`),
  giveWristbandConsent: (id, version) => post(`/api/v1/wristbands/${id}/consent`, { version }),

  // Staff
  // keyset pages of 50, newest first: follow next_cursor until it is null
  adminAlarms: (cursor) => get(`/api/v1/admin/wristbands/alarms${qs({ cursor })}`),
  ackAlarm: (id, note) => post(`/api/v1/admin/wristbands/alarms/${id}/ack`, { note }),
  resolveAlarm: (id, note) => post(`/api/v1/admin/wristbands/alarms/${id}/resolve`, { note }),
  adminActivities: (params) => get(`/api/v1/admin/activities${qs(params)}`),
  // keyset pages of at most 100: follow next_cursor until it is null
  activityRegistrations: (id, cursor) => get(`/api/v1/admin/activities/${id}/registrations${qs({ limit: 100, cursor })}`),

  // Rooms, bookings and cultural teams
  listRooms: (params) => get(`/api/v1/rooms${qs(params)}`),
  getRoom: (id) => get(`/api/v1/rooms/${id}`),
  roomAvailability: (id, from, to) => get(`/api/v1/rooms/${id}/availability${qs({ from, to })}`),
  /** @param {any} body @param {string} idempotencyKey */
  bookRoom: (id, body, idempotencyKey) => post(`/api/v1/rooms/${id}/bookings`, body, { 'Idempotency-Key': idempotencyKey }),
  // Keyset pages (at most 100 a page): cursor is the previous page's next_cursor (null on the last).
  myBookings: (cursor) => get(`/api/v1/me/bookings${qs({ cursor })}`),
  cancelBooking: (id, reason) => post(`/api/v1/bookings/${id}/cancel`, { reason }),
  bookingTicket: (id) => get(`/api/v1/bookings/${id}/ticket`),
  deskBookings: (status, cursor) => get(`/api/v1/admin/bookings${qs({ status, cursor })}`),
  approveBooking: (id, note) => post(`/api/v1/admin/bookings/${id}/approve`, { note }),
  rejectBooking: (id, note) => post(`/api/v1/admin/bookings/${id}/reject`, { note }),
  listTeams: (communityId) => get(`/api/v1/teams${qs({ community_id: communityId })}`),
  myTeams: () => get('/api/v1/me/teams'),
  getTeam: (id) => get(`/api/v1/teams/${id}`),
  joinTeam: (id) => post(`/api/v1/teams/${id}/join`),
  approveMember: (id, userId) => post(`/api/v1/teams/${id}/members/${userId}/approve`),
  rejectMember: (id, userId) => post(`/api/v1/teams/${id}/members/${userId}/reject`),
  /** hands the team's leadership to one of its active members (the leader or staff); the old leader stays a member */
  changeTeamLeader: (id, userId) => post(`/api/v1/teams/${id}/leader`, { user_id: userId }),
  teamBookings: (id, cursor) => get(`/api/v1/teams/${id}/bookings${qs({ cursor })}`),

  // Co-building (共建): needs, projects, wishes, proposals, units, resources, report-ins
  listNeeds: (params) => get(`/api/v1/needs${qs(params)}`),
  getNeed: (id) => get(`/api/v1/needs/${id}`),
  createNeed: (body) => post('/api/v1/needs', body),
  claimNeed: (id, body) => post(`/api/v1/needs/${id}/claims`, body),
  withdrawClaim: (id) => post(`/api/v1/claims/${id}/withdraw`),
  listProjects: (params) => get(`/api/v1/projects${qs(params)}`),
  getProject: (id) => get(`/api/v1/projects/${id}`),
  projectProgress: (id, body) => post(`/api/v1/projects/${id}/progress`, body),
  rateProject: (id, body) => post(`/api/v1/projects/${id}/ratings`, body),
  createWish: (body) => post('/api/v1/wishes', body),
  // wishes and proposals come in keyset pages, newest first (next_cursor; null on the last)
  myWishes: (cursor) => get(`/api/v1/me/wishes${qs({ cursor })}`),
  listProposals: (params) => get(`/api/v1/proposals${qs(params)}`),
  createProposal: (body) => post('/api/v1/proposals', body),
  supportProposal: (id) => post(`/api/v1/proposals/${id}/supports`),
  listUnits: (params) => get(`/api/v1/units${qs(params)}`),
  myUnits: () => get('/api/v1/me/units'),
  listResources: (params) => get(`/api/v1/resources${qs(params)}`),
  createResource: (body) => post('/api/v1/resources', body),
  myReportIn: () => get('/api/v1/me/report-in'),
  reportIn: (body) => post('/api/v1/me/report-in', body),
  reviewWishes: (params) => get(`/api/v1/admin/wishes${qs(params)}`),
  reviewWish: (id, body) => post(`/api/v1/admin/wishes/${id}/review`, body),
  reviewProposal: (id, body) => post(`/api/v1/admin/proposals/${id}/review`, body),
  listReportIns: (params) => get(`/api/v1/admin/report-ins${qs(params)}`),
  reviewReportIn: (userId, body) => post(`/api/v1/admin/report-ins/${userId}/review`, body),

  // Desk console login by QR code (the console shows the code; the phone confirms)
  scanConsoleLogin: (ticket) => post(`/api/v1/console/qr/${encodeURIComponent(ticket)}/scan`),
  confirmConsoleLogin: (ticket) => post(`/api/v1/console/qr/${encodeURIComponent(ticket)}/confirm`),
  refuseConsoleLogin: (ticket) => post(`/api/v1/console/qr/${encodeURIComponent(ticket)}/refuse`),
}
