// Demo data shared by tests and the screenshot script: real-looking Chinese community data.
const DAY = 24 * 3600 * 1000

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
    { id: 101, title: '四点半学校·秋季书法兴趣班', category: 'after_school', community_id: 1, host_org_name: '幸福里社区居委会', cover_url: '', place: { address: '幸福里社区党群服务中心三楼书画室', lat: 31.2304, lng: 121.4737 }, signup_opens_at: at(-3, 9, 0, base), signup_closes_at: at(5, 18, 0, base), status: 'published', remaining: 8, sessions_count: 4, next_starts_at: at(2, 16, 30, base) },
    { id: 102, title: '三甲医院专家义诊（心血管·内分泌）', category: 'clinic', community_id: 1, host_org_name: '市第一人民医院 · 幸福里社区卫生服务站', cover_url: '', place: { address: '幸福里社区卫生服务站一楼大厅', lat: 31.2311, lng: 121.4742 }, signup_opens_at: at(-2, 8, 0, base), signup_closes_at: at(3, 12, 0, base), status: 'published', remaining: 23, sessions_count: 6, next_starts_at: at(3, 8, 30, base) },
    { id: 103, title: '“邻里同乐”迎新年文艺汇演', category: 'performance', community_id: 2, host_org_name: '和平街街道文化站', cover_url: '', place: { address: '和平街街道文化活动中心大礼堂', lat: 31.228, lng: 121.47 }, signup_opens_at: at(-5, 9, 0, base), signup_closes_at: at(9, 18, 0, base), status: 'published', remaining: 0, sessions_count: 1, next_starts_at: at(10, 19, 0, base) },
    { id: 104, title: '青少年快乐营地·冬季科学探索营', category: 'youth_camp', community_id: 3, host_org_name: '光明新村社区 · 区青少年活动中心', cover_url: '', place: { address: '区青少年活动中心科技楼', lat: 31.225, lng: 121.48 }, signup_opens_at: at(-1, 9, 0, base), signup_closes_at: at(12, 18, 0, base), status: 'published', remaining: 15, sessions_count: 2, next_starts_at: at(14, 9, 0, base) },
    { id: 105, title: '防范电信诈骗 · 老年人专题讲座', category: 'lecture', community_id: 1, host_org_name: '幸福里派出所 · 社区居委会', cover_url: '', place: { address: '幸福里社区党群服务中心一楼报告厅', lat: 31.2304, lng: 121.4737 }, signup_opens_at: at(-4, 9, 0, base), signup_closes_at: at(4, 12, 0, base), status: 'published', remaining: 46, sessions_count: 1, next_starts_at: at(4, 14, 30, base) },
    { id: 106, title: '助老送餐 · 周末志愿服务', category: 'volunteer_service', community_id: 2, host_org_name: '和平街社区志愿者服务队', cover_url: '', place: { address: '和平街社区长者食堂', lat: 31.228, lng: 121.471 }, signup_opens_at: at(-6, 9, 0, base), signup_closes_at: at(6, 20, 0, base), status: 'published', remaining: 5, sessions_count: 2, next_starts_at: at(6, 10, 30, base) },
  ]
}

function clinicDetail(base) {
  const a = activities(base)[1]
  return Object.assign({}, a, {
    description: '市第一人民医院心内科、内分泌科专家来社区坐诊，免费测量血压、血糖，解读体检报告，提供用药咨询。\n请携带既往病历和正在服用的药品清单。',
    eligibility: { community_only: true, min_age: 18, max_age: 0, roles: [] },
    per_account_limit: 2,
    series: null,
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

const user = {
  id: 7, nickname: '王阿姨', avatar_url: '', real_name: '王秀英', community_id: 1, phone_masked: '138****1234',
  roles: [{ role: 'resident', community_id: 1 }, { role: 'volunteer', community_id: 1 }],
}

const staffUser = Object.assign({}, user, { id: 9, nickname: '李书记', real_name: '李建国', roles: [{ role: 'staff', community_id: 1 }, { role: 'volunteer', community_id: 1 }] })

function dependents() {
  const y = new Date().getFullYear()
  return [
    { id: 11, name: '张小明', relation: 'child', birth_date: `${y - 9}-05-01`, gender: 'male', id_number_masked: '3101**********1234', needs_consent: true, consent: { version: 'v1', at: '2026-09-01T10:00:00+08:00' } },
    { id: 12, name: '王德福', relation: 'parent', birth_date: '1946-03-12', gender: 'male', id_number_masked: '3101**********5678', needs_consent: false, consent: null },
  ]
}

function registrations(base) {
  return [
    { id: 501, activity_id: 102, activity_title: '三甲医院专家义诊（心血管·内分泌）', session_id: 1002, starts_at: at(3, 9, 30, base), ends_at: at(3, 10, 30, base), place: { address: '幸福里社区卫生服务站一楼大厅' }, attendee: { self: true, name: '王秀英' }, status: 'confirmed', waitlist_position: null },
    { id: 502, activity_id: 101, activity_title: '四点半学校·秋季书法兴趣班', session_id: 1011, starts_at: at(2, 16, 30, base), ends_at: at(2, 18, 0, base), place: { address: '幸福里社区党群服务中心三楼书画室' }, attendee: { dependent_id: 11, name: '张小明' }, status: 'confirmed', waitlist_position: null },
    { id: 503, activity_id: 103, activity_title: '“邻里同乐”迎新年文艺汇演', session_id: 1031, starts_at: at(10, 19, 0, base), ends_at: at(10, 21, 0, base), place: { address: '和平街街道文化活动中心大礼堂' }, attendee: { dependent_id: 12, name: '王德福' }, status: 'waitlisted', waitlist_position: 3 },
  ]
}

function pastRegistrations(base) {
  return [
    { id: 401, activity_id: 201, activity_title: '重阳节敬老包饺子', session_id: 2011, starts_at: at(-20, 9, 0, base), ends_at: at(-20, 11, 30, base), place: { address: '幸福里社区长者食堂' }, attendee: { self: true, name: '王秀英' }, status: 'checked_in', waitlist_position: null },
    { id: 402, activity_id: 202, activity_title: '垃圾分类宣传志愿服务', session_id: 2021, starts_at: at(-12, 14, 0, base), ends_at: at(-12, 16, 0, base), place: { address: '幸福里小区东门' }, attendee: { self: true, name: '王秀英' }, status: 'checked_in', waitlist_position: null },
  ]
}

function hours(base) {
  return {
    total_minutes: 1530,
    by_month: [{ month: '2026-09', minutes: 360 }, { month: '2026-10', minutes: 690 }, { month: '2026-11', minutes: 480 }],
    entries: [
      { id: 1, activity_title: '垃圾分类宣传志愿服务', minutes: 120, started_at: at(-12, 14, 0, base), source: 'self_checkin' },
      { id: 2, activity_title: '重阳节敬老包饺子', minutes: 150, started_at: at(-20, 9, 0, base), source: 'self_checkin' },
      { id: 3, activity_title: '疫苗接种点秩序维护', minutes: 210, started_at: at(-27, 8, 0, base), source: 'claim' },
    ],
  }
}

function wristbands(base) {
  return [
    { id: 31, imei_masked: '8620****4471', wearer_name: '王德福', latest_location: { lat: 31.2306, lng: 121.4741, at: at(0, 9, 42, base) }, latest_readings: { heart_rate: 72, blood_pressure: '128/82', spo2: 97, steps: 3260, battery: 64 }, open_alarms: 1 },
  ]
}

function bandAlarms(base) {
  return [
    { id: 71, type: 'fence', status: 'open', at: at(0, 9, 40, base) },
    { id: 70, type: 'sos', status: 'resolved', at: at(-3, 15, 12, base) },
  ]
}

function messages(base) {
  return {
    unread: 2,
    items: [
      { id: 1, template_key: 'registration_confirmed', title: '报名成功', body: '您已成功报名「三甲医院专家义诊」，请于开始前 15 分钟到达幸福里社区卫生服务站，出示入场码签到。', created_at: at(0, 8, 5, base), read: false },
      { id: 2, template_key: 'waitlist_promoted', title: '候补递补提醒', body: '「四点半学校·秋季书法兴趣班」有名额空出，张小明已由候补转为正式报名。', created_at: at(-1, 18, 20, base), read: false },
      { id: 3, template_key: 'hours_credited', title: '服务时长已记录', body: '「垃圾分类宣传志愿服务」服务时长 2 小时已计入您的志愿档案。', created_at: at(-12, 16, 30, base), read: true },
    ],
  }
}

module.exports = { at, communities, activities, clinicDetail, user, staffUser, dependents, registrations, pastRegistrations, hours, wristbands, bandAlarms, messages }
