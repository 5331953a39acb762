package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"gongjian/internal/errs"
	"gongjian/internal/pii"
	"gongjian/internal/wristband"
)

// ---- staff ----

func (a *API) adminWristbands(c *gin.Context) {
	var p idPage
	u, ok := a.meWith(c, p.query("before_id", 50, 200))
	if !ok {
		return
	}
	items, err := a.d.Wristbands.Devices(c.Request.Context(), u, wristband.DeviceFilter{IMEI: c.Query("imei"), Batch: c.Query("batch"), BeforeID: p.From, Limit: p.Limit})
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]deviceDTO, 0, len(items))
	for _, it := range items {
		out = append(out, toDeviceDTO(it.Device, it.Binding))
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

type importItem struct {
	IMEI           string `json:"imei"`
	Model          string `json:"model"`
	Vendor         string `json:"vendor"`
	Batch          string `json:"batch"`
	ActivationCode string `json:"activation_code"`
}

func (a *API) adminAddWristbands(c *gin.Context) {
	var req struct {
		Items []importItem `json:"items"`
	}
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	rows := make([]wristband.ImportRow, 0, len(req.Items))
	for i, it := range req.Items {
		rows = append(rows, wristband.ImportRow{Line: i + 1, IMEI: it.IMEI, Model: it.Model, Vendor: it.Vendor, Batch: it.Batch, ActivationCode: it.ActivationCode})
	}
	a.importRows(c, rows)
}

func (a *API) importRows(c *gin.Context, rows []wristband.ImportRow) {
	u, ok := a.me(c)
	if !ok {
		return
	}
	n, err := a.d.Wristbands.Import(c.Request.Context(), u, rows)
	respond(c, http.StatusCreated, gin.H{"imported": n}, err)
}

var errImportUpload = errs.Invalid("IMPORT_BAD_FILE", "请选择 CSV 或 XLSX 文件上传")

func (a *API) adminImportWristbands(c *gin.Context) {
	data, ok := a.formFile(c)
	if !ok {
		return
	}
	rows, err := wristband.ParseImportFile(data)
	if err != nil {
		fail(c, err)
		return
	}
	a.importRows(c, rows)
}

// formFile reads the multipart file field "file" (at most MaxBodyBytes);
// when it cannot, it has answered the request.
func (a *API) formFile(c *gin.Context) ([]byte, bool) {
	fh, err := c.FormFile("file")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fail(c, errTooLarge)
			return nil, false
		}
		fail(c, errImportUpload)
		return nil, false
	}
	f, err := fh.Open()
	if err != nil {
		fail(c, errImportUpload)
		return nil, false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, a.d.MaxBodyBytes+1))
	if err != nil || int64(len(data)) > a.d.MaxBodyBytes {
		fail(c, errTooLarge)
		return nil, false
	}
	return data, true
}

func (a *API) adminBindWristband(c *gin.Context) {
	var req struct {
		bindReq
		UserID int64  `json:"user_id"`
		Reason string `json:"reason"`
	}
	u, ok := a.meWith(c, &req)
	if !ok {
		return
	}
	act := wristband.Actor{User: u, Staff: true}
	b, err := a.d.Wristbands.Bind(c.Request.Context(), act, wristband.BindInput{
		IMEI: req.IMEI, OwnerUserID: req.UserID, Wearer: wristband.WearerRef{Self: req.Wearer.Self, DependentID: req.Wearer.DependentID},
		ConsentVersion: req.Consent.Version, Reason: req.Reason,
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toBindingDTO(b))
}

func (a *API) adminWristbandAlarms(c *gin.Context) {
	var q alarmQuery
	u, ok := a.meWith(c, q.query())
	if !ok {
		return
	}
	as, err := a.d.Wristbands.StaffAlarms(c.Request.Context(), u, q.statuses, q.From, q.Limit)
	respond(c, http.StatusOK, gin.H{"items": alarmItems(as, true)}, err)
}

func (a *API) adminHandleWristbandAlarm(ack bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req noteReq
		u, id, ok := a.meAndWith(c, "id", optional(&req))
		if !ok {
			return
		}
		act := wristband.Actor{User: u, Staff: true}
		al, err := a.d.Wristbands.HandleAlarm(c.Request.Context(), act, 0, id, ack, req.Note)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, toAlarmDTO(al, true))
	}
}

func (a *API) adminUnattachedPushes(c *gin.Context) {
	var p idPage
	u, ok := a.meWith(c, p.query("before_id", 50, 200))
	if !ok {
		return
	}
	us, err := a.d.Wristbands.Unattached(c.Request.Context(), u, p.From, p.Limit)
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]gin.H, 0, len(us))
	for _, x := range us {
		it := gin.H{"id": x.ID, "vendor": x.Vendor, "event_id": x.EventID, "imei_masked": pii.MaskIMEI(x.IMEI), "type": x.Type, "reason": x.Reason,
			"at": x.At, "received_at": x.ReceivedAt}
		if x.Data != "" && json.Valid([]byte(x.Data)) {
			it["data"] = json.RawMessage(x.Data)
		}
		items = append(items, it)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (a *API) adminWristband(c *gin.Context) {
	u, id, ok := a.meAnd(c, "id")
	if !ok {
		return
	}
	d, err := a.d.Wristbands.Device(c.Request.Context(), u, id)
	if err != nil {
		fail(c, err)
		return
	}
	var active *wristband.Binding
	if d.Current != nil {
		active = &d.Current.Binding
	}
	out := toDeviceDTO(d.Device, active)
	hist := dtos(d.History, toBindingDTO)
	resp := gin.H{"device": out, "history": hist}
	if d.Current != nil {
		resp["current"] = toBandDTO(*d.Current)
	}
	c.JSON(http.StatusOK, resp)
}

func (a *API) adminUnbindWristband(c *gin.Context) { a.unbind(c, true) }

func (a *API) adminTransferWristband(c *gin.Context) {
	var req struct {
		UserID  int64      `json:"user_id"`
		Wearer  wearerReq  `json:"wearer"`
		Consent consentReq `json:"consent"`
		Reason  string     `json:"reason"`
	}
	u, id, ok := a.meAndWith(c, "id", &req)
	if !ok {
		return
	}
	act := wristband.Actor{User: u, Staff: true}
	b, err := a.d.Wristbands.Transfer(c.Request.Context(), act, id, wristband.TransferInput{
		OwnerUserID: req.UserID, Wearer: wristband.WearerRef{Self: req.Wearer.Self, DependentID: req.Wearer.DependentID},
		ConsentVersion: req.Consent.Version, Reason: req.Reason,
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toBindingDTO(b))
}

func (a *API) adminWristbandReadings(c *gin.Context) { a.readings(c, true) }

func (a *API) adminDeviceAlarms(c *gin.Context) { a.deviceAlarms(c, true) }

func (a *API) adminSetWristbandThresholds(c *gin.Context) { a.setThresholds(c, true) }

func (a *API) adminRevokeWristbandConsent(c *gin.Context) { a.revokeConsent(c, true) }

// adminIssueBindCode gives staff a one-time bind code to hand over with an
// unbound wristband.
func (a *API) adminIssueBindCode(c *gin.Context) {
	u, id, ok := a.meAnd(c, "id")
	if !ok {
		return
	}
	code, err := a.d.Wristbands.IssueBindCode(c.Request.Context(), u, id)
	respond(c, http.StatusCreated, gin.H{"id": code.DeviceID, "code": code.Code, "expires_at": code.ExpiresAt}, err)
}
