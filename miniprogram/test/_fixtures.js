// Demo data shared by tests and the screenshot script: real-looking Chinese community data.
const DAY = 24 * 3600 * 1000
const CATEGORY_NAMES = { after_school: '四点半学校', clinic: '义诊', performance: '文艺演出', youth_camp: '青少年快乐营地', lecture: '讲座', volunteer_service: '志愿服务' }

function iso(d) {
  // Local Asia/Shanghai time with offset, like the server sends.
  const t = new Date(d.getTime() + 8 * 3600 * 1000)
  return `${t.toISOString().slice(0, 19)}+08:00`
}

/** A fixed "now" for stable screenshots; tests use real time with relative dates. */
function at(daysFromNow, hh, mm, base = new Date()) {
  const d = new Date(base.getTime() + daysFromNow * DAY)
  const s = new Date(`${iso(d).slice(0, 10)}T${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:00+08:00`)
  return iso(s)
}

const communities = [
  { id: 1, name: '幸福里社区' },
  { id: 2, name: '和平街社区' },
  { id: 3, name: '光明新村社区' },
]

function activities(base) {
  return [
    { id: 101, title: '四点半学校·秋季书法兴趣班', category: 'after_school', community_id: 1, category_name: CATEGORY_NAMES['after_school'], host_org_id: 3, host_org_name: '幸福里社区居委会', cover_url: '', place: { address: '幸福里社区党群服务中心三楼书画室', lat: 31.2304, lng: 121.4737 }, signup_opens_at: at(-3, 9, 0, base), signup_closes_at: at(5, 18, 0, base), status: 'published', remaining: 8, sessions_count: 4, series: false, popular: false, next_starts_at: at(2, 16, 30, base) },
    { id: 102, title: '三甲医院专家义诊（心血管·内分泌）', category: 'clinic', community_id: 1, category_name: CATEGORY_NAMES['clinic'], host_org_id: 4, host_org_name: '市第一人民医院 · 幸福里社区卫生服务站', cover_url: '', place: { address: '幸福里社区卫生服务站一楼大厅', lat: 31.2311, lng: 121.4742 }, signup_opens_at: at(-2, 8, 0, base), signup_closes_at: at(3, 12, 0, base), status: 'published', remaining: 23, sessions_count: 6, series: false, popular: false, next_starts_at: at(3, 8, 30, base) },
    { id: 103, title: '“邻里同乐”迎新年文艺汇演', category: 'performance', community_id: 2, category_name: CATEGORY_NAMES['performance'], host_org_id: 5, host_org_name: '和平街街道文化站', cover_url: '', place: { address: '和平街街道文化活动中心大礼堂', lat: 31.228, lng: 121.47 }, signup_opens_at: at(-5, 9, 0, base), signup_closes_at: at(9, 18, 0, base), status: 'published', remaining: 0, sessions_count: 1, series: false, popular: false, next_starts_at: at(10, 19, 0, base) },
    { id: 104, title: '青少年快乐营地·冬季科学探索营', category: 'youth_camp', community_id: 3, category_name: CATEGORY_NAMES['youth_camp'], host_org_id: 6, host_org_name: '光明新村社区 · 区青少年活动中心', cover_url: '', place: { address: '区青少年活动中心科技楼', lat: 31.225, lng: 121.48 }, signup_opens_at: at(-1, 9, 0, base), signup_closes_at: at(12, 18, 0, base), status: 'published', remaining: 15, sessions_count: 2, series: false, popular: false, next_starts_at: at(14, 9, 0, base) },
    { id: 105, title: '防范电信诈骗 · 老年人专题讲座', category: 'lecture', community_id: 1, category_name: CATEGORY_NAMES['lecture'], host_org_id: 7, host_org_name: '幸福里派出所 · 社区居委会', cover_url: '', place: { address: '幸福里社区党群服务中心一楼报告厅', lat: 31.2304, lng: 121.4737 }, signup_opens_at: at(-4, 9, 0, base), signup_closes_at: at(4, 12, 0, base), status: 'published', remaining: 46, sessions_count: 1, series: false, popular: false, next_starts_at: at(4, 14, 30, base) },
    { id: 106, title: '助老送餐 · 周末志愿服务', category: 'volunteer_service', community_id: 2, category_name: CATEGORY_NAMES['volunteer_service'], host_org_id: 8, host_org_name: '和平街社区志愿者服务队', cover_url: '', place: { address: '和平街社区长者食堂', lat: 31.228, lng: 121.471 }, signup_opens_at: at(-6, 9, 0, base), signup_closes_at: at(6, 20, 0, base), status: 'published', remaining: 5, sessions_count: 2, series: false, popular: false, next_starts_at: at(6, 10, 30, base) },
  ]
}

function clinicDetail(base) {
  const a = activities(base)[1]
  return Object.assign({}, a, {
    description: '市第一人民医院心内科、内分泌科专家来社区坐诊，免费测量血压、血糖，解读体检报告，提供用药咨询。\n请携带既往病历和正在服用的药品清单。',
    eligibility: { community_only: true, min_age: 18, max_age: 0, roles: [] },
    per_account_limit: 2,
    cancel_deadline_minutes: 120,
    questions: [
      { id: 'q1', type: 'choice', title: '希望咨询的科室', options: ['心血管内科', '内分泌科', '都需要'], required: true },
      { id: 'q2', type: 'text', title: '主要不适或想咨询的问题', options: [], required: false },
    ],
    sessions: [
      { id: 1001, starts_at: at(3, 8, 30, base), ends_at: at(3, 9, 30, base), capacity: 10, remaining: 0, waitlist_capacity: 5, waitlist_remaining: 3 },
      { id: 1002, starts_at: at(3, 9, 30, base), ends_at: at(3, 10, 30, base), capacity: 10, remaining: 6, waitlist_capacity: 5, waitlist_remaining: 5 },
      { id: 1003, starts_at: at(3, 10, 30, base), ends_at: at(3, 11, 30, base), capacity: 10, remaining: 10, waitlist_capacity: 5, waitlist_remaining: 5 },
    ],
  })
}

// userDTO: the server always lists "resident" first (no community), then the granted roles.
const user = {
  id: 7, nickname: '王阿姨', avatar_url: '', real_name: '王秀英', community_id: 1, phone_masked: '138****1234',
  roles: [{ role: 'resident' }, { role: 'volunteer', community_id: 1 }], created_at: '2026-03-02T10:00:00+08:00',
}

const staffUser = Object.assign({}, user, { id: 9, nickname: '李书记', real_name: '李建国', roles: [{ role: 'resident' }, { role: 'staff', community_id: 1 }, { role: 'volunteer', community_id: 1 }] })

function dependents() {
  const now = new Date()
  const y = now.getFullYear()
  const age = (b) => y - Number(b.slice(0, 4)) - (now < new Date(`${y}${b.slice(4)}T00:00:00+08:00`) ? 1 : 0)
  // dependentDTO: consent only when given (omitempty); usable = may be signed up now.
  return [
    { id: 11, name: '张小明', relation: 'child', birth_date: `${y - 9}-05-01`, gender: 'male', age: age(`${y - 9}-05-01`), id_number_masked: '3101**********1234', needs_consent: true, consent: { version: 'v1', at: '2026-09-01T10:00:00+08:00' }, usable: true },
    { id: 12, name: '王德福', relation: 'parent', birth_date: '1946-03-12', gender: 'male', age: age('1946-03-12'), id_number_masked: '3101**********5678', needs_consent: false, usable: true },
  ]
}

// ---- answers in the server's shapes (internal/httpapi/*.go DTOs) ----

/** A resident's registration (myRegistrationDTO). */
function myRegistration(base, r) {
  const cancelDeadline = new Date(new Date(r.starts_at).getTime() - 2 * 3600e3)
  return Object.assign({
    id: 0, activity_id: 0, session_id: 0,
    attendee: { self: true, dependent_id: null, name: '王秀英' },
    status: 'confirmed', waitlist_position: null,
    activity_title: '', category: 'lecture', activity_status: 'published',
    starts_at: '', ends_at: '', place: { address: '', lat: 31.2304, lng: 121.4737 },
    answers: {}, no_show: false, checked_in_at: null, cancel_deadline: iso(cancelDeadline), created_at: at(-3, 10, 0, base),
  }, r)
}

function registrations(base) {
  return [
    myRegistration(base, { id: 501, activity_id: 102, activity_title: '三甲医院专家义诊（心血管·内分泌）', category: 'clinic', session_id: 1002, starts_at: at(3, 9, 30, base), ends_at: at(3, 10, 30, base), place: { address: '幸福里社区卫生服务站一楼大厅', lat: 31.2311, lng: 121.4742 }, answers: { q1: '内分泌科' } }),
    myRegistration(base, { id: 502, activity_id: 101, activity_title: '四点半学校·秋季书法兴趣班', category: 'after_school', session_id: 1011, starts_at: at(2, 16, 30, base), ends_at: at(2, 18, 0, base), place: { address: '幸福里社区党群服务中心三楼书画室', lat: 31.2304, lng: 121.4737 }, attendee: { self: false, dependent_id: 11, name: '张小明' } }),
    myRegistration(base, { id: 503, activity_id: 103, activity_title: '“邻里同乐”迎新年文艺汇演', category: 'performance', session_id: 1031, starts_at: at(10, 19, 0, base), ends_at: at(10, 21, 0, base), place: { address: '和平街街道文化活动中心大礼堂', lat: 31.228, lng: 121.47 }, attendee: { self: false, dependent_id: 12, name: '王德福' }, status: 'waitlisted', waitlist_position: 3 }),
  ]
}

function pastRegistrations(base) {
  return [
    myRegistration(base, { id: 401, activity_id: 201, activity_title: '重阳节敬老包饺子', category: 'volunteer_service', activity_status: 'finished', session_id: 2011, starts_at: at(-20, 9, 0, base), ends_at: at(-20, 11, 30, base), place: { address: '幸福里社区长者食堂', lat: 31.2304, lng: 121.4737 } }),
    myRegistration(base, { id: 402, activity_id: 202, activity_title: '垃圾分类宣传志愿服务', category: 'volunteer_service', activity_status: 'finished', session_id: 2021, starts_at: at(-12, 14, 0, base), ends_at: at(-12, 16, 0, base), place: { address: '幸福里小区东门', lat: 31.2304, lng: 121.4737 }, checked_in_at: at(-12, 13, 52, base) }),
    myRegistration(base, { id: 403, activity_id: 203, activity_title: '社区消防安全讲座', category: 'lecture', activity_status: 'finished', session_id: 2031, starts_at: at(-8, 14, 0, base), ends_at: at(-8, 15, 30, base), place: { address: '幸福里社区党群服务中心一楼报告厅', lat: 31.2304, lng: 121.4737 }, no_show: true }),
    myRegistration(base, { id: 404, activity_id: 204, activity_title: '旧衣物回收志愿服务', category: 'volunteer_service', activity_status: 'finished', session_id: 2041, starts_at: at(-5, 9, 0, base), ends_at: at(-5, 11, 0, base), status: 'cancelled', cancel_reason: '本人取消' }),
  ]
}

/** A ledger entry (entryDTO); started_at is the server's alias of served_at. */
function entry(base, e) {
  const served = e.served_at
  return Object.assign({ id: 0, activity_id: 0, session_id: 0, activity_title: '', minutes: 0, source: 'checkin', reason: '',
    served_at: served, started_at: served, created_at: served }, e)
}

/** GET /me/hours */
function hours(base) {
  return {
    total_minutes: 1530, total_hours: 25.5,
    by_month: [{ month: '2026-09', minutes: 360 }, { month: '2026-10', minutes: 690 }, { month: '2026-11', minutes: 480 }],
    entries: [
      entry(base, { id: 4, activity_id: 205, session_id: 2051, activity_title: '助老送餐 · 周末志愿服务', minutes: -30, source: 'correction', reason: '提前离开半小时', served_at: at(-6, 10, 30, base), reverses_id: 5, approved_by: 9 }),
      entry(base, { id: 1, activity_id: 202, session_id: 2021, activity_title: '垃圾分类宣传志愿服务', minutes: 120, source: 'checkin', served_at: at(-12, 14, 0, base) }),
      entry(base, { id: 2, activity_id: 201, session_id: 2011, activity_title: '重阳节敬老包饺子', minutes: 150, source: 'checkin', served_at: at(-20, 9, 0, base) }),
      entry(base, { id: 3, activity_id: 206, session_id: 0, activity_title: '疫苗接种点秩序维护', minutes: 210, source: 'claim', reason: '补录：协助接种点排队和登记', served_at: at(-27, 8, 0, base), approved_by: 9 }),
    ],
  }
}

/** GET /me/hours/record (JSON) */
function record(base) {
  const line = (activityID, sessionID, content, date, place, minutes, organiser, sources) => ({
    activity_id: activityID, session_id: sessionID, content, activity_title: content, date, started_at: date, place, minutes,
    hours: Math.round((minutes / 60) * 100) / 100, organiser, host_org_name: organiser, sources,
  })
  return {
    record_number: 'GJ-2026-000007', name: '王秀英', id_number_masked: '310***********1234', total_minutes: 1530, total_hours: 25.5,
    generated_at: at(0, 10, 0, base),
    entries: [
      line(202, 2021, '垃圾分类宣传志愿服务', at(-12, 14, 0, base), '幸福里小区东门', 120, '幸福里社区志愿者服务队', ['checkin']),
      line(201, 2011, '重阳节敬老包饺子', at(-20, 9, 0, base), '幸福里社区长者食堂', 150, '幸福里社区居委会', ['checkin']),
      line(206, 0, '疫苗接种点秩序维护（补录）', at(-27, 8, 0, base), '幸福里社区卫生服务站', 210, '幸福里社区卫生服务站', ['claim']),
    ],
  }
}

/** A claim (claimDTO); volunteer_name is only in the staff's list. */
function claim(base, c) {
  return Object.assign({ id: 0, user_id: 0, activity_id: 0, activity_title: '', served_at: at(-12, 14, 0, base), minutes: 0, description: '',
    photo_urls: [], status: 'pending', created_at: at(-1, 20, 0, base) }, c)
}

/** GET /me/hours/claims */
function myClaims(base) {
  return { items: [
    claim(base, { id: 63, user_id: 7, activity_id: 202, activity_title: '垃圾分类宣传志愿服务', minutes: 60, description: '活动结束后留下整理宣传物料', status: 'pending' }),
    claim(base, { id: 58, user_id: 7, activity_id: 206, activity_title: '疫苗接种点秩序维护', minutes: 240, description: '协助接种点排队和登记', status: 'approved', granted_minutes: 210, reviewed_by: 9, reviewed_at: at(-25, 9, 0, base), entry_id: 3 }),
    claim(base, { id: 55, user_id: 7, activity_id: 201, activity_title: '重阳节敬老包饺子', minutes: 300, description: '包饺子', status: 'rejected', reject_reason: '签到记录已计入该次服务时长', reviewed_by: 9, reviewed_at: at(-18, 9, 0, base) }),
  ], next_cursor: null }
}

/** GET /admin/hours/claims?status=pending (photos: references the upload endpoint answered). */
function pendingClaims(base) {
  return { items: [
    claim(base, { id: 61, user_id: 21, volunteer_name: '刘志强', activity_id: 202, activity_title: '垃圾分类宣传志愿服务', minutes: 180, description: '周末两天在小区东门值守垃圾分类投放点，指导居民分类投放。',
      photo_urls: ['/api/v1/uploads/3f1c0e4b9a2d4c6e8f0a1b2c3d4e5f60', '/api/v1/uploads/0a1b2c3d4e5f60718293a4b5c6d7e8f9'] }),
    claim(base, { id: 62, user_id: 22, volunteer_name: '陈晓燕', activity_id: 201, activity_title: '重阳节敬老包饺子', served_at: at(-20, 9, 0, base), minutes: 150, description: '帮厨并给行动不便的 6 位老人送餐上门。' }),
  ], next_cursor: null }
}

/** A staff member's view of a registration (staffRegistrationDTO). */
function staffRegistration(base, r) {
  return myRegistration(base, Object.assign({ activity_id: 102, activity_title: '三甲医院专家义诊（心血管·内分泌）', category: 'clinic',
    user_id: 0, phone: '', phone_masked: '', source: 'self' }, r))
}

/** GET /admin/activities/102/registrations */
function staffRegistrations(base) {
  const s2 = { session_id: 1002, starts_at: at(3, 9, 30, base), ends_at: at(3, 10, 30, base) }
  const s3 = { session_id: 1003, starts_at: at(3, 10, 30, base), ends_at: at(3, 11, 30, base) }
  const items = [
    staffRegistration(base, Object.assign({ id: 1, user_id: 7, attendee: { self: true, dependent_id: null, name: '王秀英' }, phone: '13812341234', phone_masked: '138****1234', answers: { q1: '内分泌科' }, checked_in_at: at(3, 9, 21, base) }, s2)),
    staffRegistration(base, Object.assign({ id: 2, user_id: 15, attendee: { self: true, dependent_id: null, name: '赵桂兰' }, phone: '13955215521', phone_masked: '139****5521', answers: { q1: '心血管内科' } }, s2)),
    staffRegistration(base, Object.assign({ id: 3, user_id: 16, attendee: { self: false, dependent_id: 33, name: '钱志明' }, phone: '13708020802', phone_masked: '137****0802', answers: { q1: '都需要' }, source: 'staff', reason: '电话报名' }, s2)),
    staffRegistration(base, Object.assign({ id: 4, user_id: 17, attendee: { self: true, dependent_id: null, name: '孙大伟' }, phone: '13677657765', phone_masked: '136****7765', status: 'waitlisted', waitlist_position: 1, answers: { q1: '内分泌科' } }, s3)),
    staffRegistration(base, Object.assign({ id: 5, user_id: 18, attendee: { self: true, dependent_id: null, name: '李明' }, phone: '13500000000', phone_masked: '135****0000', status: 'cancelled', cancel_reason: '本人取消' }, s3)),
  ]
  return { items, total: items.length, page: 1, page_size: 200 }
}

/** GET /admin/sessions/:id/attendance */
function attendance(base, sessionId) {
  const regs = sessionId === 1002
    ? [{ registration_id: 1, attendee_name: '王秀英', user_id: 7, checked_in_at: at(3, 9, 21, base), checker_id: 9 }, { registration_id: 2, attendee_name: '赵桂兰', user_id: 15, checked_in_at: null }, { registration_id: 3, attendee_name: '钱志明', user_id: 16, checked_in_at: null }]
    : []
  return { session_id: sessionId, activity_id: 102, activity_title: '三甲医院专家义诊（心血管·内分泌）', registrations: regs, confirmed: regs.length,
    checked_in: regs.filter((r) => r.checked_in_at).length, presences: [] }
}

/** The staff's activities (GET /admin/activities: activityDTO with sessions and staff counts). */
function adminActivities(base) {
  const items = activities(base).map((a) => Object.assign({}, a, { category_name: CATEGORY_NAMES[a.category], host_org_id: 3, series: false, popular: false,
    description: '', cancel_deadline_minutes: 120, per_account_limit: 2, eligibility: { community_only: false, min_age: 0, max_age: 0, roles: [] }, questions: [],
    sessions: a.id === 102 ? clinicDetail(base).sessions.map((s) => Object.assign({ confirmed: s.capacity - s.remaining, waitlisted: s.waitlist_capacity - s.waitlist_remaining }, s))
      : [{ id: a.id * 10 + 1, starts_at: a.next_starts_at, ends_at: a.next_starts_at, capacity: 30, waitlist_capacity: 5, remaining: a.remaining, waitlist_remaining: 5, confirmed: 30 - a.remaining, waitlisted: 0 }] }))
  return { items, total: items.length, page: 1, page_size: 50 }
}

/** GET /me/wristbands item (bandDTO) */
function wristbands(base) {
  return [
    { id: 31, binding_id: 310, imei_masked: '8620****4471', model: 'GJ-W2', wearer_name: '王德福', wearer: { dependent_id: 12 }, owner: true,
      consent: { version: 'v1', at: at(-30, 10, 0, base) }, collecting: true, online: true,
      latest_location: { lat: 31.2306, lng: 121.4741, at: at(0, 9, 42, base) },
      latest_readings: { heart_rate: 72, heart_rate_at: at(0, 9, 40, base), systolic: 128, diastolic: 82, blood_pressure_at: at(0, 8, 0, base), glucose: 6.1, glucose_at: at(0, 7, 30, base), battery: 64 },
      open_alarms: 1, bound_at: at(-30, 10, 0, base) },
  ]
}

/** GET /wristbands/:id/alarms items (alarmDTO, guardian view: no location) */
function bandAlarms(base) {
  return [
    { id: 71, device_id: 31, type: 'fence', type_text: '离开安全区域', status: 'open', status_text: '待处理', detail: '离开安全区域约 300 米', wearer_name: '王德福',
      at: at(0, 9, 40, base), last_event_at: at(0, 9, 40, base), repeats: 1 },
    { id: 70, device_id: 31, type: 'sos', type_text: '紧急呼叫', status: 'resolved', status_text: '已处理', detail: '', wearer_name: '王德福',
      at: at(-3, 15, 12, base), last_event_at: at(-3, 15, 12, base), repeats: 1, acked_at: at(-3, 15, 14, base), ack_note: '家属已知晓，正在处理', resolved_at: at(-3, 15, 40, base), resolve_note: '老人误触，已确认安全' },
  ]
}

/** GET /admin/wristbands/alarms (alarmDTO, staff view: location, IMEI, community) */
function staffAlarms(base) {
  return { items: [
    { id: 71, device_id: 31, type: 'fence', type_text: '离开安全区域', status: 'open', status_text: '待处理', detail: '离开安全区域约 300 米', wearer_name: '王德福',
      at: at(0, 9, 40, base), last_event_at: at(0, 9, 40, base), repeats: 2, location: { lat: 31.2306, lng: 121.4741 }, imei: '862012345674471', community_id: 1 },
    { id: 72, device_id: 35, type: 'low_battery', type_text: '电量低', status: 'acked', status_text: '处理中', detail: '电量 8%', wearer_name: '周玉珍',
      at: at(0, 8, 10, base), last_event_at: at(0, 8, 10, base), repeats: 1, acked_at: at(0, 8, 20, base), ack_note: '已电话提醒家属充电', imei: '862012345670088', community_id: 1 },
  ], next_cursor: null }
}

/** GET /me/messages */
function messages(base) {
  return {
    unread: 2,
    next_before_id: 0,
    items: [
      { id: 3, template_key: 'registration_confirmed', title: '报名成功', body: '您已成功报名「三甲医院专家义诊」，请于开始前 15 分钟到达幸福里社区卫生服务站，出示入场码签到。', page: 'pages/registrations/index', activity_id: 102, created_at: at(0, 8, 5, base), read: false },
      { id: 2, template_key: 'waitlist_promoted', title: '候补递补提醒', body: '「四点半学校·秋季书法兴趣班」有名额空出，张小明已由候补转为正式报名。', page: 'pages/registrations/index', activity_id: 101, created_at: at(-1, 18, 20, base), read: false },
      { id: 1, template_key: 'hours_credited', title: '服务时长已记录', body: '您参加「垃圾分类宣传志愿服务」的服务时长 2小时 已记入志愿服务记录。', page: 'pages/volunteer/index', activity_id: 202, created_at: at(-12, 16, 30, base), read: true, read_at: at(-12, 17, 0, base) },
    ],
  }
}

module.exports = { at, iso, communities, activities, clinicDetail, user, staffUser, dependents, myRegistration, registrations, pastRegistrations, hours, record, myClaims, pendingClaims, staffRegistrations, attendance, adminActivities, wristbands, bandAlarms, staffAlarms, messages }
