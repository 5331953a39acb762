// Package residence owns confirmed residence: a resident applies to live
// in a community (address, building, unit), the community's staff approve
// or reject the application, and "residents of this community only"
// activities look at the confirmed residence, never at the community a
// resident picks in their profile. A new confirmed residence re-checks the
// resident's upcoming community-only registrations, sets the resident's
// profile community to it, and the resident is told of every decision.
package residence

import (
	"context"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/notify"
	"gongjian/internal/resident"
)

// Application statuses.
const (
	StatusPending    = "pending"
	StatusApproved   = "approved"   // the confirmed residence (one per user)
	StatusRejected   = "rejected"   // with the staff member's reason
	StatusSuperseded = "superseded" // an approved residence replaced by a later one
)

// Application is a resident's request to be confirmed as living in a community.
type Application struct {
	ID          int64
	UserID      int64
	UserName    string // filled by the store for staff lists
	CommunityID int64
	Address     string // street address / compound
	Building    string // 楼栋
	Unit        string // 单元 (and room)
	Status      string
	Reason      string // why it was rejected
	ReviewedBy  int64
	ReviewedAt  *time.Time
	CreatedAt   time.Time

	// CommunityName is filled by the store (a decision's notice names it).
	CommunityName string
}

// Input is what a resident submits.
type Input struct {
	CommunityID int64
	Address     string
	Building    string
	Unit        string
}

// Filter selects applications for staff.
type Filter struct {
	Status       string  // "" = every status
	CommunityID  int64   // the one community asked for (0 = every one the staff member handles)
	CommunityIDs []int64 // nil = every community
	BeforeID     int64   // keyset paging: ids below this (0 = from the newest)
	Limit        int
}

// Store is what the service needs from MySQL.
type Store interface {
	// Create inserts a pending application; ErrPending when the user has one.
	Create(ctx context.Context, a *Application) error
	Application(ctx context.Context, id int64) (Application, error)
	OfUser(ctx context.Context, userID int64) ([]Application, error)
	List(ctx context.Context, f Filter) ([]Application, error)
	// Approve makes a pending application the user's confirmed residence
	// (the previous one superseded) and sets the user's profile community
	// to it, with the notices, in one transaction; false when it was no
	// longer pending (nothing written).
	Approve(ctx context.Context, id, by int64, at time.Time, notices []notify.Notice) (bool, error)
	// Reject refuses a pending application with the notices; false when it
	// was no longer pending (nothing written).
	Reject(ctx context.Context, id, by int64, reason string, at time.Time, notices []notify.Notice) (bool, error)
	// Confirmed returns the user's approved application (ok false if none).
	Confirmed(ctx context.Context, userID int64) (Application, bool, error)
	CommunityExists(ctx context.Context, id int64) (bool, error)
}

// Rechecker cancels a resident's upcoming community-only registrations
// that their confirmed community no longer allows, telling them of each;
// it returns how many were cancelled.
type Rechecker interface {
	RecheckResidence(ctx context.Context, userID, communityID int64) (int, error)
}

// NoticeTemplate is the template key of the notice of a decision on an
// application: in-app only (no WeChat subscribe template is configured for
// it). It opens the residence page (NoticePage).
const (
	NoticeTemplate = "residence_reviewed"
	NoticePage     = "pages/residence/index"
)

// Errors.
var (
	ErrPending         = errs.Conflict("RESIDENCE_APPLICATION_PENDING", "您已有一份待审核的居住申请，请等待社区审核")
	ErrNotFound        = errs.NotFound("RESIDENCE_APPLICATION_NOT_FOUND", "居住申请不存在")
	errNotPending      = errs.Conflict("RESIDENCE_APPLICATION_DECIDED", "该申请已审核，无需重复处理")
	errNotApproved     = errs.Unprocessable("RESIDENCE_NOT_APPROVED", "只有已通过的居住申请可以重新核对报名")
	errCommunity       = errs.Invalid("INVALID_COMMUNITY", "请选择所在社区")
	errReasonRequired  = errs.Invalid("REASON_REQUIRED", "请填写不通过的原因（不超过200字）")
	errAddressRequired = errs.Invalid("ADDRESS_REQUIRED", "请填写详细地址、楼栋和单元")
	errAddressInvalid  = errs.Invalid("INVALID_ADDRESS", "地址太长或含有换行：详细地址不超过100个字，楼栋、单元各不超过20个字，请修改后重新提交")
)

// User is who acts (for staff actions, their roles decide the communities).
type User = resident.User
