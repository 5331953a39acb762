package audit

// Action is a kind of recorded change and its name for staff.
type Action struct{ Name, Label string }

// Actions are the changes the product records.
var Actions = []Action{
	{"activity.create", "创建活动"}, {"activity.update", "修改活动"}, {"activity.publish", "发布活动"},
	{"activity.cancel", "取消活动"}, {"activity.finish", "结束活动"},
	{"session.create", "新增场次"}, {"session.update", "修改场次"}, {"session.delete", "删除场次"}, {"session.cancel", "取消场次"},
	{"registration.add", "代为报名"}, {"registration.remove", "移除报名"}, {"registration.no_show", "标记未到场"},
	{"registration.export", "导出报名名单"},
	{"claim.approve", "通过时长申请"}, {"claim.reject", "驳回时长申请"}, {"hours.correct", "更正服务时长"},
	{"correction.approve", "批准时长更正"}, {"correction.reject", "驳回时长更正"},
	{"presence.approve", "通过签到复核"}, {"presence.reject", "驳回签到复核"},
	{"checker.appoint", "任命核验员"}, {"checker.remove", "撤销核验员"},
	{"volunteer.add", "安排场次志愿者"}, {"volunteer.remove", "撤销场次志愿者"},
	{"wristband.import", "导入手环"}, {"wristband.bind", "绑定手环"}, {"wristband.unbind", "解绑手环"}, {"wristband.transfer", "转移手环"},
	{"wristband.bind_code", "生成手环绑定码"}, {"wristband.thresholds", "设置手环预警阈值"}, {"wristband.consent_revoke", "撤销手环数据授权"},
	{"alarm.ack", "受理手环告警"}, {"alarm.resolve", "办结手环告警"},
	{"role.grant", "授予角色"}, {"role.revoke", "撤销角色"},
	{"subdistrict.create", "新建街道"}, {"subdistrict.update", "修改街道"},
	{"community.create", "新建社区"}, {"community.update", "修改社区"},
	{"organization.create", "新建组织"}, {"hours.export", "导出服务时长"}, {"audit.export", "导出操作日志"},
	{"message.send", "发送通知"}, {"quota.reconcile", "核对报名名额"},
	{"unit.create", "新建共建单位"}, {"unit.import", "导入共建单位"}, {"unit.update", "暂停或恢复共建单位"},
	{"need.publish", "发布需求"}, {"need.claim", "认领需求"}, {"claim.withdraw", "撤回认领"},
	{"resource.publish", "发布资源"}, {"resource.claim", "认领资源"},
	{"project.progress", "更新项目进展"}, {"project.evaluate", "评价共建项目"},
	{"wish.review", "审核微心愿"}, {"proposal.review", "审核议事提案"}, {"report_in.review", "审核报到"},
	{"residence.approve", "通过居住认证"}, {"residence.reject", "驳回居住认证"}, {"residence.recheck", "按居住社区核对报名"},
	{"room.create", "新建场地"}, {"room.update", "修改场地"}, {"room.close", "场地停用时段"}, {"room.reopen", "取消停用时段"},
	{"booking.create", "代为预约场地"}, {"booking.series", "重复预约场地"}, {"booking.approve", "批准场地预约"},
	{"booking.reject", "驳回场地预约"}, {"booking.cancel", "取消场地预约"}, {"booking.checkin", "场地预约签到"},
	{"team.create", "新建文体队伍"}, {"team.invite", "邀请队员"}, {"team.member_approve", "批准入队"},
	{"team.member_reject", "拒绝入队"}, {"team.member_remove", "移除队员"}, {"team.leader_change", "更换队长"},
}

// Label names an action for staff (the name itself when unknown).
func Label(name string) string {
	for _, a := range Actions {
		if a.Name == name {
			return a.Label
		}
	}
	return name
}
