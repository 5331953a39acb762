package testenv

import (
	"gongjian/config"
	"gongjian/internal/notify"
	"gongjian/internal/wxemu"
)

// NoticeTemplates returns the built-in notice templates
// (config.DefaultTemplates) with the template ids "tpl-<key>", each
// registered with tenant, so that a message with wrong fields fails there
// with 47003. Tests and scripts/bench-notify share it.
func NoticeTemplates(tenant *wxemu.Tenant) (*notify.Templates, error) {
	var ts []notify.Template
	for key, c := range config.DefaultTemplates() {
		tpl := notify.Template{Key: key, ID: "tpl-" + key, Page: c.Page, Fields: c.Fields}
		tenant.AddTemplate(tpl.ID, tpl.DataKeys()...)
		ts = append(ts, tpl)
	}
	return notify.NewTemplates(ts)
}
