// Demo data of rooms, bookings and teams (tests and screenshots), in the server's shapes.
const { at } = require('./_fixtures')

const rules = (o) => Object.assign({ slot_minutes: 60, min_minutes: 60, max_minutes: 180, ahead_days: 14, weekly_hours: 0, audience: ['residents', 'teams', 'units'], needs_approval: false, grace_minutes: 15 }, o)

function rooms() {
  return [
    { id: 11, community_id: 1, org_id: 0, name: '幸福里社区舞蹈室', kind: 'dance_room', kind_name: '舞蹈室', place: '党群服务中心三楼', capacity: 30, facilities: ['镜墙', '音响', '把杆'], photos: [], description: '', hours: [], rules: rules({ slot_minutes: 60, weekly_hours: 8 }), active: true },
    { id: 12, community_id: 1, org_id: 0, name: '幸福里社区棋牌室', kind: 'chess_room', kind_name: '棋牌室', place: '党群服务中心二楼', capacity: 24, facilities: ['象棋', '围棋', '麻将桌'], photos: [], description: '', hours: [], rules: rules({ weekly_hours: 6 }), active: true },
    { id: 13, community_id: 1, org_id: 0, name: '幸福里社区阅览室', kind: 'reading_room', kind_name: '阅览室', place: '党群服务中心一楼', capacity: 16, facilities: ['台灯', '无线网络'], photos: [], description: '', hours: [], rules: rules({}), active: true },
    { id: 14, community_id: 1, org_id: 3, name: '实验小学体育馆', kind: 'sports_hall', kind_name: '体育馆', place: '实验小学东门（工作日18:00后开放）', capacity: 80, facilities: ['篮球架', '乒乓球台'], photos: [], description: '', hours: [], rules: rules({ needs_approval: true }), active: true },
  ]
}

/** The slots of one day: 08:00–21:00, some booked, one closed, past ones before now. */
function availability(roomId, base) {
  const states = { 9: 'booked', 10: 'booked', 14: 'booked', 19: 'closed' }
  const slots = []
  for (let h = 8; h < 21; h++) slots.push({ starts_at: at(1, h, 0, base), ends_at: at(1, h + 1, 0, base), state: states[h] || 'free' })
  return { room_id: roomId, slots, open_minutes: 780, booked_minutes: 180, closed_minutes: 60, utilisation: 0.2308 }
}

function bookings(base) {
  return [
    { id: 901, room_id: 11, room_name: '幸福里社区舞蹈室', starts_at: at(1, 19, 0, base), ends_at: at(1, 21, 0, base), purpose: '广场舞排练', attendance: 20, status: 'confirmed', booked_for: 'team', team_id: 5, team_name: '幸福里舞蹈队' },
    { id: 902, room_id: 14, room_name: '实验小学体育馆', starts_at: at(3, 18, 0, base), ends_at: at(3, 20, 0, base), purpose: '乒乓球友谊赛', attendance: 12, status: 'pending', booked_for: 'resident' },
    { id: 903, room_id: 12, room_name: '幸福里社区棋牌室', starts_at: at(-2, 14, 0, base), ends_at: at(-2, 16, 0, base), purpose: '象棋比赛', attendance: 8, status: 'checked_in', booked_for: 'resident' },
    { id: 904, room_id: 13, room_name: '幸福里社区阅览室', starts_at: at(-5, 9, 0, base), ends_at: at(-5, 11, 0, base), purpose: '读书会', attendance: 10, status: 'cancelled', booked_for: 'resident', cancel_reason: '本人取消' },
    { id: 905, room_id: 14, room_name: '实验小学体育馆', starts_at: at(6, 18, 0, base), ends_at: at(6, 20, 0, base), purpose: '羽毛球', attendance: 6, status: 'rejected', booked_for: 'resident', decision_note: '当天有校内比赛' },
  ]
}

function teams() {
  return [
    { id: 5, community_id: 1, org_id: 21, name: '幸福里舞蹈队', kind: 'dance', kind_name: '舞蹈队', description: '每周二、四晚排练广场舞和民族舞', leader_id: 7, leader_name: '王秀英', members: 18 },
    { id: 6, community_id: 1, org_id: 22, name: '幸福里合唱团', kind: 'choir', kind_name: '合唱团', description: '红歌、民歌合唱，欢迎爱唱歌的居民', leader_id: 31, leader_name: '陈**', members: 26 },
    { id: 7, community_id: 1, org_id: 23, name: '幸福里书画社', kind: 'calligraphy', kind_name: '书画社', description: '书法、国画交流，每月一次作品展', leader_id: 32, leader_name: '周**', members: 12 },
  ]
}

/** The team page as its leader sees it. */
function teamAsLeader(base) {
  return Object.assign({}, teams()[0], {
    my_status: 'active', leads: true,
    member_list: [
      { user_id: 7, name: '王秀英', status: 'active' },
      { user_id: 41, name: '李桂芳', status: 'active' },
      { user_id: 42, name: '张玉梅', status: 'active' },
      { user_id: 43, name: '刘淑芬', status: 'active' },
      { user_id: 44, name: '赵春兰', status: 'requested', updated_at: at(0, 9, 0, base) },
      { user_id: 45, name: '孙丽华', status: 'invited', updated_at: at(0, 9, 0, base) },
    ],
  })
}

function pendingBookings(base) {
  return { items: [
    { id: 902, room_id: 14, room_name: '实验小学体育馆', starts_at: at(3, 18, 0, base), ends_at: at(3, 20, 0, base), purpose: '乒乓球友谊赛', attendance: 12, status: 'pending', booked_for: 'resident', booker_name: '李建国', can_decide: true },
    { id: 906, room_id: 14, room_name: '实验小学体育馆', starts_at: at(4, 18, 0, base), ends_at: at(4, 21, 0, base), purpose: '合唱团汇演彩排', attendance: 30, status: 'pending', booked_for: 'team', team_name: '幸福里合唱团', booker_name: '陈建华', can_decide: true },
    { id: 907, room_id: 14, room_name: '实验小学体育馆', starts_at: at(5, 19, 0, base), ends_at: at(5, 20, 0, base), purpose: '太极拳', attendance: 4, status: 'pending', booked_for: 'desk', guest_name: '赵德明', reason: '老人到前台预约，没有智能手机', can_decide: false },
  ] }
}

module.exports = { rooms, availability, bookings, teams, teamAsLeader, pendingBookings }
