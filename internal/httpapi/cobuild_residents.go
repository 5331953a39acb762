package httpapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
	"gongjian/internal/media"
	"gongjian/internal/resident"
	"gongjian/internal/wechat"
)

// WeChatPush configures the mini-program's message push (消息推送): the
// token WeChat signs pushes with and this server's public address (WeChat
// downloads photos for the content check from it).
type WeChatPush struct {
	Token         string
	PublicBaseURL string
}

// mediaLinkTTL is how long a signed photo link for WeChat's check lives.
const mediaLinkTTL = 2 * time.Hour

func mediaSig(key, id, exp string) string {
	m := hmac.New(sha256.New, []byte("gongjian-media-check\x00"+key))
	m.Write([]byte(id + "." + exp))
	return hex.EncodeToString(m.Sum(nil))
}

// SignedMediaURL gives the links WeChat downloads residents' photos from
// for mediaCheckAsync: GET /api/v1/wechat/media/{id}?exp=…&sig=…, valid for
// two hours. Without a push token or public address there are none.
func SignedMediaURL(p WeChatPush, now func() time.Time) cobuild.MediaURL {
	if p.Token == "" || p.PublicBaseURL == "" {
		return nil
	}
	base := strings.TrimRight(p.PublicBaseURL, "/")
	return func(ref string) (string, bool) {
		id, ok := media.ParseRef(ref)
		if !ok {
			return "", false
		}
		exp := strconv.FormatInt(now().Add(mediaLinkTTL).Unix(), 10)
		return base + "/api/v1/wechat/media/" + id + "?exp=" + exp + "&sig=" + mediaSig(p.Token, id, exp), true
	}
}

type wishDTO struct {
	ID            int64      `json:"id"`
	CommunityID   int64      `json:"community_id"`
	Title         string     `json:"title"`
	Description   string     `json:"description"`
	Photos        []string   `json:"photos"`
	Status        string     `json:"status"`
	ContentCheck  string     `json:"content_check"`
	NeedID        int64      `json:"need_id,omitempty"`
	DeclineReason string     `json:"decline_reason,omitempty"`
	ContactName   string     `json:"contact_name,omitempty"`
	ContactPhone  string     `json:"contact_phone,omitempty"` // masked for the author, whole for staff and the claiming unit
	ReviewedAt    *time.Time `json:"reviewed_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

func toWishDTO(w cobuild.Wish) wishDTO {
	d := wishDTO{ID: w.ID, CommunityID: w.CommunityID, Title: w.Title, Description: w.Description, Photos: w.Photos, Status: w.Status,
		ContentCheck: w.SecStatus, NeedID: w.NeedID, DeclineReason: w.DeclineReason, ReviewedAt: w.ReviewedAt, CreatedAt: w.CreatedAt}
	if d.Photos == nil {
		d.Photos = []string{}
	}
	return d
}

// wishReq is the body of a wish: cobuild.WishInput.
type wishReq struct {
	CommunityID  int64    `json:"community_id"`
	Title        string   `json:"title"`
	Description  string   `json:"description"`
	Photos       []string `json:"photos"`
	ContactName  string   `json:"contact_name"`
	ContactPhone string   `json:"contact_phone"`
}

func (a *API) createWish(c *gin.Context) {
	var req wishReq
	if u, ok := a.meWith(c, &req); ok {
		w, err := a.d.Cobuild.CreateWish(c.Request.Context(), u, cobuild.WishInput(req))
		respond(c, http.StatusCreated, toOwnWishDTO(w), err)
	}
}

// toOwnWishDTO shows a wish to its author: the contact with the phone
// masked.
func toOwnWishDTO(w cobuild.Wish) wishDTO {
	d := toWishDTO(w)
	d.ContactName, d.ContactPhone = w.ContactName, w.PhoneMasked
	return d
}

// toReviewedWishDTO shows a wish in the review queue: the contact's name.
func toReviewedWishDTO(w cobuild.Wish) wishDTO {
	d := toWishDTO(w)
	d.ContactName = w.ContactName
	return d
}

func (a *API) getWish(c *gin.Context) {
	if u, id, ok := a.meAnd(c, "id"); ok {
		v, err := a.d.Cobuild.Wish(c.Request.Context(), u, id)
		d := toWishDTO(v.Wish)
		if v.ShowContact {
			d.ContactName, d.ContactPhone = v.ContactName, v.Contact
			if v.UserID == u.ID {
				d.ContactPhone = v.PhoneMasked
			}
		}
		respond(c, http.StatusOK, d, err)
	}
}

// toContactWishDTO shows a wish with its whole contact (NeedWishes).
func toContactWishDTO(v cobuild.WishView) wishDTO {
	d := toWishDTO(v.Wish)
	d.ContactName, d.ContactPhone = v.ContactName, v.Contact
	return d
}

// needWishes is a page of the wishes served by a need, newest first;
// ?cursor= is the previous page's next_cursor.
func (a *API) needWishes(c *gin.Context) {
	var p idPage
	if u, id, ok := a.meAndWith(c, "id", p.query("", 50)); ok {
		ws, err := a.d.Cobuild.NeedWishes(c.Request.Context(), u, id, p.From, p.peek())
		respondIDPage(c, p, ws, func(v cobuild.WishView) int64 { return v.ID }, toContactWishDTO, err)
	}
}

// wishID is a wish's keyset position (its id).
func wishID(w cobuild.Wish) int64 { return w.ID }

// myWishes is a page of the resident's wishes, newest first; ?cursor= is
// the previous page's next_cursor.
func (a *API) myWishes(c *gin.Context) {
	var p idPage
	if u, ok := a.meWith(c, p.query("", 50)); ok {
		ws, err := a.d.Cobuild.MyWishes(c.Request.Context(), u, p.From, p.peek())
		respondIDPage(c, p, ws, wishID, toOwnWishDTO, err)
	}
}

// reviewWishes is a page of the wishes staff may review, newest first.
func (a *API) reviewWishes(c *gin.Context) {
	var community int64
	var p idPage
	if u, ok := a.meWith(c, communityParam(&community), statusParam(wishStatuses), p.query("", 50)); ok {
		ws, err := a.d.Cobuild.ReviewWishes(c.Request.Context(), u, community, c.DefaultQuery("status", cobuild.WishPending), p.From, p.peek())
		respondIDPage(c, p, ws, wishID, toReviewedWishDTO, err)
	}
}

type reviewReq struct {
	Decision string `json:"decision"`
	Action   string `json:"action"` // decision by another name (when decision is left out)
	NeedID   int64  `json:"need_id"`
	Reason   string `json:"reason"`
	// Need: the need an accepted wish or proposal becomes.
	Need *needReq `json:"need"`
}

func (r reviewReq) review() cobuild.Review {
	out := cobuild.Review{Decision: r.Decision, NeedID: r.NeedID, Reason: r.Reason}
	if out.Decision == "" {
		out.Decision = r.Action
	}
	if r.Need != nil {
		in := r.Need.input()
		out.Need = &in
	}
	return out
}

// ---- proposals ----

type proposalDTO struct {
	ID            int64      `json:"id"`
	CommunityID   int64      `json:"community_id"`
	Title         string     `json:"title"`
	Description   string     `json:"description"`
	Status        string     `json:"status"`
	ContentCheck  string     `json:"content_check"`
	Supports      int        `json:"supports"`
	Threshold     int        `json:"threshold"`
	NeedID        int64      `json:"need_id,omitempty"`
	DeclineReason string     `json:"decline_reason,omitempty"`
	AgendaAt      *time.Time `json:"agenda_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

func (a *API) toProposalDTO(p cobuild.Proposal) proposalDTO {
	if p.Threshold == 0 {
		p.Threshold = a.defaultSupportThreshold()
	}
	return proposalDTO{ID: p.ID, CommunityID: p.CommunityID, Title: p.Title, Description: p.Description, Status: p.Status,
		ContentCheck: p.SecStatus, Supports: p.Supports, Threshold: p.Threshold, NeedID: p.NeedID,
		DeclineReason: p.DeclineReason, AgendaAt: p.AgendaAt, CreatedAt: p.CreatedAt}
}

// viewer is the optional viewer of a public route.
func (a *API) viewer(c *gin.Context) *resident.User {
	if userID(c) == 0 {
		return nil
	}
	u, err := a.loadUser(c)
	if err != nil {
		return nil
	}
	return &u
}

// listProposals is a page of the 议事厅's proposals, newest first; ?cursor=
// is the previous page's next_cursor.
func (a *API) listProposals(c *gin.Context) {
	var community int64
	var p idPage
	if !read(c, communityParam(&community), statusParam(proposalStatuses), p.query("", 50)) {
		return
	}
	v := a.viewer(c)
	staff := v != nil && community != 0 && v.IsStaffOf(community)
	ps, err := a.d.Cobuild.Proposals(c.Request.Context(), community, c.Query("status"), staff, p.From, p.peek())
	respondIDPage(c, p, ps, func(x cobuild.Proposal) int64 { return x.ID }, a.toProposalDTO, err)
}

func (a *API) getProposal(c *gin.Context) {
	if id, ok := idParam(c, "id"); ok {
		p, err := a.d.Cobuild.Proposal(c.Request.Context(), a.viewer(c), id)
		respond(c, http.StatusOK, a.toProposalDTO(p), err)
	}
}

func (a *API) createProposal(c *gin.Context) {
	var req struct {
		CommunityID int64  `json:"community_id"`
		Title       string `json:"title"`
		Description string `json:"description"`
	}
	if u, ok := a.meWith(c, &req); ok {
		p, err := a.d.Cobuild.CreateProposal(c.Request.Context(), u, req.CommunityID, req.Title, req.Description)
		respond(c, http.StatusCreated, a.toProposalDTO(p), err)
	}
}

// ---- WeChat's message push and the photo links it downloads ----

var errBadSignature = errs.Forbidden("BAD_SIGNATURE", "推送签名无效")

func (a *API) pushSigned(c *gin.Context) bool {
	if !wechat.VerifyPush(a.d.WeChatPush.Token, c.Query("signature"), c.Query("timestamp"), c.Query("nonce")) {
		fail(c, errBadSignature)
		return false
	}
	return true
}

// verifyPushURL answers WeChat's check of the push URL: echostr when signed.
func (a *API) verifyPushURL(c *gin.Context) {
	if a.pushSigned(c) {
		c.String(http.StatusOK, c.Query("echostr"))
	}
}

// wechatPush takes WeChat's message pushes (JSON): media-check verdicts
// are recorded; other events are acknowledged. WeChat expects "success".
func (a *API) wechatPush(c *gin.Context) {
	if !a.pushSigned(c) {
		return
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		fail(c, errTooLarge)
		return
	}
	v, ok, err := wechat.ParsePush(body)
	if err != nil {
		fail(c, err)
		return
	}
	if ok {
		if err := a.d.Cobuild.MediaChecked(c.Request.Context(), v.TraceID, v.Suggest); err != nil {
			fail(c, err)
			return
		}
	}
	c.String(http.StatusOK, "success")
}

// wechatMedia serves a photo to WeChat's content check through a link the
// server signed (SignedMediaURL); anything else is 404.
func (a *API) wechatMedia(c *gin.Context) {
	id, exp, sig := c.Param("id"), c.Query("exp"), c.Query("sig")
	t, err := strconv.ParseInt(exp, 10, 64)
	notFound := errs.NotFound("UPLOAD_NOT_FOUND", "照片不存在或已删除")
	if err != nil || time.Now().Unix() > t || a.d.WeChatPush.Token == "" ||
		!hmac.Equal([]byte(sig), []byte(mediaSig(a.d.WeChatPush.Token, id, exp))) {
		fail(c, notFound)
		return
	}
	u, err := a.d.Media.Fetch(c.Request.Context(), id)
	sendData(c, u.ContentType, u.Data, err, "Cache-Control", "no-store", "X-Content-Type-Options", "nosniff")
}
