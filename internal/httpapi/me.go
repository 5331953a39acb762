package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

func (a *API) getMe(c *gin.Context) {
	if u, ok := a.me(c); ok {
		c.JSON(http.StatusOK, toUserDTO(u))
	}
}

func (a *API) patchMe(c *gin.Context) {
	var req struct {
		Nickname    *string `json:"nickname"`
		AvatarURL   *string `json:"avatar_url"`
		RealName    *string `json:"real_name"`
		CommunityID *int64  `json:"community_id"`
		// Other spellings: issue 2 names the fields "nickname, avatar URL,
		// real name, community"; WeChat's user info says nickName and
		// avatarUrl.
		Community  *int64  `json:"community"`
		NickName   *string `json:"nickName"`
		AvatarURL2 *string `json:"avatarUrl"`
		Avatar     *string `json:"avatar"`
		RealName2  *string `json:"realName"`
	}
	if read(c, &req) {
		u, err := a.d.Residents.UpdateProfile(c.Request.Context(), userID(c), resident.ProfilePatch{
			Nickname: firstSet(req.Nickname, req.NickName), AvatarURL: firstSet(req.AvatarURL, req.AvatarURL2, req.Avatar),
			RealName: firstSet(req.RealName, req.RealName2), CommunityID: firstSet(req.CommunityID, req.Community),
		})
		respond(c, http.StatusOK, toUserDTO(u), err)
	}
}

func (a *API) bindPhone(c *gin.Context) {
	var req struct {
		Code string `json:"code"`
	}
	if read(c, &req) {
		u, err := a.d.Residents.BindPhone(c.Request.Context(), userID(c), req.Code)
		respond(c, http.StatusOK, toUserDTO(u), err)
	}
}

type consentDTO struct {
	Version string    `json:"version"`
	At      time.Time `json:"at"`
}

type dependentDTO struct {
	ID             int64       `json:"id"`
	Name           string      `json:"name"`
	Relation       string      `json:"relation"`
	BirthDate      string      `json:"birth_date"`
	Gender         string      `json:"gender"`
	Age            int         `json:"age"`
	IDNumberMasked string      `json:"id_number_masked,omitempty"`
	NeedsConsent   bool        `json:"needs_consent"`
	Consent        *consentDTO `json:"consent,omitempty"`
	Usable         bool        `json:"usable"`
}

func toDependentDTO(d resident.Dependent, now time.Time) dependentDTO {
	out := dependentDTO{ID: d.ID, Name: d.Name, Relation: d.Relation, BirthDate: d.BirthDate.Format(dateLayout),
		Gender: d.Gender, Age: resident.AgeOn(d.BirthDate, now), IDNumberMasked: d.IDNumberMasked,
		NeedsConsent: d.NeedsConsent(now), Usable: d.Usable(now)}
	if d.ConsentAt != nil {
		out.Consent = &consentDTO{Version: d.ConsentVersion, At: *d.ConsentAt}
	}
	return out
}

const dateLayout = "2006-01-02"

type dependentReq struct {
	Name            *string             `json:"name"`
	Relation        *string             `json:"relation"`
	BirthDate       *string             `json:"birth_date"`
	Gender          *string             `json:"gender"`
	IDNumber        *string             `json:"id_number"`
	GuardianConsent *guardianConsentReq `json:"guardian_consent"`
	// Consent and ConsentVersion are other spellings of guardian_consent:
	// the answer's own "consent" object sent back, or its version alone.
	Consent        *guardianConsentReq `json:"consent"`
	ConsentVersion *string             `json:"consent_version"`
}

// guardianConsentReq is the guardian's consent as a client sends it: the version
// of the text agreed to. The time a client may add (at, time,
// consented_at) is accepted but not trusted: the server records its own.
type guardianConsentReq struct {
	Version     string `json:"version"`
	At          any    `json:"at"`
	Time        any    `json:"time"`
	ConsentedAt any    `json:"consented_at"`
}

// UnmarshalJSON reads the consent object, or the version alone ("1.0"), or
// true: consent to the text in force (false is no consent).
func (r *guardianConsentReq) UnmarshalJSON(b []byte) error {
	if short, err := consentShorthand(b, resident.CurrentConsentVersion, &r.Version); short {
		return err
	}
	type plain guardianConsentReq
	return strictObject(b, (*plain)(r))
}

// consentVersion is the consent version the request gives, in whichever
// spelling, or nil when it gives none.
func (r dependentReq) consentVersion() *string {
	for _, c := range []*guardianConsentReq{r.GuardianConsent, r.Consent} {
		if c != nil {
			return &c.Version
		}
	}
	return r.ConsentVersion
}

// chineseRelations are the relations by the names the error message and
// the mini-program use.
var chineseRelations = map[string]string{
	"子女": resident.RelationChild, "孩子": resident.RelationChild, "父母": resident.RelationParent,
	"配偶": resident.RelationSpouse, "其他": resident.RelationOther,
}

// relation reads the request's relation, taking its Chinese names too.
func (r dependentReq) relation() *string {
	if r.Relation == nil {
		return nil
	}
	v := *r.Relation
	if code, ok := chineseRelations[strings.TrimSpace(v)]; ok {
		v = code
	}
	return &v
}

// gender reads the request's gender, taking 男/女 for male/female.
func (r dependentReq) gender() *string {
	if r.Gender == nil {
		return nil
	}
	g := *r.Gender
	switch strings.TrimSpace(g) {
	case "男":
		g = "male"
	case "女":
		g = "female"
	}
	return &g
}

// birthDate parses the request's birth date, when it has one.
func (r dependentReq) birthDate() (*time.Time, error) {
	if r.BirthDate == nil {
		return nil, nil
	}
	t, err := time.Parse(dateLayout, *r.BirthDate)
	if err != nil {
		// An RFC 3339 time names its day in China.
		ts, err2 := time.Parse(time.RFC3339Nano, *r.BirthDate)
		if err2 != nil {
			return nil, errs.Invalid("INVALID_BIRTH_DATE", "出生日期格式应为 2016-05-01")
		}
		t, _ = time.Parse(dateLayout, ts.In(cst.Zone).Format(dateLayout))
	}
	return &t, nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// dependentNow shows a family member as of now.
func dependentNow(d resident.Dependent) dependentDTO { return toDependentDTO(d, time.Now()) }

// guardianConsent serves the guardian-consent text in force and its
// version, which a family member under 14 is given with (guardian_consent.version).
func (a *API) guardianConsent(c *gin.Context) {
	if _, ok := a.me(c); ok {
		c.JSON(http.StatusOK, consentTextDTO{Version: resident.CurrentConsentVersion, Text: resident.ConsentText})
	}
}

func (a *API) addDependent(c *gin.Context) {
	var req dependentReq
	if !read(c, &req) {
		return
	}
	in := resident.DependentInput{Name: str(req.Name), Relation: str(req.relation()), Gender: str(req.gender()), IDNumber: str(req.IDNumber)}
	// With an ID number, birth date and gender may be left out (they are
	// read from it); without one they are required.
	if req.BirthDate == nil && in.IDNumber == "" {
		fail(c, errs.Invalid("INVALID_BIRTH_DATE", "请填写出生日期"))
		return
	}
	bd, err := req.birthDate()
	if err != nil {
		fail(c, err)
		return
	}
	setIf(&in.BirthDate, bd)
	in.ConsentVersion = str(req.consentVersion())
	d, err := a.d.Residents.AddDependent(c.Request.Context(), userID(c), in)
	respond(c, http.StatusCreated, dependentNow(d), err)
}

func (a *API) patchDependent(c *gin.Context) {
	var id int64
	var req dependentReq
	if !read(c, pathParam(&id, "id"), &req) {
		return
	}
	p := resident.DependentPatch{Name: req.Name, Relation: req.relation(), Gender: req.gender(), IDNumber: req.IDNumber}
	bd, err := req.birthDate()
	if err != nil {
		fail(c, err)
		return
	}
	p.BirthDate = bd
	p.ConsentVersion = req.consentVersion()
	d, err := a.d.Residents.UpdateDependent(c.Request.Context(), userID(c), id, p)
	respond(c, http.StatusOK, dependentNow(d), err)
}

// firstSet is the first of vs the request gave (a field with more than
// one accepted spelling), or nil.
func firstSet[T any](vs ...*T) *T {
	for _, v := range vs {
		if v != nil {
			return v
		}
	}
	return nil
}
