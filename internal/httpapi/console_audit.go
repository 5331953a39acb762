package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"gongjian/internal/audit"
	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/page"
)

type auditDTO struct {
	ID            int64          `json:"id"`
	At            time.Time      `json:"at"`
	ActorID       int64          `json:"actor_id"`
	ActorName     string         `json:"actor_name"`
	ActorRole     string         `json:"actor_role"`
	Action        string         `json:"action"`
	ActionLabel   string         `json:"action_label"`
	ObjectType    string         `json:"object_type"`
	ObjectID      int64          `json:"object_id"`
	CommunityID   int64          `json:"community_id"`
	SubdistrictID int64          `json:"subdistrict_id"`
	Changes       map[string]any `json:"changes"`
	IP            string         `json:"ip"`
	RequestID     string         `json:"request_id"`
}

func toAuditDTO(e audit.Entry) auditDTO {
	ch := e.Changes
	if ch == nil {
		ch = map[string]any{}
	}
	return auditDTO{ID: e.ID, At: e.At, ActorID: e.Actor.UserID, ActorName: e.Actor.Name, ActorRole: e.Actor.Role,
		Action: e.Action, ActionLabel: audit.Label(e.Action), ObjectType: e.ObjectType, ObjectID: e.ObjectID,
		CommunityID: e.CommunityID, SubdistrictID: e.SubdistrictID, Changes: ch, IP: e.Actor.IP, RequestID: e.Actor.RequestID}
}

// auditFilter reads the list's filters from the query into *f.
func auditFilter(f *audit.Filter) fromRequest {
	return func(c *gin.Context) (err error) {
		ids := map[string]*int64{"actor_id": &f.ActorID, "object_id": &f.ObjectID, "subdistrict_id": &f.SubdistrictID, "community_id": &f.CommunityID}
		for name, dst := range ids {
			v, err := queryInt(c, name, 0, 0, 1<<53)
			if err != nil {
				return err
			}
			*dst = int64(v)
		}
		f.Action, f.ObjectType = c.Query("action"), c.Query("object_type")
		// "which role" (issue 17) is the actor's: role is another spelling.
		f.ActorRole, f.RequestID = queryAs(c, "actor_role", "role"), c.Query("request_id")
		if f.From, err = queryTime(c, "from", false); err != nil {
			return err
		}
		if f.To, err = queryTime(c, "to", true); err != nil {
			return err
		}
		// Paged as every console keyset list (BAD_CURSOR, BAD_LIMIT).
		req, err := keyset(c, page.DefaultLimit)
		f.After, f.Limit = req.After, req.Limit
		return err
	}
}

func (a *API) listAudit(c *gin.Context) {
	var f audit.Filter
	if u, ok := a.meWith(c, auditFilter(&f)); ok {
		rows, next, err := a.d.Audit.List(c.Request.Context(), u, f)
		respond(c, http.StatusOK, cursorPage(dtos(rows, toAuditDTO), next, f.Limit), err)
	}
}

// exportAuditMax bounds one export; narrower filters export the rest.
const exportAuditMax = 50000

func (a *API) exportAudit(c *gin.Context) {
	var f audit.Filter
	u, ok := a.meWith(c, auditFilter(&f))
	if !ok {
		return
	}
	ctx := c.Request.Context()
	x := excelize.NewFile()
	defer x.Close()
	sheet := "操作日志"
	x.SetSheetName("Sheet1", sheet)
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		fail(c, errs.Internal(err))
		return
	}
	_ = sw.SetRow("A1", []any{"编号", "时间", "操作人", "操作人编号", "角色", "操作", "对象类型", "对象编号", "社区编号", "街道编号", "变更内容", "来源地址", "请求编号"})
	row := 2
	f.Limit, f.After = page.MaxLimit, nil
	for row-2 < exportAuditMax {
		items, next, err := a.d.Audit.List(ctx, u, f)
		if err != nil {
			fail(c, err)
			return
		}
		for _, e := range items {
			d := toAuditDTO(e)
			cell, _ := excelize.CoordinatesToCellName(1, row)
			_ = sw.SetRow(cell, []any{d.ID, d.At.In(cst.Zone).Format("2006-01-02 15:04:05"), d.ActorName, d.ActorID, d.ActorRole,
				d.ActionLabel, d.ObjectType, d.ObjectID, d.CommunityID, d.SubdistrictID, fmt.Sprint(d.Changes), d.IP, d.RequestID})
			row++
		}
		if next == "" {
			break
		}
		if f.After, err = page.Decode(next); err != nil {
			fail(c, err)
			return
		}
	}
	if err := sw.Flush(); err != nil {
		fail(c, errs.Internal(err))
		return
	}
	buf, err := x.WriteToBuffer()
	if err != nil {
		fail(c, errs.Internal(err))
		return
	}
	// The export itself is recorded (it hands out who did what).
	a.note(c, u, audit.Entry{Action: "audit.export", ObjectType: "audit", Changes: map[string]any{"rows": row - 2,
		"action": f.Action, "actor_id": f.ActorID, "actor_role": f.ActorRole, "object_type": f.ObjectType}})
	if err := a.d.Audit.Record(ctx); err != nil {
		fail(c, err)
		return
	}
	download(c, "操作日志-"+time.Now().In(cst.Zone).Format("20060102-1504")+".xlsx", buf.Bytes())
}

func (a *API) auditActions(c *gin.Context) {
	if u, ok := a.me(c); ok {
		respondItems(c, audit.Actions, func(act audit.Action) gin.H { return gin.H{"action": act.Name, "label": act.Label} },
			audit.Scope(u, &audit.Filter{}))
	}
}
