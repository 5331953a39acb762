package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"gongjian/internal/errs"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
	"gongjian/internal/wristband"
)

// ---- staff ----

func (a *API) adminWristbands(c *gin.Context) {
	var p idPage
	if u, ok := a.meWith(c, p.query("before_id", 50)); ok {
		items, err := a.d.Wristbands.Devices(c.Request.Context(), u, wristband.DeviceFilter{IMEI: c.Query("imei"), Batch: c.Query("batch"), BeforeID: p.From, Limit: p.peek()})
		respondIDPage(c, p, items, func(it wristband.DeviceListItem) int64 { return it.Device.ID },
			func(it wristband.DeviceListItem) deviceDTO { return toDeviceDTO(it.Device, it.Binding) }, err)
	}
}

type importItem struct {
	IMEI           string `json:"imei"`
	Model          string `json:"model"`
	Vendor         string `json:"vendor"`
	Batch          string `json:"batch"`
	ActivationCode string `json:"activation_code"`
}

func (a *API) adminAddWristbands(c *gin.Context) {
	// {"items":[…]}, one device as the body itself ({"imei":…,"model":…}),
	// or the list as the body ([{…},{…}]).
	var req struct {
		Items []importItem `json:"items"`
		importItem
	}
	body, err := readBody(c)
	if err != nil {
		fail(c, err)
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	into := any(&req)
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '[' {
		into = &req.Items
	}
	if !read(c, into) {
		return
	}
	if req.importItem != (importItem{}) {
		req.Items = append(req.Items, req.importItem)
	}
	rows := make([]wristband.ImportRow, 0, len(req.Items))
	for i, it := range req.Items {
		rows = append(rows, wristband.ImportRow{Line: i + 1, IMEI: it.IMEI, Model: it.Model, Vendor: it.Vendor, Batch: it.Batch, ActivationCode: it.ActivationCode})
	}
	a.importRows(c, rows)
}

func (a *API) importRows(c *gin.Context, rows []wristband.ImportRow) {
	if u, ok := a.me(c); ok {
		n, err := a.d.Wristbands.Import(c.Request.Context(), u, rows)
		respond(c, http.StatusCreated, gin.H{"imported": n}, err)
	}
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
	if u, ok := a.meWith(c, &req); ok {
		b, err := a.d.Wristbands.Bind(c.Request.Context(), wristbandStaff(u), wristband.BindInput{
			IMEI: req.IMEI, OwnerUserID: req.UserID, Wearer: req.wearer(), ConsentVersion: req.consentVersion(), Reason: req.Reason,
		})
		respond(c, http.StatusCreated, toBindingDTO(b), err)
	}
}

// wristbandStaff is u acting as wristband staff.
func wristbandStaff(u resident.User) wristband.Actor { return wristband.Actor{User: u, Staff: true} }

func (a *API) adminWristbandAlarms(c *gin.Context) {
	var q alarmQuery
	var community int64
	if u, ok := a.meWith(c, q.query(), communityParam(&community)); ok {
		as, err := a.d.Wristbands.StaffAlarms(c.Request.Context(), u, community, q.statuses, q.From, q.Limit)
		respondIDPage(c, q.idPage, as, alarmID, func(al wristband.Alarm) alarmDTO { return toAlarmDTO(al, true) }, err)
	}
}

func (a *API) adminHandleWristbandAlarm(ack bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req noteReq
		if u, id, ok := a.meAndWith(c, "id", optional(&req)); ok {
			al, err := a.d.Wristbands.HandleAlarm(c.Request.Context(), wristbandStaff(u), 0, id, ack, req.Note)
			respond(c, http.StatusOK, toAlarmDTO(al, true), err)
		}
	}
}

func (a *API) adminUnattachedPushes(c *gin.Context) {
	var p idPage
	if u, ok := a.meWith(c, p.query("before_id", 50)); ok {
		us, err := a.d.Wristbands.Unattached(c.Request.Context(), u, p.From, p.peek())
		respondIDPage(c, p, us, func(x wristband.Unattached) int64 { return x.ID }, toUnattachedDTO, err)
	}
}

func toUnattachedDTO(x wristband.Unattached) gin.H {
	it := gin.H{"id": x.ID, "vendor": x.Vendor, "event_id": x.EventID, "imei_masked": pii.MaskIMEI(x.IMEI), "type": x.Type, "reason": x.Reason,
		"at": x.At, "received_at": x.ReceivedAt}
	if x.Data != "" && json.Valid([]byte(x.Data)) {
		it["data"] = json.RawMessage(x.Data)
	}
	return it
}

// toDeviceDetailDTO is a wristband as staff see it: the device, its
// bindings' history and the current one.
func toDeviceDetailDTO(d wristband.DeviceDetail) gin.H {
	var active *wristband.Binding
	if d.Current != nil {
		active = &d.Current.Binding
	}
	resp := gin.H{"device": toDeviceDTO(d.Device, active), "history": dtos(d.History, toBindingDTO)}
	if d.Current != nil {
		resp["current"] = toBandDTO(*d.Current)
	}
	return resp
}

func (a *API) adminUnbindWristband(c *gin.Context) { a.unbind(c, true) }

func (a *API) adminTransferWristband(c *gin.Context) {
	var req struct {
		UserID  int64      `json:"user_id"`
		Wearer  wearerReq  `json:"wearer"`
		Consent consentReq `json:"consent"`
		Reason  string     `json:"reason"`
	}
	if u, id, ok := a.meAndWith(c, "id", &req); ok {
		b, err := a.d.Wristbands.Transfer(c.Request.Context(), wristbandStaff(u), id, wristband.TransferInput{
			OwnerUserID: req.UserID, Wearer: req.Wearer.ref(), ConsentVersion: req.Consent.Version, Reason: req.Reason,
		})
		respond(c, http.StatusCreated, toBindingDTO(b), err)
	}
}

func (a *API) adminWristbandReadings(c *gin.Context) { a.readings(c, true) }

func (a *API) adminDeviceAlarms(c *gin.Context) { a.deviceAlarms(c, true) }

func (a *API) adminSetWristbandThresholds(c *gin.Context) { a.setThresholds(c, true) }

func (a *API) adminRevokeWristbandConsent(c *gin.Context) { a.revokeConsent(c, true) }

// adminIssueBindCode gives staff a one-time bind code to hand over with an
// unbound wristband.
func (a *API) adminIssueBindCode(c *gin.Context) {
	if u, id, ok := a.meAnd(c, "id"); ok {
		code, err := a.d.Wristbands.IssueBindCode(c.Request.Context(), u, id)
		respond(c, http.StatusCreated, gin.H{"id": code.DeviceID, "code": code.Code, "bind_code": code.Code, "expires_at": code.ExpiresAt}, err)
	}
}
