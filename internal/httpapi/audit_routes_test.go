package httpapi

import (
	"testing"

	"gongjian/internal/audit"
)

// TestEveryAuditedActionHasAChineseLabel: the audit log shows staff each
// entry's action by its label (action_label, the filter's options); an
// action recorded by a route but missing from audit.Actions was shown as
// its English name.
func TestEveryAuditedActionHasAChineseLabel(t *testing.T) {
	named := []string{"audit.export", "hours.export", "community.create", "community.update", "role.grant", "role.revoke",
		"subdistrict.create", "subdistrict.update"}
	for _, r := range auditedRoutes {
		if r.action != "" {
			named = append(named, r.action)
		}
	}
	for _, action := range named {
		if audit.Label(action) == action {
			t.Errorf("%s has no label", action)
		}
	}
}
