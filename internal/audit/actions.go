package audit

// Action is a kind of recorded change and its name for staff.
type Action struct{ Name, Label string }

// Actions are the changes the product records.
var Actions = []Action{
	{"activity.create", "创建活动"}, {"activity.update", "修改活动"}, {"activity.publish", "发布活动"},
	{"activity.cancel", "取消活动"}, {"activity.finish", "结束活动"},
	{"session.create", "新增场次"}, {"session.update", "修改场次"}, {"session.delete", "删除场次"},
	{"registration.remove", "移除报名"}, {"registration.no_show", "标记未到场"}, {"registration.export", "导出报名名单"},
	{"claim.approve", "通过时长申请"}, {"claim.reject", "驳回时长申请"}, {"hours.correct", "更正服务时长"},
	{"correction.approve", "批准时长更正"}, {"correction.reject", "驳回时长更正"},
	{"presence.approve", "通过签到复核"}, {"presence.reject", "驳回签到复核"},
	{"checker.appoint", "任命核验员"}, {"checker.remove", "撤销核验员"},
	{"wristband.import", "导入手环"}, {"wristband.bind", "绑定手环"}, {"wristband.unbind", "解绑手环"}, {"wristband.transfer", "转移手环"},
	{"role.grant", "授予角色"}, {"role.revoke", "撤销角色"},
	{"subdistrict.create", "新建街道"}, {"subdistrict.update", "修改街道"},
	{"community.create", "新建社区"}, {"community.update", "修改社区"},
	{"organization.create", "新建组织"}, {"hours.export", "导出服务时长"}, {"audit.export", "导出操作日志"},
	{"message.send", "发送通知"},
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
