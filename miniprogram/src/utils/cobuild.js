// Co-building (共建): names and view models shared by the pages under pages/cobuild/.
const fmt = require('./format')

const CATEGORIES = fmt.options({ elderly_care: '养老助老', children_study: '儿童与学业', health: '医疗健康', culture: '文化活动', environment_repairs: '环境与维修', legal_aid: '法律援助', employment: '就业帮扶', other: '其他' })
const NEED_STATUS = { open: '待认领', full: '已认领满', closed: '已完成', expired: '已截止' }
const PROJECT_STATUS = { claimed: '已认领', in_progress: '实施中', delivered: '已交付', evaluated: '已评价', closed: '已结项', withdrawn: '已撤回' }
const WISH_STATUS = { pending: '待社区处理', accepted: '已纳入需求清单', merged: '已合并到社区需求', declined: '未采纳', hidden: '内容未通过审核' }
const PROPOSAL_STATUS = { open: '征集支持中', agenda: '已提交联席会议', accepted: '已采纳', merged: '已采纳', declined: '未采纳' }
const RESOURCE_KINDS = fmt.options({ venue: '场地', expert: '专家与服务', material: '物资', fund: '资金', team: '志愿服务队' })
const REPORT_STATUS = { pending: '等待社区确认', confirmed: '已报到', declined: '未通过' }

/** A need for lists: progress as a percentage of the quantity claimed. */
function needView(n) {
  const pct = n.quantity ? Math.round((n.claimed * 100) / n.quantity) : 0
  return Object.assign({}, n, {
    statusText: NEED_STATUS[n.status] || n.status,
    progressText: `已认领 ${n.claimed}/${n.quantity} ${n.quantity_unit}`,
    pct,
    deadlineText: n.deadline ? `截止 ${fmt.formatDate(n.deadline)}` : '',
    deadlineDate: n.deadline ? fmt.formatDate(n.deadline) : '',
    levelText: n.community_id ? '' : '街道项目',
  })
}

/** A project for lists and its page. */
function projectView(p) {
  const done = (p.milestones || []).filter((m) => m.done_at).length
  return Object.assign({}, p, {
    statusText: p.status_name || PROJECT_STATUS[p.status] || p.status,
    unitsText: (p.parties || []).map((x) => x.unit_name).join('、') || '—',
    dueText: p.due_at ? `期限 ${fmt.formatDate(p.due_at)}` : '',
    dueDate: p.due_at ? fmt.formatDate(p.due_at) : '',
    milestoneText: (p.milestones || []).length ? `里程碑 ${done}/${p.milestones.length}` : '',
    ratingText: p.rating_count ? `居民评分 ${p.rating_avg.toFixed(1)}（${p.rating_count} 人）` : '',
  })
}

function roles(user) {
  const rs = (user && user.roles) || []
  return {
    isStaff: rs.some((r) => r.role === 'staff' || r.role === 'admin'),
    isContact: rs.some((r) => r.role === 'unit_contact'),
    isMember: rs.some((r) => r.role === 'party_member'),
    units: rs.filter((r) => r.role === 'unit_contact').map((r) => r.org_id),
  }
}

module.exports = { CATEGORIES, NEED_STATUS, PROJECT_STATUS, WISH_STATUS, PROPOSAL_STATUS, RESOURCE_KINDS, REPORT_STATUS, needView, projectView, roles }
