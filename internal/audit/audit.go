// Package audit is the append-only record of what staff change: who (and
// acting in which role), what object, what changed, when, from which
// address, under which request id. An HTTP request carries a recorder in
// its context; handlers note each change they are about to make, and the
// store's transaction helper writes the notes in the SAME transaction as
// the change (mysqlstore.DB.transaction), so a change is never without its
// entry nor an entry without its change. Nothing in the product edits or
// deletes an entry (the database refuses UPDATE and DELETE as well).
package audit

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Actor is who makes the changes of a request.
type Actor struct {
	UserID    int64
	Name      string
	Role      string // admin | subdistrict_admin | staff | org_staff | unit_contact | resident
	IP        string
	RequestID string
	// CommunityID: the community the actor serves (0: several or all), used
	// to place entries about objects of no community.
	CommunityID int64
}

// Entry is one recorded change.
type Entry struct {
	ID            int64
	At            time.Time
	Actor         Actor
	Action        string // e.g. activity.publish
	ObjectType    string // e.g. activity
	ObjectID      int64
	CommunityID   int64 // the object's community, when it has one
	SubdistrictID int64 // filled when written
	Changes       map[string]any
	// Creates: the change creates the object, whose id is filled in when
	// its row is inserted (Created), in the change's transaction.
	Creates bool
	// StaffOnly: the change is recorded only when its actor acts with a
	// staff, admin or unit-contact role (routes residents use as well).
	StaffOnly bool

	filled int // > 0: ObjectID came from Created, as its filled-th fill (forgotten when that attempt rolls back)
}

type recorder struct {
	mu      sync.Mutex
	actor   Actor
	pending []Entry
	fills   int // object ids filled in so far
}

type ctxKey struct{}

// WithRecorder gives ctx a recorder for the changes of one request.
func WithRecorder(ctx context.Context, ip, requestID string) context.Context {
	return context.WithValue(ctx, ctxKey{}, &recorder{actor: Actor{IP: ip, RequestID: requestID}})
}

func from(ctx context.Context) *recorder {
	r, _ := ctx.Value(ctxKey{}).(*recorder)
	return r
}

// SetActor names who acts (once the request's user is known).
func SetActor(ctx context.Context, userID int64, name, role string, communityID int64) {
	if r := from(ctx); r != nil {
		r.mu.Lock()
		r.actor.UserID, r.actor.Name, r.actor.Role, r.actor.CommunityID = userID, name, role, communityID
		r.mu.Unlock()
	}
}

// Note records a change about to be made; the next transaction that
// commits writes it. Without a recorder (jobs, the command line) it does
// nothing.
func Note(ctx context.Context, e Entry) {
	r := from(ctx)
	if r == nil {
		return
	}
	e.Changes = Clean(e.Changes)
	r.mu.Lock()
	r.pending = append(r.pending, e)
	r.mu.Unlock()
}

// Savepoint marks the start of a transaction attempt, for Rollback.
func Savepoint(ctx context.Context) int {
	r := from(ctx)
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fills
}

// Rollback forgets the object ids filled in since mark: the attempt that
// inserted their rows rolled back (a retry inserts new rows).
func Rollback(ctx context.Context, mark int) {
	r := from(ctx)
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.pending {
		if r.pending[i].filled > mark {
			r.pending[i].ObjectID, r.pending[i].filled = 0, 0
		}
	}
}

// Created tells the notes that a row of an object of objectType was
// inserted with id: the first pending note creating such an object and
// still without an id takes it.
func Created(ctx context.Context, objectType string, id int64) {
	r := from(ctx)
	if r == nil || id == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, e := range r.pending {
		if e.Creates && e.ObjectType == objectType && e.ObjectID == 0 {
			r.fills++
			r.pending[i].ObjectID, r.pending[i].filled = id, r.fills
			return
		}
	}
}

// Pending returns the notes not written yet, with the actor and time
// filled in (without removing them: a transaction that fails keeps them).
// Notes of StaffOnly changes made by an actor without a staff role are
// dropped.
func Pending(ctx context.Context, now time.Time) []Entry {
	r := from(ctx)
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.actor.Role == "" || r.actor.Role == "resident" {
		kept := r.pending[:0]
		for _, e := range r.pending {
			if !e.StaffOnly {
				kept = append(kept, e)
			}
		}
		r.pending = kept
	}
	out := make([]Entry, len(r.pending))
	for i, e := range r.pending {
		e.Actor, e.At = r.actor, now
		out[i] = e
	}
	return out
}

// Written drops the first n notes once their transaction committed.
func Written(ctx context.Context, n int) {
	if r := from(ctx); r != nil && n > 0 {
		r.mu.Lock()
		if n > len(r.pending) {
			n = len(r.pending)
		}
		r.pending = r.pending[n:]
		r.mu.Unlock()
	}
}

// Discard drops notes a failed request never wrote.
func Discard(ctx context.Context) { Written(ctx, 1<<30) }

var (
	phoneLike = regexp.MustCompile(`1[3-9]\d{9}`)
	idLike    = regexp.MustCompile(`\d{17}[\dXx]|\d{15}`)
	secretKey = []string{"phone", "mobile", "id_number", "idnumber", "id_card", "password", "secret", "code", "token", "ticket", "activation"}
)

// Clean removes personal data from changes: keys naming phones, identity
// numbers and secrets, and any value that looks like a phone or an
// identity number.
func Clean(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		lk := strings.ToLower(k)
		skip := false
		for _, s := range secretKey {
			if strings.Contains(lk, s) {
				skip = true
			}
		}
		if skip {
			continue
		}
		out[k] = cleanValue(v)
	}
	return out
}

func cleanValue(v any) any {
	switch x := v.(type) {
	case string:
		x = idLike.ReplaceAllString(x, "[已隐去]")
		return phoneLike.ReplaceAllString(x, "[已隐去]")
	case map[string]any:
		return Clean(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cleanValue(e)
		}
		return out
	}
	return v
}
